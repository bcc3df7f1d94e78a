// The stmify tool: instruments the sources of a project (read from its
// compile_commands.json) and writes the instrumented tree to a directory,
// or checks them without writing anything.
//
//   stmify -p build/ src/a.cpp src/b.cpp --out-dir instrumented/
//   stmify -p build/ --check $(jq -r '.[].file' build/compile_commands.json)
//
// Exit status: 0 clean, 1 stmify diagnostics (findings), 2 the tool could not
// do its work (a file that does not parse or cannot be read, no compile
// database, an output it cannot or must not write).
#include "Names.h"
#include "Transformer.h"

#include "clang/AST/ASTConsumer.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendAction.h"
#include "clang/Frontend/FrontendActions.h"
#include "clang/Frontend/TextDiagnosticPrinter.h"
#include "clang/Lex/PreprocessorOptions.h"
#include "clang/Tooling/ArgumentsAdjusters.h"
#include "clang/Tooling/CompilationDatabase.h"
#include "clang/Tooling/JSONCompilationDatabase.h"
#include "clang/Tooling/Tooling.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/VirtualFileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <set>

using namespace clang;
using namespace clang::tooling;
namespace cl = llvm::cl;

static cl::OptionCategory Category("stmify options");
static cl::opt<std::string> BuildPath("p",
                                      cl::desc("The build directory that holds "
                                               "compile_commands.json (or that file)"),
                                      cl::value_desc("build-dir"), cl::cat(Category));
static cl::list<std::string> Sources(cl::Positional, cl::desc("<source files>"), cl::OneOrMore,
                                     cl::cat(Category));
static cl::list<std::string> ExtraArgs("extra-arg",
                                       cl::desc("An argument to append to each compile command"),
                                       cl::value_desc("arg"), cl::cat(Category));
static cl::list<std::string>
    ExtraArgsBefore("extra-arg-before", cl::desc("An argument to prepend to each compile command"),
                    cl::value_desc("arg"), cl::cat(Category));
static cl::opt<std::string> OutDir("out-dir",
                                   cl::desc("Write the instrumented files under this directory"),
                                   cl::value_desc("dir"), cl::cat(Category));
static cl::opt<std::string> Root("root",
                                 cl::desc("Source root: files are written at their path relative "
                                          "to it, and site strings name them relative to it "
                                          "(default: the current directory)"),
                                 cl::value_desc("dir"), cl::cat(Category));
static cl::opt<bool> Check("check",
                           cl::desc("Analyse, compile the instrumented text (syntax only) and "
                                    "report; write nothing"),
                           cl::cat(Category));
static cl::opt<bool> Stdout("stdout", cl::desc("Print the instrumented main files to stdout"),
                            cl::cat(Category));
static cl::opt<bool> InPlace("in-place",
                             cl::desc("Overwrite the sources with the instrumented text"),
                             cl::cat(Category));
static cl::opt<bool> Stats("print-counts", cl::desc("Print what each file got"), cl::cat(Category));
static cl::opt<bool> RemarkInevitable(
    "remark-inevitable",
    cl::desc("A remark at each place that can make an atomic block inevitable, naming the cause"),
    cl::cat(Category));
static cl::opt<bool> ReadSites(
    "read-sites",
    cl::desc("Read barriers carry their source location, so that conflict reports name the read "
             "of a write-read conflict (reads cost more: list walks run about half as many "
             "instructions again)"),
    cl::cat(Category));
static cl::opt<bool> InstrumentAll(
    "instrument-all",
    cl::desc("Instrument every project file as if it used stmify's API, to try stmify on code "
             "that does not use it: <stmify/stm.hpp> is included first in every C++17 "
             "translation unit with exceptions (give its directory with -I); the others pass "
             "through"),
    cl::cat(Category));

namespace {

enum ExitStatus { Clean = 0, Findings = 1, ToolFailure = 2 };

std::string absolute(llvm::StringRef Name) {
  llvm::SmallString<256> Path(Name);
  llvm::sys::fs::make_absolute(Path);
  llvm::sys::path::remove_dots(Path, true);
  return std::string(Path);
}

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
  unsigned TranslationUnits = 0; // that were parsed
  unsigned Findings = 0;         // translation units with stmify diagnostics
  unsigned Failures = 0;         // that did not parse
};

// Prints each diagnostic once per run: a header's diagnostic is reached by
// every translation unit that includes it.
class OncePerRun : public DiagnosticConsumer {
public:
  OncePerRun(DiagnosticOptions *Options) : Printer(llvm::errs(), Options) {}

  void BeginSourceFile(const LangOptions &LO, const Preprocessor *PP) override {
    clear(); // "N errors generated." counts this translation unit's only
    Printer.BeginSourceFile(LO, PP);
  }
  void EndSourceFile() override { Printer.EndSourceFile(); }
  void finish() override { Printer.finish(); }

  void HandleDiagnostic(DiagnosticsEngine::Level Level, const Diagnostic &Info) override {
    if (Level == DiagnosticsEngine::Note) {
      if (!SkippingNotes)
        forward(Level, Info);
      return;
    }
    llvm::SmallString<256> Message;
    Info.FormatDiagnostic(Message);
    std::string Key = std::to_string(Level) + "|" + Message.str().str();
    if (Info.getLocation().isValid() && Info.hasSourceManager()) {
      PresumedLoc P = Info.getSourceManager().getPresumedLoc(Info.getLocation());
      if (P.isValid())
        Key += "|" + absolute(P.getFilename()) + ":" + std::to_string(P.getLine()) + ":" +
               std::to_string(P.getColumn());
    }
    SkippingNotes = !Seen.insert(Key).second;
    if (!SkippingNotes)
      forward(Level, Info);
  }

private:
  void forward(DiagnosticsEngine::Level Level, const Diagnostic &Info) {
    DiagnosticConsumer::HandleDiagnostic(Level, Info);
    Printer.HandleDiagnostic(Level, Info);
  }
  TextDiagnosticPrinter Printer;
  std::set<std::string> Seen;
  bool SkippingNotes = false;
};

// The compile of the instrumented text reports its errors (warnings that
// -Werror makes errors included), not the project's own warnings.
class ErrorsOnly : public DiagnosticConsumer {
public:
  explicit ErrorsOnly(DiagnosticConsumer &Next) : Next(Next) {}
  void HandleDiagnostic(DiagnosticsEngine::Level Level, const Diagnostic &Info) override {
    if (Level != DiagnosticsEngine::Note)
      Shown = Level >= DiagnosticsEngine::Error;
    if (Shown) {
      DiagnosticConsumer::HandleDiagnostic(Level, Info);
      Next.HandleDiagnostic(Level, Info);
    }
  }

private:
  DiagnosticConsumer &Next;
  bool Shown = false;
};

class InstrumentAction : public ASTFrontendAction {
public:
  InstrumentAction(Outputs &Out, std::string RootDir, DiagnosticConsumer &Printer)
      : Out(Out), RootDir(std::move(RootDir)), Printer(Printer) {}

  bool BeginInvocation(CompilerInstance &CI) override {
    const LangOptions &LO = CI.getLangOpts();
    PassesThrough = stmify::alreadyInstrumented(CI.getPreprocessorOpts());
    if (!PassesThrough) // the code is parsed as the instrumented build will see it
      CI.getPreprocessorOpts().addMacroDef(stmify::names::InstrumentedMacro.str() + "=1");
    UsesApiEverywhere = !PassesThrough && InstrumentAll && LO.CPlusPlus17 && LO.CXXExceptions;
    if (UsesApiEverywhere)
      CI.getPreprocessorOpts().Includes.insert(CI.getPreprocessorOpts().Includes.begin(),
                                               stmify::names::ApiHeader.str());
    return true;
  }

  bool BeginSourceFileAction(CompilerInstance &CI) override {
    // Warnings belong to the compile of the output (as in the plugin, whose
    // analysing parse reports none either).
    CI.getDiagnostics().setIgnoreAllWarnings(true);
    return true;
  }

  std::unique_ptr<ASTConsumer> CreateASTConsumer(CompilerInstance &CI, llvm::StringRef) override {
    Api = std::make_unique<stmify::ApiFiles>(stmify::isPreprocessedInput(CI));
    if (UsesApiEverywhere)
      Api->assumeEverywhere();
    CI.getPreprocessor().addPPCallbacks(Api->recorder(CI.getPreprocessor(), /*ReportModes=*/true));
    return std::make_unique<Consumer>(*this, CI);
  }

  // A translation unit that never reaches the API (or is C), or that is
  // instrumented already, is not parsed: it passes through, and the files it
  // reads are copied.
  void ExecuteAction() override {
    CompilerInstance &CI = getCompilerInstance();
    bool Copied = false;
    auto Copy = [&](SourceManager &SM) {
      stmify::ApiFiles None;
      recordUnchanged(SM, CI.getLangOpts(), None, {});
      Copied = true;
    };
    if (PassesThrough) {
      stmify::scanFiles(CI, Copy);
      if (Copied) {
        ++Out.TranslationUnits;
        return;
      }
      // Preprocessing failed: the parse reports why, and nothing is edited.
    }
    bool ReachesApi = UsesApiEverywhere || stmify::scanReachesApi(CI, Copy);
    if (Copied && (!ReachesApi || !CI.getLangOpts().CPlusPlus)) {
      ++Out.TranslationUnits;
      return;
    }
    ASTFrontendAction::ExecuteAction();
  }

private:
  // Unchanged project files are written too, so the output tree compiles alone.
  void recordUnchanged(SourceManager &SM, const LangOptions &LO, const stmify::ApiFiles &Api,
                       const std::set<std::string> &Changed) {
    stmify::EditPlan Probe(SM, LO, Api);
    for (auto It = SM.fileinfo_begin(); It != SM.fileinfo_end(); ++It) {
      FileEntryRef Entry = It->first;
      std::string Path = absolute(Entry.getName());
      if (Changed.count(Path))
        continue;
      FileID ID = SM.translateFile(Entry);
      if (ID.isInvalid() || !Probe.isProjectFile(ID))
        continue;
      record(Path, SM.getBufferData(ID).str(), ID == SM.getMainFileID(), nullptr);
    }
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

  class Consumer : public ASTConsumer {
  public:
    Consumer(InstrumentAction &Action, CompilerInstance &CI) : Action(Action), CI(CI) {}
    void HandleTranslationUnit(ASTContext &AST) override {
      Outputs &Out = Action.Out;
      ++Out.TranslationUnits;
      if (AST.getDiagnostics().hasErrorOccurred()) {
        if (Action.Api->unsupportedMode())
          ++Out.Findings;
        else
          ++Out.Failures;
        return;
      }
      if (Action.PassesThrough)
        return;
      stmify::TransformOptions Options;
      const LangOptions &LO = AST.getLangOpts();
      std::string RootDir = Action.RootDir;
      Options.SitePath = [RootDir, &LO](llvm::StringRef File) {
        return stmify::sitePath(File, RootDir, LO);
      };
      Options.RemarkInevitable = RemarkInevitable;
      Options.ReadSites = ReadSites;
      stmify::TransformResult R = stmify::transformTranslationUnit(AST, *Action.Api, Options);
      SourceManager &SM = AST.getSourceManager();
      std::string MainName(SM.getFileEntryRefForID(SM.getMainFileID())->getName());
      if (R.AlreadyInstrumented)
        llvm::errs() << "stmify: " << MainName
                     << " is stmify's output already (it starts with the marker "
                     << stmify::names::InstrumentedMarker.rtrim() << "); it is left unchanged\n";
      if (R.Errors == 0 && Check && !R.Files.empty() && !compiles(R))
        R.Errors = 1;
      if (R.Errors > 0)
        ++Out.Findings;
      std::set<std::string> Changed;
      for (stmify::RewrittenFile &F : R.Files) {
        std::string Path = absolute(F.File.getName());
        Changed.insert(Path);
        Action.record(Path, std::move(F.Original), F.MainFile, &F.Edits);
      }
      Action.recordUnchanged(SM, AST.getLangOpts(), *Action.Api, Changed);
      if (Stats) {
        const stmify::InstrumentationCounts &C = R.Counts;
        llvm::errs() << "stmify: " << MainName << ": " << stmify::describeCounts(C) << "\n";
      }
    }

  private:
    // The plugin's pipeline up to a syntax-only compile of the instrumented
    // text, so that a clean check means the plugin build works.
    bool compiles(const stmify::TransformResult &R) {
      auto Invocation = std::make_shared<CompilerInvocation>(CI.getInvocation());
      Invocation->getFrontendOpts().ProgramAction = frontend::ParseSyntaxOnly;
      Invocation->getDiagnosticOpts().VerifyDiagnostics = false;
      Invocation->getDependencyOutputOpts() = DependencyOutputOptions();
      for (const stmify::RewrittenFile &F : R.Files)
        Invocation->getPreprocessorOpts().addRemappedFile(
            F.File.getName(),
            llvm::MemoryBuffer::getMemBufferCopy(F.Text, F.File.getName()).release());
      CompilerInstance Nested(CI.getPCHContainerOperations());
      Nested.setInvocation(std::move(Invocation));
      ErrorsOnly Filter(Action.Printer);
      Nested.createDiagnostics(&Filter, /*ShouldOwnClient=*/false);
      SyntaxOnlyAction Syntax;
      bool Ok = Nested.ExecuteAction(Syntax) && !Nested.getDiagnostics().hasErrorOccurred();
      if (!Ok)
        stmify::DiagnosticReporter(CI.getDiagnostics())
            .report(stmify::Diag::NestedCompileFailed, SourceLocation());
      return Ok;
    }

    InstrumentAction &Action;
    CompilerInstance &CI;
  };

  Outputs &Out;
  std::string RootDir;
  DiagnosticConsumer &Printer;
  std::unique_ptr<stmify::ApiFiles> Api;
  bool UsesApiEverywhere = false;
  bool PassesThrough = false; // instrumented already (stmify::alreadyInstrumented)
};

class ActionFactory : public FrontendActionFactory {
public:
  ActionFactory(Outputs &Out, std::string RootDir, DiagnosticConsumer &Printer, unsigned Total)
      : Out(Out), RootDir(std::move(RootDir)), Printer(Printer), Total(Total) {}
  std::unique_ptr<FrontendAction> create() override {
    return std::make_unique<InstrumentAction>(Out, RootDir, Printer);
  }
  // One line per compile command (a file can have several).
  bool runInvocation(std::shared_ptr<CompilerInvocation> Invocation, FileManager *Files,
                     std::shared_ptr<PCHContainerOperations> PCH,
                     DiagnosticConsumer *Diagnostics) override {
    ++Done;
    if (Total > 1 && !Invocation->getFrontendOpts().Inputs.empty())
      llvm::errs() << "[" << Done << "/" << Total << "] "
                   << Invocation->getFrontendOpts().Inputs[0].getFile() << "\n";
    return FrontendActionFactory::runInvocation(std::move(Invocation), Files, std::move(PCH),
                                                Diagnostics);
  }

private:
  Outputs &Out;
  std::string RootDir;
  DiagnosticConsumer &Printer;
  unsigned Total, Done = 0;
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

// The compile database: the flags after `--`, the one -p names (exactly that
// directory or file), or one found next to the first source or above it.
std::unique_ptr<CompilationDatabase> loadDatabase(std::unique_ptr<CompilationDatabase> Fixed,
                                                  std::string &Error) {
  std::unique_ptr<CompilationDatabase> Database = std::move(Fixed);
  if (!Database && !BuildPath.empty()) {
    if (llvm::sys::fs::is_directory(BuildPath))
      Database = CompilationDatabase::loadFromDirectory(BuildPath, Error);
    else if (llvm::sys::fs::exists(BuildPath))
      Database = JSONCompilationDatabase::loadFromFile(BuildPath, Error,
                                                       JSONCommandLineSyntax::AutoDetect);
    else
      Error = "no such file or directory";
    if (!Database)
      Error = "cannot load a compile database from -p " + BuildPath + ": " + Error;
  } else if (!Database) {
    Database = CompilationDatabase::autoDetectFromSource(absolute(Sources.front()), Error);
    if (!Database)
      Error = "no compile database found for " + Sources.front() +
              " (none in its directory or above it); give -p with the build directory, or the "
              "compiler flags after --";
  }
  if (Database)
    Database = inferTargetAndDriverMode(inferMissingCompileCommands(
        expandResponseFiles(std::move(Database), llvm::vfs::getRealFileSystem())));
  return Database;
}

// Writes through a temporary file renamed over the target, so a failed write
// (a full disk) never leaves half a file, least of all half a source.
bool writeFile(const std::string &Path, const std::string &Text) {
  if (std::error_code EC = llvm::sys::fs::create_directories(llvm::sys::path::parent_path(Path))) {
    llvm::errs() << "stmify: error: cannot create the directory "
                 << llvm::sys::path::parent_path(Path) << ": " << EC.message() << "\n";
    return false;
  }
  llvm::Error Written = llvm::writeToOutput(Path, [&](llvm::raw_ostream &OS) {
    OS << Text;
    return llvm::Error::success();
  });
  if (Written) {
    llvm::errs() << "stmify: error: cannot write " << Path << ": "
                 << llvm::toString(std::move(Written)) << "\n";
    return false;
  }
  return true;
}

// Whether Inner is Outer or lies below it.
bool within(llvm::StringRef Inner, llvm::StringRef Outer) {
  return Inner == Outer ||
         (Inner.starts_with(Outer) && (Outer.ends_with("/") || Inner[Outer.size()] == '/'));
}

std::string realOrAbsolute(llvm::StringRef Path) {
  llvm::SmallString<256> Real;
  if (!llvm::sys::fs::real_path(Path, Real))
    return std::string(Real);
  return absolute(Path);
}

} // namespace

int main(int argc, const char **argv) {
  std::string Error;
  std::unique_ptr<CompilationDatabase> Fixed =
      FixedCompilationDatabase::loadFromCommandLine(argc, argv, Error);
  if (!Error.empty()) {
    llvm::errs() << "stmify: error: " << Error << "\n";
    return ToolFailure;
  }
  cl::HideUnrelatedOptions(Category);
  if (!cl::ParseCommandLineOptions(argc, argv,
                                   "stmify: instrument C++ for the stmify runtime\n\n"
                                   "Exit status: 0 clean, 1 stmify diagnostics, 2 the tool "
                                   "failed (parse errors, unreadable files, no compile "
                                   "database, output errors)\n",
                                   &llvm::errs()))
    return ToolFailure;
  int Modes = !OutDir.empty() + Check + Stdout + InPlace;
  if (Modes != 1) {
    llvm::errs() << "stmify: error: give exactly one of --out-dir=DIR, --check, "
                    "--stdout, --in-place\n";
    return ToolFailure;
  }
  std::string RootDir = absolute(Root.empty() ? "." : Root.getValue());
  if (!OutDir.empty() && within(realOrAbsolute(RootDir), realOrAbsolute(OutDir))) {
    llvm::errs() << "stmify: error: --out-dir " << OutDir
                 << " is the source root or contains it, so the output would overwrite the "
                    "sources; choose another directory (or --in-place to instrument the sources "
                    "themselves)\n";
    return ToolFailure;
  }
  std::unique_ptr<CompilationDatabase> Database = loadDatabase(std::move(Fixed), Error);
  if (!Database) {
    llvm::errs() << "stmify: error: " << Error << "\n";
    return ToolFailure;
  }
  ArgumentsAdjuster Adjust = combineAdjusters(
      stripGccOnlyFlags,
      combineAdjusters(getInsertArgumentAdjuster(ExtraArgsBefore, ArgumentInsertPosition::BEGIN),
                       getInsertArgumentAdjuster("-resource-dir=" STMIFY_CLANG_RESOURCE_DIR,
                                                 ArgumentInsertPosition::END)));
  Adjust =
      combineAdjusters(Adjust, getInsertArgumentAdjuster(ExtraArgs, ArgumentInsertPosition::END));

  unsigned Total = 0;
  for (const std::string &Source : Sources)
    Total += std::max<size_t>(1, Database->getCompileCommands(absolute(Source)).size());
  IntrusiveRefCntPtr<DiagnosticOptions> DiagOptions = new DiagnosticOptions();
  DiagOptions->ShowColors = llvm::sys::Process::StandardErrHasColors();
  DiagOptions->ShowOptionNames = true;
  OncePerRun Printer(DiagOptions.get());
  Outputs Out;
  ActionFactory Factory(Out, RootDir, Printer, Total);
  unsigned Unprocessed = 0;
  // One source at a time: the tool counts the compile commands itself.
  for (const std::string &Source : Sources) {
    unsigned Before = Out.TranslationUnits;
    ClangTool Tool(*Database, {Source});
    Tool.appendArgumentsAdjuster(Adjust);
    Tool.setDiagnosticConsumer(&Printer);
    Tool.setPrintErrorMessage(false);
    int Status = Tool.run(&Factory);
    if (Status != 0 && Out.TranslationUnits == Before) {
      llvm::errs() << "stmify: error: " << Source << " could not be processed\n";
      ++Unprocessed;
    }
  }
  for (const std::string &Path : Out.Conflicts)
    llvm::errs() << "stmify: error: " << Path
                 << " needs conflicting instrumentation in different translation units (it "
                    "depends on macros they define differently) [stmify:header-included-twice]\n";
  unsigned Failures = Out.Failures + Unprocessed;
  unsigned FindingUnits = Out.Findings + (Out.Conflicts.empty() ? 0 : 1);
  if (Total > 1)
    llvm::errs() << "stmify: " << Out.TranslationUnits << " of " << Total
                 << " compile commands analysed; " << Out.Findings << " with stmify diagnostics, "
                 << Failures << " failed\n";
  if (Failures > 0)
    return ToolFailure;
  if (FindingUnits > 0)
    return Findings;
  if (Check)
    return Clean;

  std::map<std::string, std::string> Text;
  for (const auto &[Path, File] : Out.Files)
    Text[Path] = File.Edits.render(File.Original);
  if (Stdout) {
    for (const std::string &Path : Out.MainFiles)
      llvm::outs() << Text[Path];
    llvm::outs().flush();
    if (std::error_code EC = llvm::outs().error()) {
      llvm::errs() << "stmify: error: cannot write to standard output: " << EC.message() << "\n";
      llvm::outs().clear_error();
      return ToolFailure;
    }
    return Clean;
  }
  if (InPlace) {
    bool Ok = true;
    for (const auto &[Path, Contents] : Text)
      if (!Out.Files[Path].Edits.empty())
        Ok &= writeFile(Path, Contents);
    return Ok ? Clean : ToolFailure;
  }
  // Every target is decided before anything is written.
  std::set<std::string> Read;
  for (const auto &[Path, File] : Out.Files)
    Read.insert(realOrAbsolute(Path));
  std::vector<std::pair<std::string, const std::string *>> Targets;
  bool Ok = true;
  for (const auto &[Path, Contents] : Text) {
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
    if (Read.count(realOrAbsolute(Target))) {
      llvm::errs() << "stmify: error: writing " << Target << " would overwrite a file stmify "
                   << "reads; choose another --out-dir (or --in-place to instrument the sources "
                      "themselves)\n";
      Ok = false;
    }
    Targets.push_back({std::string(Target), &Contents});
  }
  if (!Ok)
    return ToolFailure;
  for (const auto &[Target, Contents] : Targets)
    Ok &= writeFile(Target, *Contents);
  return Ok ? Clean : ToolFailure;
}
