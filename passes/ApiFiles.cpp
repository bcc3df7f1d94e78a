#include "ApiFiles.h"

#include "Diagnostics.h"
#include "ManagedTypes.h"
#include "Names.h"

#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/LangStandard.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Frontend/FrontendAction.h"
#include "clang/Lex/PreprocessorOptions.h"
#include "llvm/Support/Path.h"

#include <string>

using namespace clang;

namespace stmify {

bool isStmifyApiHeader(llvm::StringRef Path) {
  std::string Normal = llvm::sys::path::convert_to_slash(Path, llvm::sys::path::Style::windows);
  llvm::StringRef P(Normal);
  return P.ends_with(names::ApiHeader) || P.contains(names::ApiDetailDirectory);
}

static bool isStmifyFile(const SourceManager &SM, SourceLocation Loc) {
  if (Loc.isInvalid())
    return false;
  SourceLocation Spelling = SM.getSpellingLoc(Loc);
  PresumedLoc P = SM.getPresumedLoc(Spelling);
  return P.isValid() && isStmifyApiHeader(P.getFilename());
}

static std::string normalName(llvm::StringRef Name) {
  llvm::SmallString<256> Path(Name);
  llvm::sys::path::remove_dots(Path, /*remove_dot_dot=*/true);
  return std::string(Path);
}

ApiFiles::Node ApiFiles::nodeNamed(llvm::StringRef PresumedName) {
  return &*PresumedNames.try_emplace(normalName(PresumedName)).first;
}

ApiFiles::Node ApiFiles::node(const SourceManager &SM, SourceLocation Loc) const {
  if (Loc.isInvalid())
    return nullptr;
  if (!Preprocessed)
    return SM.getFileEntryForID(SM.getFileID(Loc));
  PresumedLoc P = SM.getPresumedLoc(Loc);
  if (P.isInvalid())
    return nullptr;
  auto It = PresumedNames.find(normalName(P.getFilename()));
  return It == PresumedNames.end() ? nullptr : &*It;
}

bool ApiFiles::isApiFile(const FileEntry *File) const {
  return Preprocessed || Everywhere || (File && Api.contains(File));
}

bool ApiFiles::isApiLocation(const SourceManager &SM, SourceLocation FileLoc) const {
  if (Everywhere)
    return true;
  if (!Preprocessed)
    return isApiFile(SM.getFileEntryForID(SM.getFileID(FileLoc)));
  Node N = node(SM, FileLoc);
  return N && Api.contains(N);
}

bool ApiFiles::isInMacroDefinition(const SourceManager &SM, SourceLocation FileLoc) const {
  auto [File, Offset] = SM.getDecomposedLoc(FileLoc);
  auto Found = Definitions.find(File);
  if (Found == Definitions.end())
    return false;
  for (const auto &[Begin, End] : Found->second)
    if (Offset >= Begin && Offset <= End)
      return true;
  return false;
}

bool ApiFiles::isMainFileApi(const SourceManager &SM) const {
  if (Everywhere)
    return true;
  if (!Preprocessed)
    return isApiFile(SM.getFileEntryForID(SM.getMainFileID()));
  return MainPresumed && Api.contains(MainPresumed);
}

class ApiRecorder : public PPCallbacks {
public:
  ApiRecorder(ApiFiles &Files, Preprocessor &PP, bool ReportModes)
      : Files(Files), PP(PP), SM(PP.getSourceManager()), ReportModes(ReportModes) {}

  void InclusionDirective(SourceLocation HashLoc, const Token &, StringRef, bool, CharSourceRange,
                          OptionalFileEntryRef File, StringRef, StringRef, const Module *, bool,
                          SrcMgr::CharacteristicKind) override {
    if (!File || Files.Preprocessed)
      return;
    OptionalFileEntryRef Includer =
        SM.getFileEntryRefForID(SM.getFileID(SM.getExpansionLoc(HashLoc)));
    if (Includer && isStmifyApiHeader(Includer->getName()))
      return; // stmify's own headers including each other
    included(Includer ? &Includer->getFileEntry() : nullptr, &File->getFileEntry(),
             isStmifyApiHeader(File->getName()), HashLoc);
  }

  // In a preprocessed input, line markers enter and leave the files.
  void FileChanged(SourceLocation Loc, FileChangeReason Reason, SrcMgr::CharacteristicKind,
                   FileID) override {
    if (!Files.Preprocessed)
      return;
    PresumedLoc P = SM.getPresumedLoc(Loc);
    if (P.isInvalid())
      return;
    ApiFiles::Node Here = Files.nodeNamed(P.getFilename());
    if (Reason == EnterFile) {
      if (!Open.empty() && !isStmifyApiHeader(PresumedNameOf(Open.back())))
        included(Open.back(), Here, isStmifyApiHeader(P.getFilename()), Loc);
      Open.push_back(Here);
    } else if (Reason == ExitFile) {
      if (!Open.empty())
        Open.pop_back();
    } else if (Reason == RenameFile) {
      if (Open.empty())
        Open.push_back(Here);
      else
        Open.back() = Here;
      if (Open.size() == 1 && !Files.MainPresumed)
        Files.MainPresumed = Here; // the first line marker names the main file
    }
  }

  // Overridden so that the plugin does not refer to clang 19's own (which
  // other clang versions lack): it must load far enough to say which clang
  // it needs.
  void HasInclude(SourceLocation, StringRef, bool, OptionalFileEntryRef,
                  SrcMgr::CharacteristicKind) override {}

  void MacroDefined(const Token &, const MacroDirective *MD) override {
    const MacroInfo *Info = MD->getMacroInfo();
    SourceLocation Begin = Info->getDefinitionLoc(), End = Info->getDefinitionEndLoc();
    if (Begin.isInvalid() || End.isInvalid() || !Begin.isFileID() || !End.isFileID())
      return;
    auto [File, BeginOffset] = SM.getDecomposedLoc(Begin);
    auto [EndFile, EndOffset] = SM.getDecomposedLoc(End);
    if (File == EndFile)
      Files.Definitions[File].push_back({BeginOffset, EndOffset});
  }

  void MacroExpands(const Token &, const MacroDefinition &MD, SourceRange Range,
                    const MacroArgs *) override {
    const MacroInfo *Info = MD.getMacroInfo();
    if (!Info || !isStmifyFile(SM, Info->getDefinitionLoc()))
      return;
    Files.Users.insert(Files.node(SM, SM.getExpansionLoc(Range.getBegin())));
  }

private:
  static llvm::StringRef PresumedNameOf(ApiFiles::Node N) {
    return static_cast<const llvm::StringMapEntry<char> *>(N)->getKey();
  }

  void included(ApiFiles::Node Includer, ApiFiles::Node File, bool ApiHeader,
                SourceLocation Where) {
    if (ApiHeader) {
      if (!Files.ReachesApi)
        checkLanguageMode(Where);
      Files.ReachesApi = true;
      if (Includer)
        Files.Users.insert(Includer);
      return;
    }
    if (Includer)
      Files.IncludedBy[File].push_back(Includer);
  }

  // stm.hpp needs C++17 and exceptions (it throws); in another mode it would
  // fail with errors inside stmify's headers.
  void checkLanguageMode(SourceLocation HashLoc) {
    const LangOptions &LO = PP.getLangOpts();
    if (!ReportModes || !LO.CPlusPlus || (LO.CPlusPlus17 && LO.CXXExceptions))
      return;
    std::string Mode = "-fno-exceptions";
    if (!LO.CPlusPlus17)
      Mode = std::string("-std=") + LangStandard::getLangStandardForKind(LO.LangStd).getName();
    DiagnosticsEngine &Engine = PP.getDiagnostics();
    DiagnosticReporter(Engine).report(Diag::UnsupportedMode, HashLoc, {Mode});
    Files.UnsupportedMode = true;
    // Everything after this would be a consequence of the mode.
    Engine.setSuppressAllDiagnostics(true);
  }

  ApiFiles &Files;
  Preprocessor &PP;
  SourceManager &SM;
  bool ReportModes;
  std::vector<ApiFiles::Node> Open; // files a preprocessed input is in
};

std::unique_ptr<PPCallbacks> ApiFiles::recorder(Preprocessor &PP, bool ReportModes) {
  return std::make_unique<ApiRecorder>(*this, PP, ReportModes);
}

namespace {

// Finds the files whose text uses stmify's declarations or accesses managed
// objects (the spelling of the use and, for a macro, where it is expanded).
class ApiUsage : public RecursiveASTVisitor<ApiUsage> {
public:
  ApiUsage(const SourceManager &SM, llvm::function_ref<void(SourceLocation)> Mark)
      : SM(SM), Mark(Mark) {}

  bool shouldVisitTemplateInstantiations() const { return false; }
  bool shouldVisitImplicitCode() const { return false; }

  bool TraverseDecl(Decl *D) {
    if (D && !isa<TranslationUnitDecl>(D) && D->getLocation().isValid()) {
      SourceLocation Loc = SM.getExpansionLoc(D->getLocation());
      if (SM.isInSystemHeader(Loc) || isStmifyFile(SM, Loc))
        return true;
    }
    return RecursiveASTVisitor::TraverseDecl(D);
  }

  bool VisitDeclRefExpr(DeclRefExpr *E) {
    use(E->getDecl(), E->getLocation());
    return true;
  }
  bool VisitMemberExpr(MemberExpr *E) {
    use(E->getMemberDecl(), E->getMemberLoc());
    const Expr *Base = E->getBase();
    Managed M =
        E->isArrow() ? classifyPointee(Base->getType()) : classifyObjectType(Base->getType());
    if (M == Managed::Yes)
      mark(E->getMemberLoc());
    return true;
  }
  bool VisitOverloadExpr(OverloadExpr *E) {
    for (const NamedDecl *D : E->decls())
      use(D, E->getNameLoc());
    return true;
  }
  bool VisitUsingDecl(UsingDecl *D) {
    for (const UsingShadowDecl *S : D->shadows())
      use(S->getTargetDecl(), D->getLocation());
    return true;
  }
  bool VisitNamespaceAliasDecl(NamespaceAliasDecl *D) {
    use(D->getNamespace(), D->getLocation());
    return true;
  }
  bool VisitUsingDirectiveDecl(UsingDirectiveDecl *D) {
    use(D->getNominatedNamespace(), D->getLocation());
    return true;
  }
  bool VisitTypeLoc(TypeLoc TL) {
    const NamedDecl *D = nullptr;
    if (auto T = TL.getAs<TypedefTypeLoc>())
      D = T.getTypedefNameDecl();
    else if (auto T = TL.getAs<TagTypeLoc>())
      D = T.getDecl();
    else if (auto T = TL.getAs<TemplateSpecializationTypeLoc>())
      D = T.getTypePtr()->getTemplateName().getAsTemplateDecl();
    use(D, TL.getBeginLoc());
    return true;
  }

private:
  void use(const Decl *D, SourceLocation Where) {
    if (D && isStmifyFile(SM, D->getLocation()))
      mark(Where);
  }
  void mark(SourceLocation Where) {
    if (Where.isInvalid())
      return;
    Mark(SM.getExpansionLoc(Where));
    if (Where.isMacroID())
      Mark(SM.getSpellingLoc(Where));
  }

  const SourceManager &SM;
  llvm::function_ref<void(SourceLocation)> Mark;
};

} // namespace

void ApiFiles::classify(ASTContext &AST) {
  if (!ReachesApi || Everywhere)
    return; // no file can use what was never declared
  const SourceManager &SM = AST.getSourceManager();
  auto Mark = [&](SourceLocation Loc) {
    if (Node N = node(SM, Loc))
      Users.insert(N);
  };
  ApiUsage Usage(SM, Mark);
  Usage.TraverseAST(AST);
  Users.erase(nullptr);
  llvm::SmallVector<Node, 16> Work(Users.begin(), Users.end());
  Api.insert(Users.begin(), Users.end());
  while (!Work.empty()) {
    Node File = Work.pop_back_val();
    auto Includers = IncludedBy.find(File);
    if (Includers == IncludedBy.end())
      continue;
    for (Node Includer : Includers->second)
      if (Api.insert(Includer).second)
        Work.push_back(Includer);
  }
}

} // namespace stmify

namespace stmify {
namespace {

class ApiScan : public PreprocessorFrontendAction {
public:
  ApiScan(ApiFiles &Api, llvm::function_ref<void(SourceManager &)> OnFiles, bool StopAtApi)
      : Api(Api), OnFiles(OnFiles), StopAtApi(StopAtApi) {}

private:
  void ExecuteAction() override {
    CompilerInstance &CI = getCompilerInstance();
    Preprocessor &PP = CI.getPreprocessor();
    PP.addPPCallbacks(Api.recorder(PP, /*ReportModes=*/false));
    PP.SetMacroExpansionOnlyInDirectives();
    PP.EnterMainSourceFile();
    Token Tok;
    do
      PP.Lex(Tok);
    while (Tok.isNot(tok::eof) && !(StopAtApi && Api.reachesApi()));
    if (OnFiles && !(StopAtApi && Api.reachesApi()) && !CI.getDiagnostics().hasErrorOccurred())
      OnFiles(CI.getSourceManager());
  }
  ApiFiles &Api;
  llvm::function_ref<void(SourceManager &)> OnFiles;
  bool StopAtApi;
};

// Runs the scan on a copy of CI's invocation; false if preprocessing failed.
bool runScan(CompilerInstance &CI, ApiFiles &Api, llvm::function_ref<void(SourceManager &)> OnFiles,
             bool StopAtApi) {
  auto Scan = std::make_shared<CompilerInvocation>(CI.getInvocation());
  Scan->getDiagnosticOpts().VerifyDiagnostics = false;
  Scan->getDiagnosticOpts().DiagnosticSerializationFile.clear();
  Scan->getDependencyOutputOpts() = DependencyOutputOptions();
  Scan->getFrontendOpts().Plugins.clear();
  Scan->getFrontendOpts().AddPluginActions.clear();
  CompilerInstance N(CI.getPCHContainerOperations());
  N.setInvocation(std::move(Scan));
  if (CI.hasFileManager())
    N.setFileManager(&CI.getFileManager());
  IgnoringDiagConsumer Quiet;
  N.createDiagnostics(&Quiet, /*ShouldOwnClient=*/false);
  ApiScan Action(Api, OnFiles, StopAtApi);
  return N.ExecuteAction(Action) && !N.getDiagnostics().hasErrorOccurred();
}

} // namespace

bool isPreprocessedInput(const CompilerInstance &CI) {
  const FrontendOptions &FO = CI.getFrontendOpts();
  return !FO.Inputs.empty() && FO.Inputs[0].getKind().isPreprocessed();
}

bool scanReachesApi(CompilerInstance &CI, llvm::function_ref<void(SourceManager &)> OnFiles) {
  ApiFiles Api(isPreprocessedInput(CI));
  return !runScan(CI, Api, OnFiles, /*StopAtApi=*/true) || Api.reachesApi();
}

void scanFiles(CompilerInstance &CI, llvm::function_ref<void(SourceManager &)> OnFiles) {
  ApiFiles Api(isPreprocessedInput(CI));
  runScan(CI, Api, OnFiles, /*StopAtApi=*/false);
}

bool alreadyInstrumented(const PreprocessorOptions &Options) {
  bool Defined = false;
  for (const auto &[Macro, IsUndef] : Options.Macros)
    if (llvm::StringRef(Macro).split('=').first == names::InstrumentedMacro)
      Defined = !IsUndef;
  return Defined;
}

} // namespace stmify
