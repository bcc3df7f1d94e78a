// The stmify tool: instruments the sources of a project (read from its
// compile_commands.json) and writes the instrumented tree to a directory,
// or checks them without writing anything.
//
//   stmify -p build/ src/a.cpp src/b.cpp --out-dir instrumented/
//   stmify -p build/ --check $(jq -r '.[].file' build/compile_commands.json)
#include "Transformer.h"

#include "clang/AST/ASTConsumer.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendAction.h"
#include "clang/Tooling/ArgumentsAdjusters.h"
#include "clang/Tooling/CommonOptionsParser.h"
#include "clang/Tooling/Tooling.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <set>

using namespace clang;
using namespace clang::tooling;
namespace cl = llvm::cl;

static cl::OptionCategory Category("stmify options");
static cl::opt<std::string> OutDir("out-dir",
                                   cl::desc("Write the instrumented files under this directory"),
                                   cl::value_desc("dir"), cl::cat(Category));
static cl::opt<std::string> Root("root",
                                 cl::desc("Source root: files are written at their path relative "
                                          "to it (default: the current directory)"),
                                 cl::value_desc("dir"), cl::cat(Category));
static cl::opt<bool> Check("check", cl::desc("Only analyse and report diagnostics; write nothing"),
                           cl::cat(Category));
static cl::opt<bool> Stdout("stdout", cl::desc("Print the instrumented main files to stdout"),
                            cl::cat(Category));
static cl::opt<bool> InPlace("in-place",
                             cl::desc("Overwrite the sources with the instrumented text"),
                             cl::cat(Category));
static cl::opt<bool> Stats("print-counts", cl::desc("Print what each file got"), cl::cat(Category));

namespace {

// What all translation units produced, by absolute path: a header's edits
// from every translation unit that includes it are merged.
struct OutputFile {
  std::string Original;
  stmify::FileEdits Edits;
};
struct Outputs {
  std::map<std::string, OutputFile> Files;
  std::set<std::string> MainFiles;
  std::set<std::string> Conflicts;
  unsigned Errors = 0;
};

class InstrumentAction : public ASTFrontendAction {
public:
  explicit InstrumentAction(Outputs &Out) : Out(Out) {}

  std::unique_ptr<ASTConsumer> CreateASTConsumer(CompilerInstance &, llvm::StringRef) override {
    class Consumer : public ASTConsumer {
    public:
      explicit Consumer(Outputs &Out) : Out(Out) {}
      void HandleTranslationUnit(ASTContext &AST) override {
        if (AST.getDiagnostics().hasErrorOccurred()) {
          ++Out.Errors;
          return;
        }
        stmify::TransformResult R = stmify::transformTranslationUnit(AST);
        Out.Errors += R.Errors;
        SourceManager &SM = AST.getSourceManager();
        std::set<std::string> Changed;
        for (stmify::RewrittenFile &F : R.Files) {
          std::string Path = absolute(F.File.getName());
          Changed.insert(Path);
          record(Path, std::move(F.Original), F.MainFile, &F.Edits);
        }
        // Unchanged project files are written too, so the tree compiles alone.
        EditPlan Probe(SM, AST.getLangOpts());
        for (auto It = SM.fileinfo_begin(); It != SM.fileinfo_end(); ++It) {
          FileEntryRef Entry = It->first;
          std::string Path = absolute(Entry.getName());
          if (Changed.count(Path) || stmify::isStmifyHeader(Path))
            continue;
          FileID ID = SM.translateFile(Entry);
          if (ID.isInvalid() || !Probe.isRewritable(ID))
            continue;
          bool Main = ID == SM.getMainFileID();
          record(Path, SM.getBufferData(ID).str(), Main, nullptr);
        }
        if (Stats) {
          const stmify::InstrumentationCounts &C = R.Counts;
          llvm::errs() << "stmify: " << SM.getFileEntryRefForID(SM.getMainFileID())->getName()
                       << ": " << C.Reads << " read barriers, " << C.Writes << " write barriers, "
                       << C.Translations << " method-call translations, " << C.AtomicBlocks
                       << " atomic blocks, " << C.Hooks << " inevitability hooks, " << C.Synchronizing
                       << " synchronisation points, " << C.SafePoints << " safe points, "
                       << C.TraceFunctions << " trace functions\n";
        }
      }

    private:
      using EditPlan = stmify::EditPlan;
      static std::string absolute(llvm::StringRef Name) {
        llvm::SmallString<256> Path(Name);
        llvm::sys::fs::make_absolute(Path);
        llvm::sys::path::remove_dots(Path, true);
        return std::string(Path);
      }
      void record(const std::string &Path, std::string Original, bool Main,
                  const stmify::FileEdits *Edits) {
        if (Main)
          Out.MainFiles.insert(Path);
        auto [It, Inserted] = Out.Files.emplace(Path, OutputFile{Original, {}});
        if (!Inserted && It->second.Original != Original)
          Out.Conflicts.insert(Path); // the file changed while the tool ran
        if (Edits && !It->second.Edits.merge(*Edits))
          Out.Conflicts.insert(Path);
      }
      Outputs &Out;
    };
    return std::make_unique<Consumer>(Out);
  }

private:
  Outputs &Out;
};

class ActionFactory : public FrontendActionFactory {
public:
  explicit ActionFactory(Outputs &Out) : Out(Out) {}
  std::unique_ptr<FrontendAction> create() override {
    return std::make_unique<InstrumentAction>(Out);
  }

private:
  Outputs &Out;
};

// Flags GCC accepts and clang rejects, as they appear in a compile database
// written for g++.
CommandLineArguments stripGccOnlyFlags(const CommandLineArguments &Args, llvm::StringRef) {
  static const char *const Prefixes[] = {"-fconcepts-diagnostics-depth",
                                         "-fno-tree-",
                                         "-ftree-",
                                         "-fmax-errors",
                                         "-fno-ipa-",
                                         "-fipa-",
                                         "-flto-partition",
                                         "-fno-fat-lto-objects",
                                         "-fimplicit-constexpr",
                                         "-fno-semantic-interposition",
                                         "-mno-direct-extern-access",
                                         "-fcompare-debug-second"};
  CommandLineArguments Result;
  for (const std::string &A : Args) {
    bool Drop = false;
    for (const char *P : Prefixes)
      Drop |= llvm::StringRef(A).starts_with(P);
    if (!Drop)
      Result.push_back(A);
  }
  return Result;
}

bool writeFile(const std::string &Path, const std::string &Text) {
  llvm::sys::fs::create_directories(llvm::sys::path::parent_path(Path));
  std::error_code EC;
  llvm::raw_fd_ostream Stream(Path, EC);
  if (EC) {
    llvm::errs() << "stmify: cannot write " << Path << ": " << EC.message() << "\n";
    return false;
  }
  Stream << Text;
  return true;
}

} // namespace

int main(int argc, const char **argv) {
  auto Parser = CommonOptionsParser::create(argc, argv, Category, cl::OneOrMore,
                                            "stmify: instrument C++ for the stmify runtime\n");
  if (!Parser) {
    llvm::errs() << llvm::toString(Parser.takeError()) << "\n";
    return 2;
  }
  int Modes = !OutDir.empty() + Check + Stdout + InPlace;
  if (Modes != 1) {
    llvm::errs() << "stmify: give exactly one of --out-dir=DIR, --check, "
                    "--stdout, --in-place\n";
    return 2;
  }
  ClangTool Tool(Parser->getCompilations(), Parser->getSourcePathList());
  Tool.appendArgumentsAdjuster(stripGccOnlyFlags);
  Tool.appendArgumentsAdjuster(getInsertArgumentAdjuster(
      // Warnings belong to the compile of the output (as in the plugin, whose
      // analysing parse reports none either).
      {"-resource-dir=" STMIFY_CLANG_RESOURCE_DIR, "-w", "-D__STMIFY__=1"},
      ArgumentInsertPosition::END));
  Outputs Out;
  ActionFactory Factory(Out);
  int Status = Tool.run(&Factory);
  for (const std::string &Path : Out.Conflicts) {
    llvm::errs() << "stmify: error: " << Path
                 << " needs conflicting instrumentation in different translation units (it "
                    "depends on macros they define differently) [stmify:header-included-twice]\n";
    ++Out.Errors;
  }
  if (Status != 0 || Out.Errors > 0)
    return 1;
  if (Check)
    return 0;
  std::map<std::string, std::string> Text;
  for (const auto &[Path, File] : Out.Files)
    Text[Path] = File.Edits.render(File.Original);
  if (Stdout) {
    for (const std::string &Path : Out.MainFiles)
      llvm::outs() << Text[Path];
    return 0;
  }
  llvm::SmallString<256> RootDir(Root.empty() ? "." : Root.getValue());
  llvm::sys::fs::make_absolute(RootDir);
  llvm::sys::path::remove_dots(RootDir, true);
  bool Ok = true;
  for (const auto &[Path, Contents] : Text) {
    if (InPlace) {
      Ok &= writeFile(Path, Contents);
      continue;
    }
    llvm::StringRef Relative(Path);
    if (!Relative.consume_front(RootDir) || !Relative.starts_with("/")) {
      if (Out.MainFiles.count(Path) || !Out.Files[Path].Edits.empty()) {
        llvm::errs() << "stmify: error: " << Path << " is outside the source root " << RootDir
                     << " (set --root)\n";
        Ok = false;
      }
      continue;
    }
    llvm::SmallString<256> Target(OutDir.getValue());
    llvm::sys::path::append(Target, Relative.drop_front());
    Ok &= writeFile(std::string(Target), Contents);
  }
  return Ok ? 0 : 1;
}
