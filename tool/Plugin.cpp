// libstmify.so: `clang++-19 -fplugin=libstmify.so ...` parses the translation
// unit, instruments the main file and the project's headers in memory, and
// compiles the instrumented text in a nested compiler instance in the same
// run (with __STMIFY__ defined), producing what the command line asked for.
#include "Names.h"
#include "Transformer.h"

#include "clang/AST/ASTConsumer.h"
#include "clang/Basic/DiagnosticFrontend.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendAction.h"
#include "clang/Frontend/FrontendPluginRegistry.h"
#include "clang/FrontendTool/Utils.h"
#include "clang/Lex/Preprocessor.h"
#include "clang/Lex/PreprocessorOptions.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <link.h>
#include <optional>
#include <unistd.h>

using namespace clang;

namespace {

// A plugin built for one clang major version crashes inside another; check
// which LLVM the compiler loading us runs on before clang calls into us.
int findLoadedLLVM(dl_phdr_info *Info, size_t, void *Found) {
  const char *Name = Info->dlpi_name;
  if (!Name)
    return 0;
  const char *Base = std::strrchr(Name, '/');
  Base = Base ? Base + 1 : Name;
  int Major = 0;
  if (std::sscanf(Base, "libLLVM-%d", &Major) == 1 ||
      std::sscanf(Base, "libLLVM.so.%d", &Major) == 1 ||
      std::sscanf(Base, "libclang-cpp.so.%d", &Major) == 1) {
    if (Major != LLVM_VERSION_MAJOR) {
      *static_cast<int *>(Found) = Major;
      return 1;
    }
  }
  return 0;
}

__attribute__((constructor)) void refuseOtherClangVersions() {
  int Other = 0;
  dl_iterate_phdr(findLoadedLLVM, &Other);
  if (Other != 0) {
    std::fprintf(stderr,
                 "error: stmify: this plugin was built for clang %d but was "
                 "loaded into clang %d; "
                 "compile with clang++-%d\n",
                 LLVM_VERSION_MAJOR, Other, LLVM_VERSION_MAJOR);
    std::fflush(stderr);
    _exit(1);
  }
}

struct PluginOption {
  const char *Name;
  const char *Help;
};
constexpr PluginOption Options[] = {
    {"action", "obj|asm|bc|ll|pp|syntax: what to produce, when the output name "
               "does not tell"},
    {"save-rewritten", "DIR: also write the instrumented text of each changed file into DIR"},
    {"stats", "print how many barriers, hooks and safe points each file got"},
    {"remark-inevitable", "a remark at each place that can make an atomic block inevitable, "
                          "naming the cause"},
    {"read-sites", "read barriers carry their source location, so that conflict reports name "
                   "the read of a write-read conflict (reads cost more: list walks run about "
                   "half as many instructions again)"},
    {"sanitize", "build with the barrier sanitizer: a reference used against the barrier it "
                 "had (a write after stm::rd, a reference kept past its transaction, a "
                 "segment reference stored) stops the program naming the line"},
};

class InstrumentingConsumer : public ASTConsumer {
public:
  InstrumentingConsumer(std::optional<stmify::TransformResult> &Out, stmify::ApiFiles &Api,
                        stmify::TransformOptions Options)
      : Out(Out), Api(Api), Options(std::move(Options)) {}
  void HandleTranslationUnit(ASTContext &AST) override {
    if (AST.getDiagnostics().hasErrorOccurred())
      return; // the compiler's own errors are already reported
    Out = stmify::transformTranslationUnit(AST, Api, Options);
  }

private:
  std::optional<stmify::TransformResult> &Out;
  stmify::ApiFiles &Api;
  stmify::TransformOptions Options;
};

class StmifyAction : public PluginASTAction {
public:
  ActionType getActionType() override { return ReplaceAction; }
  bool hasIRSupport() const override { return true; }

  bool ParseArgs(const CompilerInstance &CI, const std::vector<std::string> &Args) override {
    DiagnosticsEngine &D = CI.getDiagnostics();
    for (const std::string &Arg : Args) {
      llvm::StringRef Name = llvm::StringRef(Arg).split('=').first;
      llvm::StringRef Value = llvm::StringRef(Arg).split('=').second;
      if (Name == "action") {
        ActionOverride = Value.str();
        if (!actionNamed(Value)) {
          D.Report(D.getCustomDiagID(DiagnosticsEngine::Error,
                                     "stmify: -fplugin-arg-stmify-action=%0: expected one of "
                                     "obj, asm, bc, ll, pp, syntax"))
              << Value;
          return false;
        }
      } else if (Name == "save-rewritten" && !Value.empty()) {
        SaveDir = Value.str();
      } else if (Name == "stats") {
        Stats = true;
      } else if (Name == "remark-inevitable") {
        RemarkInevitable = true;
      } else if (Name == "sanitize") {
        Sanitize = true;
      } else if (Name == "read-sites") {
        ReadSites = true;
      } else {
        std::string Valid;
        for (const PluginOption &O : Options)
          Valid += std::string("\n  -fplugin-arg-stmify-") + O.Name + ": " + O.Help;
        D.Report(D.getCustomDiagID(DiagnosticsEngine::Error,
                                   "stmify: unknown plugin option '%0'; the options are:%1"))
            << Arg << Valid;
        return false;
      }
    }
    return true;
  }

  std::unique_ptr<ASTConsumer> CreateASTConsumer(CompilerInstance &CI, llvm::StringRef) override {
    Api = std::make_unique<stmify::ApiFiles>(stmify::isPreprocessedInput(CI));
    CI.getPreprocessor().addPPCallbacks(Api->recorder(CI.getPreprocessor(), /*ReportModes=*/true));
    stmify::TransformOptions Options;
    // Site strings name files relative to the directory the compiler runs in
    // (or as -ffile-prefix-map says), so builds of two checkouts agree.
    std::string WorkingDir = CI.getFileSystemOpts().WorkingDir;
    if (WorkingDir.empty()) {
      llvm::SmallString<256> Current;
      if (!llvm::sys::fs::current_path(Current))
        WorkingDir = std::string(Current);
    }
    const LangOptions &LO = CI.getLangOpts();
    Options.SitePath = [WorkingDir, &LO](llvm::StringRef File) {
      return stmify::sitePath(File, WorkingDir, LO);
    };
    Options.RemarkInevitable = RemarkInevitable;
    Options.ReadSites = ReadSites;
    return std::make_unique<InstrumentingConsumer>(Result, *Api, std::move(Options));
  }

  bool BeginInvocation(CompilerInstance &CI) override {
    Real = deduceAction(CI);
    DiagnosticsEngine &D = CI.getDiagnostics();
    const FrontendOptions &FO = CI.getFrontendOpts();
    bool IRInput = !FO.Inputs.empty() && FO.Inputs[0].getKind().getLanguage() == Language::LLVM_IR;
    // C passes through until C is a source language of stmify.
    const bool Instrumented = stmify::alreadyInstrumented(CI.getPreprocessorOpts());
    Rewrite = !IRInput && !Instrumented && CI.getLangOpts().CPlusPlus &&
              Real != frontend::PrintPreprocessedInput && Real != frontend::RunPreprocessorOnly;
    if (Rewrite &&
        (Real == frontend::GeneratePCH || !CI.getPreprocessorOpts().ImplicitPCHInclude.empty())) {
      stmify::DiagnosticReporter(D).report(stmify::Diag::PrecompiledHeader, SourceLocation());
      return false;
    }
    Nested = std::make_shared<CompilerInvocation>(CI.getInvocation());
    if (Rewrite) {
      // The transformer parses the code as the instrumented build will see it.
      CI.getPreprocessorOpts().addMacroDef(stmify::names::InstrumentedMacro.str() + "=1");
    }
    FrontendOptions &NFO = Nested->getFrontendOpts();
    NFO.ProgramAction = Real;
    NFO.ActionName.clear();
    NFO.Plugins.clear();
    NFO.AddPluginActions.clear();
    NFO.PluginArgs.clear();
    // Also when only preprocessing: -save-temps instruments the .ii later,
    // which must hold the instrumented build's headers.
    if (!IRInput && !Instrumented)
      Nested->getPreprocessorOpts().addMacroDef(stmify::names::InstrumentedMacro.str() + "=1");
    if (Sanitize)
      Nested->getPreprocessorOpts().addMacroDef(stmify::names::SanitizeMacro.str() + "=1");
    // The nested compile writes the dependency file and reports warnings.
    CI.getDependencyOutputOpts().OutputFile.clear();
    CI.getDependencyOutputOpts().Targets.clear();
    CI.getDiagnostics().setIgnoreAllWarnings(true);
    // Most files of a project never include the API: they are compiled as
    // they are, without being parsed twice.
    if (Rewrite && !stmify::scanReachesApi(CI))
      Rewrite = false;
    return true;
  }

  void ExecuteAction() override {
    if (Rewrite)
      ASTFrontendAction::ExecuteAction();
  }

  void EndSourceFileAction() override {
    CompilerInstance &CI = getCompilerInstance();
    DiagnosticsEngine &D = CI.getDiagnostics();
    if (D.hasErrorOccurred() || !Nested)
      return;
    if (Rewrite) {
      if (!Result) // the consumer never ran: nothing to compile
        return;
      if (Result->Errors > 0)
        return;
      for (stmify::RewrittenFile &F : Result->Files) {
        if (!SaveDir.empty())
          save(F);
        Nested->getPreprocessorOpts().addRemappedFile(
            F.File.getName(),
            llvm::MemoryBuffer::getMemBufferCopy(F.Text, F.File.getName()).release());
      }
      if (Stats)
        printStats(CI);
    }
    CompilerInstance N(CI.getPCHContainerOperations());
    N.setInvocation(Nested);
    N.createDiagnostics();
    std::unique_ptr<FrontendAction> Act = CreateFrontendAction(N);
    bool Ok = Act && N.ExecuteAction(*Act);
    if (!Ok || N.getDiagnostics().hasErrorOccurred()) {
      // The outer run reports an error too, so the compiler exits with 1.
      if (Rewrite)
        stmify::DiagnosticReporter(D).report(stmify::Diag::NestedCompileFailed, SourceLocation());
      else
        D.Report(D.getCustomDiagID(DiagnosticsEngine::Error, "stmify: compilation failed"));
    }
  }

private:
  static std::optional<frontend::ActionKind> actionNamed(llvm::StringRef Name) {
    return llvm::StringSwitch<std::optional<frontend::ActionKind>>(Name)
        .Case("obj", frontend::EmitObj)
        .Case("asm", frontend::EmitAssembly)
        .Case("bc", frontend::EmitBC)
        .Case("ll", frontend::EmitLLVM)
        .Case("pp", frontend::PrintPreprocessedInput)
        .Case("syntax", frontend::ParseSyntaxOnly)
        .Default(std::nullopt);
  }

  // Loading a replacing plugin overwrites the action the driver asked for;
  // recover it from the output.
  frontend::ActionKind deduceAction(CompilerInstance &CI) const {
    if (!ActionOverride.empty())
      return *actionNamed(ActionOverride);
    const FrontendOptions &FO = CI.getFrontendOpts();
    if (CI.getPreprocessorOutputOpts().ShowCPP)
      return FO.OutputFile.empty() ? frontend::RunPreprocessorOnly
                                   : frontend::PrintPreprocessedInput;
    if (FO.OutputFile.empty())
      return frontend::ParseSyntaxOnly;
    llvm::StringRef Ext = llvm::sys::path::extension(FO.OutputFile);
    if (Ext == ".s" || Ext == ".S")
      return frontend::EmitAssembly;
    if (Ext == ".bc")
      return frontend::EmitBC;
    if (Ext == ".ll")
      return frontend::EmitLLVM;
    if (Ext == ".i" || Ext == ".ii")
      return frontend::PrintPreprocessedInput;
    if (Ext == ".pch" || Ext == ".gch")
      return frontend::GeneratePCH;
    if (CI.getCodeGenOpts().PrepareForLTO)
      return frontend::EmitBC;
    return frontend::EmitObj;
  }

  void save(const stmify::RewrittenFile &F) const {
    llvm::sys::fs::create_directories(SaveDir);
    llvm::SmallString<256> Path(SaveDir);
    llvm::sys::path::append(Path, llvm::sys::path::filename(F.File.getName()));
    std::error_code EC;
    llvm::raw_fd_ostream Out(Path, EC);
    if (!EC)
      Out << F.Text;
  }

  void printStats(CompilerInstance &CI) const {
    const stmify::InstrumentationCounts &C = Result->Counts;
    llvm::errs() << "stmify: " << CI.getFrontendOpts().Inputs[0].getFile() << ": "
                 << stmify::describeCounts(C) << "\n";
  }

  std::string ActionOverride, SaveDir;
  bool Stats = false;
  bool RemarkInevitable = false;
  bool Sanitize = false;
  bool ReadSites = false;
  bool Rewrite = true;
  frontend::ActionKind Real = frontend::EmitObj;
  std::shared_ptr<CompilerInvocation> Nested;
  std::unique_ptr<stmify::ApiFiles> Api;
  std::optional<stmify::TransformResult> Result;
};

} // namespace

static FrontendPluginRegistry::Add<StmifyAction>
    Registration("stmify", "instrument managed-object accesses and atomic blocks for stmify");
