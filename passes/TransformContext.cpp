#include "TransformContext.h"

#include "clang/Lex/Lexer.h"
#include "llvm/Support/Path.h"

using namespace clang;

namespace stmify {

TransformContext::TransformContext(ASTContext &AST, EditPlan &Edits, DiagnosticReporter &Diags,
                                   TransformOptions Options, const AnalysisFacts &Facts)
    : AST(AST), SM(AST.getSourceManager()), Edits(Edits), Diags(Diags), Options(std::move(Options)),
      Facts(Facts) {}

bool TransformContext::inOwnCode(SourceLocation Loc) const {
  if (Loc.isInvalid())
    return false;
  SourceLocation Expansion = SM.getExpansionLoc(Loc);
  return Edits.isRewritable(SM.getFileID(Expansion)) && Edits.isOwnLocation(Expansion);
}

std::string TransformContext::site(SourceLocation Loc) const {
  PresumedLoc P = SM.getPresumedLoc(SM.getExpansionLoc(Loc));
  if (P.isInvalid())
    return "<unknown>";
  llvm::SmallString<256> File(P.getFilename());
  llvm::sys::path::remove_dots(File, /*remove_dot_dot=*/true);
  std::string Name = Options.SitePath ? Options.SitePath(File) : std::string(File);
  std::string Site = Name + ":" + std::to_string(P.getLine()) + ":" + std::to_string(P.getColumn());
  // Lambdas (atomic block bodies among them) name no function of their own:
  // the report names the function they are written in.
  for (auto Scope = Scopes.rbegin(); Scope != Scopes.rend(); ++Scope)
    if (!Scope->Lambda && Scope->Function)
      return Site + " (in " + functionName(Scope->Function) + ")";
  return Site;
}

// The function as a user would look it up: its namespaces, classes and
// name, without template arguments (a partial specialization's would read
// `type-parameter-0-0`), lambdas left out, a conversion named by its whole
// type, a local class's function after the function around it
// (`f::Local::g`).
std::string TransformContext::functionName(const FunctionDecl *F) const {
  std::string Name;
  if (const auto *Conversion = dyn_cast<CXXConversionDecl>(F)) {
    PrintingPolicy Policy(AST.getLangOpts());
    Policy.SuppressScope = false;
    Name = "operator " + Conversion->getConversionType().getAsString(Policy);
  } else {
    Name = F->getNameAsString();
  }
  for (const DeclContext *DC = F->getDeclContext(); DC; DC = DC->getParent()) {
    if (const auto *NS = dyn_cast<NamespaceDecl>(DC)) {
      if (!NS->isInlineNamespace())
        Name = (NS->isAnonymousNamespace() ? std::string("(anonymous namespace)")
                                           : NS->getNameAsString()) +
               "::" + Name;
    } else if (const auto *Record = dyn_cast<CXXRecordDecl>(DC)) {
      if (Record->isLambda())
        continue;
      Name = (Record->getIdentifier()
                  ? Record->getNameAsString()
                  : std::string("(anonymous ") + Record->getKindName().str() + ")") +
             "::" + Name;
    } else if (const auto *Outer = dyn_cast<FunctionDecl>(DC)) {
      const auto *Method = dyn_cast<CXXMethodDecl>(Outer);
      if (Method && Method->getParent()->isLambda())
        continue;
      return functionName(Outer) + "::" + Name; // a local class's function
    }
  }
  return Name;
}

// A string literal on one line (no edit adds a line): whitespace runs, such
// as the line breaks of a callee written over several lines, become a space.
std::string TransformContext::quoted(const std::string &Text) const {
  std::string Out = "\"";
  bool Space = false;
  for (char C : Text) {
    if (isspace(static_cast<unsigned char>(C))) {
      Space = true;
      continue;
    }
    if (Space)
      Out += ' ';
    Space = false;
    if (C == '"' || C == '\\')
      Out += '\\';
    Out += C;
  }
  return Out + "\"";
}

const Stmt *TransformContext::parentStmt(unsigned Up) const {
  // The top of the stack is the statement being visited.
  if (StmtStack.size() < Up + 1)
    return nullptr;
  return StmtStack[StmtStack.size() - 1 - Up];
}

std::optional<unsigned> TransformContext::offsetAfter(SourceLocation TokenLoc) const {
  if (TokenLoc.isValid() && TokenLoc.isMacroID() && SM.isMacroArgExpansion(TokenLoc))
    TokenLoc = SM.getSpellingLoc(TokenLoc); // written in a macro argument
  if (TokenLoc.isInvalid() || TokenLoc.isMacroID())
    return std::nullopt;
  SourceLocation After = Lexer::getLocForEndOfToken(TokenLoc, 0, SM, AST.getLangOpts());
  if (After.isInvalid())
    return std::nullopt;
  return SM.getFileOffset(After);
}

std::optional<unsigned> TransformContext::statementEnd(const Stmt *S, FileID File) const {
  if (!S)
    return std::nullopt;
  if (const auto *C = dyn_cast<CompoundStmt>(S)) {
    SourceLocation Brace = C->getRBracLoc();
    if (Brace.isValid() && Brace.isMacroID() && SM.isMacroArgExpansion(Brace))
      Brace = SM.getSpellingLoc(Brace); // as offsetAfter reads it
    if (Brace.isInvalid() || Brace.isMacroID() || SM.getFileID(Brace) != File)
      return std::nullopt;
    return offsetAfter(Brace);
  }
  if (const auto *I = dyn_cast<IfStmt>(S))
    return statementEnd(I->getElse() ? I->getElse() : I->getThen(), File);
  if (const auto *F = dyn_cast<ForStmt>(S))
    return statementEnd(F->getBody(), File);
  if (const auto *W = dyn_cast<WhileStmt>(S))
    return statementEnd(W->getBody(), File);
  if (const auto *R = dyn_cast<CXXForRangeStmt>(S))
    return statementEnd(R->getBody(), File);
  if (const auto *Sw = dyn_cast<SwitchStmt>(S))
    return statementEnd(Sw->getBody(), File);
  if (const auto *L = dyn_cast<LabelStmt>(S))
    return statementEnd(L->getSubStmt(), File);
  if (const auto *Sc = dyn_cast<SwitchCase>(S))
    return statementEnd(Sc->getSubStmt(), File);
  if (const auto *A = dyn_cast<AttributedStmt>(S))
    return statementEnd(A->getSubStmt(), File);
  if (const auto *T = dyn_cast<CXXTryStmt>(S))
    return statementEnd(T->getHandler(T->getNumHandlers() - 1)->getHandlerBlock(), File);
  SourceLocation End = S->getEndLoc();
  if (End.isInvalid() || End.isMacroID() || SM.getFileID(End) != File)
    return std::nullopt;
  bool Invalid = false;
  const char *Char = SM.getCharacterData(End, &Invalid);
  if (!Invalid && *Char == ';')
    return SM.getFileOffset(End) + 1;
  SourceLocation After = Lexer::findLocationAfterToken(End, tok::semi, SM, AST.getLangOpts(),
                                                       /*SkipTrailingWhitespaceAndNewLine=*/false);
  if (After.isInvalid() || SM.getFileID(After) != File)
    return std::nullopt;
  return SM.getFileOffset(After);
}

bool TransformContext::insertStatementAfterBrace(SourceLocation LBrace, llvm::StringRef Text) {
  auto Where = Edits.locatePoint(LBrace);
  if (!Where)
    return false;
  if (auto Offset = offsetAfter(LBrace)) {
    Edits.insertStatement(Where->File, *Offset, " " + Text.str());
    return true;
  }
  return false;
}

std::string TransformContext::typeName(QualType T) const {
  if (T.isNull())
    return "unknown";
  PrintingPolicy Policy(AST.getLangOpts());
  Policy.SuppressTagKeyword = true;
  Policy.SuppressScope = false;
  return T.getUnqualifiedType().getNonReferenceType().getAsString(Policy);
}

std::string TransformContext::sourceText(const Expr *E) const {
  CharSourceRange R = Lexer::makeFileCharRange(CharSourceRange::getTokenRange(E->getSourceRange()),
                                               SM, AST.getLangOpts());
  if (R.isInvalid())
    return {};
  return Lexer::getSourceText(R, SM, AST.getLangOpts()).str();
}

// The function a wrapping calls: stm::rd, stm::detail::inevitable_hook, ...
static std::string wrapName(llvm::StringRef Open) {
  Open = Open.ltrim("({ ");
  return Open.take_until([](char C) { return C == '(' || C == ' '; }).str();
}

bool TransformContext::wrapExpr(const Expr *E, llvm::StringRef Prefix, llvm::StringRef Suffix,
                                QualType ManagedType) {
  auto Where = Edits.locate(E->getSourceRange());
  if (!Where) {
    if (CurrentPhase == Phase::Rewrite && inOwnCode(E->getBeginLoc()) &&
        Facts.reportableAccess(E, classifyObjectType(ManagedType)))
      Diags.report(Diag::AccessInMacro, E->getBeginLoc(), {typeName(ManagedType)},
                   E->getSourceRange());
    return false;
  }
  std::string Existing;
  if (!Edits.wrap(*Where, Prefix.str(), Suffix.str(), &Existing)) {
    SourceLocation Loc = E->getBeginLoc();
    bool InMacro = Loc.isMacroID() && SM.isMacroArgExpansion(Loc);
    std::string Macro =
        InMacro ? Lexer::getImmediateMacroNameForDiagnostics(Loc, SM, AST.getLangOpts()).str() : "";
    Diags.report(Diag::ConflictingRewrite, Loc,
                 {wrapName(Existing), wrapName(Prefix), InMacro ? 1 : 0, Macro},
                 E->getSourceRange());
    return false;
  }
  return true;
}

bool TransformContext::bodyWrittenInMacro(const Stmt *Body) const {
  if (!Body)
    return false;
  // A body passed to a macro as its argument is the program's own text,
  // unless the argument itself comes from a macro's body.
  SourceLocation Brace = Body->getBeginLoc();
  while (Brace.isMacroID()) {
    if (!SM.isMacroArgExpansion(Brace))
      return true;
    Brace = SM.getImmediateSpellingLoc(Brace);
  }
  return false;
}

std::string describeCounts(const InstrumentationCounts &C) {
  return std::to_string(C.Reads) + " read barriers, " + std::to_string(C.Writes) +
         " write barriers (" + std::to_string(C.Held) +
         " of them on objects already held, translations only), " + std::to_string(C.Translations) +
         " method-call translations, " + std::to_string(C.AtomicBlocks) + " atomic blocks, " +
         std::to_string(C.Hooks) + " inevitability hooks, " + std::to_string(C.Synchronizing) +
         " synchronisation points, " + std::to_string(C.SafePoints) + " safe points, " +
         std::to_string(C.TraceFunctions) + " trace functions";
}

} // namespace stmify
