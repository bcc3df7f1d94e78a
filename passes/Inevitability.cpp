// Inevitability: a transaction must not abort after it did something the
// runtime cannot undo. Calls of code not compiled with stmify (unless known
// safe or marked STM_TX_SAFE), blocking calls, thread starts and writes to
// unmanaged memory other threads can see get stm::detail::inevitable_hook
// first. Synchronising operations that run inline (std::atomic, latches,
// futures...) run through stm::detail::synchronizing, which outside atomic
// blocks publishes and refreshes the thread's view around them (the runtime
// sees the C library's blocking and synchronisation itself).
#include "Inevitability.h"

#include "KnownFunctions.h"
#include "Names.h"

#include "clang/Lex/Lexer.h"

using namespace clang;

namespace stmify {

std::string InevitabilityRule::hookCall(const std::string &What, SourceLocation Loc) const {
  return names::InevitableHook.str() + Ctx.quoted(What + " at " + Ctx.site(Loc)) +
         (Ctx.scope() && Ctx.scope()->NoThrow ? ", false" : "") + ")";
}

void InevitabilityRule::hookPlaced(SourceLocation Loc, const std::string &What) {
  ++Ctx.Counts.Hooks;
  remarkInevitable(Loc, What);
}

void InevitabilityRule::remarkInevitable(SourceLocation Loc, const std::string &What) {
  if (Ctx.Options.RemarkInevitable)
    Ctx.Diags.report(Diag::InevitableRemark, Loc, {What});
}

bool InevitabilityRule::hookBeforeStatement(const std::string &What, SourceLocation Loc) {
  if (!insertBeforeStatement(hookCall(What, Loc), "inevitability hook"))
    return false;
  hookPlaced(Loc, What);
  return true;
}

void InevitabilityRule::hookExpression(const Expr *E, const std::string &What) {
  std::string Call = hookCall(What, E->getBeginLoc());
  // Written in a macro body: becoming inevitable a little earlier is as safe.
  if (Ctx.Edits.locate(E->getSourceRange()) ? Ctx.wrapExpr(E, "(" + Call + ", ", ")", QualType())
                                            : insertBeforeStatement(Call, "inevitability hook"))
    hookPlaced(E->getBeginLoc(), What);
}

bool InevitabilityRule::insertBeforeStatement(const std::string &Call, const char *Kind) {
  // Callers of a function whose body a macro writes become inevitable before
  // they call it (compiledWithStmify).
  if (!Ctx.inFunctionBody() || Ctx.scope()->BodyInMacro)
    return false;
  SourceLocation Here =
      Ctx.statements().empty() ? SourceLocation() : Ctx.statements().back()->getBeginLoc();
  // The innermost block of this function whose braces the program wrote: a
  // statement inserted there stays inside the function, and runs before the
  // statement that holds the macro.
  for (size_t I = Ctx.statements().size(); I-- > Ctx.scope()->StmtDepth + 1;) {
    const auto *Block = dyn_cast<CompoundStmt>(Ctx.statements()[I - 1]);
    if (!Block || Ctx.bodyWrittenInMacro(Block))
      continue;
    SourceLocation Begin = Ctx.SM.getExpansionLoc(Ctx.statements()[I]->getBeginLoc());
    if (auto Where = Ctx.Edits.locatePoint(Begin)) {
      Ctx.Edits.insertStatement(Where->File, Where->Begin, Call + "; ");
      return true;
    }
    break;
  }
  if (wrapMacroExpansion(Call))
    return true;
  if (Ctx.inOwnCode(Here))
    Ctx.Diags.report(Diag::HookInMacro, Here, {Kind});
  return false;
}

// Outside a block (a member initializer, a default argument), the expansion
// of the macro that holds the code is wrapped when it is a whole expression:
// `(hook, MACRO(...))`.
bool InevitabilityRule::wrapMacroExpansion(const std::string &Call) {
  if (Ctx.statements().empty() || !Ctx.statements().back()->getBeginLoc().isMacroID())
    return false;
  const LangOptions &LO = Ctx.AST.getLangOpts();
  CharSourceRange Expansion = Lexer::makeFileCharRange(
      Ctx.SM.getExpansionRange(Ctx.statements().back()->getBeginLoc()), Ctx.SM, LO);
  // The innermost expression around the code that is written in the file.
  for (size_t I = Ctx.statements().size(); I-- > Ctx.scope()->StmtDepth;) {
    const auto *E = dyn_cast<Expr>(Ctx.statements()[I]);
    if (!E)
      return false;
    CharSourceRange Range =
        Lexer::makeFileCharRange(CharSourceRange::getTokenRange(E->getSourceRange()), Ctx.SM, LO);
    if (Range.isInvalid())
      continue;
    if (Range.getBegin() != Expansion.getBegin() || Range.getEnd() != Expansion.getEnd())
      return false;
    return Ctx.wrapExpr(E, "(" + Call + ", ", ")", QualType());
  }
  return false;
}

void InevitabilityRule::atCall(const CallExpr *E, llvm::function_ref<CallKind()> Classify) {
  if (!Ctx.inFunctionBody() || Ctx.scope()->Constexpr)
    return;
  CallKind Kind = Classify();
  const FunctionDecl *Callee = E->getDirectCallee();
  std::string Name = Callee ? plainName(Callee) : "a function through a pointer";
  // A dependent call is named as written, not after the function one
  // instantiation reaches: the text must not depend on the instantiations a
  // translation unit happens to contain.
  if (!Callee && (E->isTypeDependent() || E->getCallee()->isTypeDependent())) {
    if (const auto *Op = dyn_cast<CXXOperatorCallExpr>(E))
      Name = std::string("operator") + getOperatorSpelling(Op->getOperator());
    else
      Name = Ctx.sourceText(E->getCallee());
    if (Name.empty()) { // written in a macro body
      const Expr *Called = E->getCallee()->IgnoreParenImpCasts();
      if (const auto *M = dyn_cast<CXXDependentScopeMemberExpr>(Called))
        Name = M->getMember().getAsString();
      else if (const auto *O = dyn_cast<OverloadExpr>(Called))
        Name = O->getName().getAsString();
      else if (const auto *D = dyn_cast<DependentScopeDeclRefExpr>(Called))
        Name = D->getDeclName().getAsString();
      else
        Name = "operator()"; // an object called
    }
  }
  switch (Kind) {
  case CallKind::Safe:
    // A noexcept function that needs inevitability inside: become inevitable
    // here, where an abort can still propagate.
    if (Callee && !Ctx.scope()->NoThrow &&
        Ctx.Facts.NoexceptNeedsHook.contains(Callee->getCanonicalDecl()))
      hookExpression(E, "call to '" + Name + "', which is noexcept and needs inevitability,");
    return;
  case CallKind::Hook:
    hookExpression(E, "call to '" + Name + "'");
    return;
  case CallKind::Synchronizing: {
    std::string What = Ctx.quoted(Name + " at " + Ctx.site(E->getBeginLoc()));
    if (!Ctx.Edits.locate(E->getSourceRange())) {
      // In a macro body: at least the transaction becomes inevitable.
      hookExpression(E, "call to '" + Name + "'");
      return;
    }
    // `while (!ready)` converts the atomic implicitly, and its text is the
    // atomic's: the lambda returns the converted value, not (by
    // decltype(auto)) a copy of the atomic, which has none.
    const auto *Member = dyn_cast<CXXMemberCallExpr>(E);
    bool Converted = Member && isa_and_nonnull<CXXConversionDecl>(Member->getMethodDecl()) &&
                     Member->getImplicitObjectArgument()->getSourceRange() == E->getSourceRange();
    if (Ctx.wrapExpr(E,
                     names::Synchronizing.str() + What + (Ctx.scope()->NoThrow ? ", false" : "") +
                         ", [&]() -> decltype(auto) { return " +
                         (Converted ? llvm::StringRef(names::ConvertedValue) : "").str(),
                     Converted ? "); })" : "; })", QualType())) {
      ++Ctx.Counts.Synchronizing;
      remarkInevitable(E->getBeginLoc(), "synchronising call to '" + Name + "'");
    }
    return;
  }
  }
}

// Starting a thread cannot be undone: inside an atomic block the transaction
// becomes inevitable before the thread object is constructed.
void InevitabilityRule::atConstruct(const CXXConstructExpr *E) {
  if (!Ctx.inFunctionBody() || Ctx.scope()->Constexpr || !isThreadClass(E->getType()) ||
      E->getNumArgs() == 0)
    return;
  if (isThreadClass(E->getArg(0)->getType()))
    return; // a move: no new thread
  for (unsigned Up = 1; const Stmt *P = Ctx.parentStmt(Up); ++Up) {
    if (const auto *Decl = dyn_cast<DeclStmt>(P)) {
      const Stmt *Outer = Ctx.parentStmt(Up + 1);
      if (Outer && isa<CompoundStmt>(Outer))
        if (auto Where = Ctx.Edits.locatePoint(Decl->getBeginLoc())) {
          Ctx.Edits.insertStatement(Where->File, Where->Begin,
                                    hookCall("thread start", E->getBeginLoc()) + "; ");
          hookPlaced(E->getBeginLoc(), "thread start");
        }
      return;
    }
    if (isa<Expr>(P) && !isa<ParenExpr>(P) && !isa<ImplicitCastExpr>(P) &&
        !isa<MaterializeTemporaryExpr>(P) && !isa<CXXBindTemporaryExpr>(P) &&
        !isa<ExprWithCleanups>(P) && !isa<CXXFunctionalCastExpr>(P))
      break;
  }
  hookExpression(E, "thread start");
}

// Whether destroying a value of type T runs code that needs inevitability:
// its destructor, or that of a member or base.
bool InevitabilityRule::destructionNeedsInevitability(QualType T) const {
  while (const ArrayType *A = Ctx.AST.getAsArrayType(T))
    T = A->getElementType();
  const CXXRecordDecl *R = T->getAsCXXRecordDecl();
  if (!R || !R->hasDefinition() || R->hasTrivialDestructor())
    return false;
  if (const CXXDestructorDecl *D = R->getDestructor();
      D && Ctx.Facts.NoexceptNeedsHook.contains(D->getCanonicalDecl()))
    return true;
  for (const FieldDecl *F : R->fields())
    if (destructionNeedsInevitability(F->getType()))
      return true;
  for (const CXXBaseSpecifier &B : R->bases())
    if (destructionNeedsInevitability(B.getType()))
      return true;
  return false;
}

void InevitabilityRule::atLocalVariable(const VarDecl *D) {
  // The destructor of a local runs again in every attempt that unwinds
  // after an abort: an irrevocable action in it (printing, say) would be
  // repeated. The block becomes inevitable before the local exists.
  if (Ctx.inFunctionBody() && !Ctx.scope()->Constexpr && D->hasLocalStorage() &&
      !isa<ParmVarDecl>(D) && !D->getType()->isReferenceType() &&
      !D->getType()->isDependentType() && destructionNeedsInevitability(D->getType()))
    hookBeforeStatement("construction of '" + D->getNameAsString() +
                            "', whose destructor needs inevitability,",
                        D->getLocation());
}

// Freeing memory cannot be undone: a transaction that deleted an object and
// then ran again would delete it twice.
void InevitabilityRule::atDelete(const CXXDeleteExpr *E) {
  if (Ctx.inFunctionBody() && !Ctx.scope()->Constexpr && !Ctx.scope()->ConstructorOrDestructor)
    hookExpression(E, "delete");
}

void InevitabilityRule::atImplicitCast(const ImplicitCastExpr *E) {
  if (E->getCastKind() == CK_LValueToRValue && E->getSubExpr()->getType().isVolatileQualified() &&
      Ctx.inFunctionBody() && !Ctx.scope()->Constexpr)
    hookExpression(E->getSubExpr(), "volatile read");
}

void InevitabilityRule::atDependentOperator(const BinaryOperator *E,
                                            llvm::function_ref<CallKind()> Classify) {
  if (!Ctx.inFunctionBody() || Ctx.scope()->Constexpr || !E->isTypeDependent() ||
      E->isAssignmentOp() || Classify() == CallKind::Safe)
    return;
  hookExpression(E, "call to 'operator" + E->getOpcodeStr().str() + "'");
}

void InevitabilityRule::atWrite(const Expr *E) {
  auto Hook = Ctx.Facts.HookedWrites.find(E);
  if (Hook != Ctx.Facts.HookedWrites.end() && Ctx.inFunctionBody())
    hookExpression(E, Hook->second);
}

} // namespace stmify
