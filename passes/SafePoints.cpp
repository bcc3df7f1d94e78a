// Safe points: a counter decrement at loop back-edges and at the entry of
// functions that loop or call what may reach one, so a long transaction
// validates (and a thread outside atomic blocks publishes and lets
// collections run) regularly; an attach at the entry of the others that a
// thread may begin in; and in every catch (...) handler, a check that lets
// an abort of the transaction pass through instead of being swallowed.
#include "SafePoints.h"

#include "ManagedTypes.h"
#include "Names.h"

#include "clang/Lex/Lexer.h"

using namespace clang;

namespace stmify {

// A static (or thread_local) local initialised by code: the first call runs
// it under a guard (__cxa_guard_acquire, which may block; its release
// publishes).
bool initializedAtFirstUse(const VarDecl *VD) {
  if (VD->hasLocalStorage() || !VD->isLocalVarDecl() || !VD->getInit())
    return false;
  return VD->getInit()->isValueDependent() || !VD->hasConstantInitialization();
}

// Whether S calls (what it calls may reach a safe point; a static local
// initialised by code calls its guard) or, when Loops, loops (a back-edge
// has one). A default argument or member initialiser runs where it is
// used; a lambda's body is a function of its own, its init-captures run
// where it is made.
bool callsOrLoops(const Stmt *S, bool Loops) {
  if (!S)
    return false;
  if (const auto *L = dyn_cast<LambdaExpr>(S))
    return llvm::any_of(L->capture_inits(),
                        [&](const Expr *Init) { return callsOrLoops(Init, Loops); });
  // The source of an array copy's elements is not among its children.
  if (const auto *Opaque = dyn_cast<OpaqueValueExpr>(S))
    return callsOrLoops(Opaque->getSourceExpr(), Loops);
  if (isa<CallExpr>(S) || isa<CXXConstructExpr>(S) || isa<GotoStmt>(S) ||
      isa<CXXDependentScopeMemberExpr>(S) || isa<UnresolvedLookupExpr>(S))
    return true;
  // Deleting an object of class type runs its destructor.
  if (const auto *Delete = dyn_cast<CXXDeleteExpr>(S)) {
    QualType T = Delete->getDestroyedType();
    const CXXRecordDecl *R = T.isNull() ? nullptr : T->getAsCXXRecordDecl();
    if (T.isNull() || T->isDependentType() || (R && !R->hasTrivialDestructor()))
      return true;
  }
  if (Loops && (isa<ForStmt>(S) || isa<WhileStmt>(S) || isa<DoStmt>(S) || isa<CXXForRangeStmt>(S)))
    return true;
  if (const auto *Declarations = dyn_cast<DeclStmt>(S))
    for (const Decl *D : Declarations->decls())
      if (const auto *VD = dyn_cast<VarDecl>(D); VD && initializedAtFirstUse(VD))
        return true;
  if (const auto *Default = dyn_cast<CXXDefaultArgExpr>(S))
    return callsOrLoops(Default->getExpr(), Loops);
  if (const auto *Default = dyn_cast<CXXDefaultInitExpr>(S))
    return callsOrLoops(Default->getExpr(), Loops);
  for (const Stmt *Child : S->children())
    if (callsOrLoops(Child, Loops))
      return true;
  return false;
}

// Whether a condition in a template reads a value known only at run time (a
// variable, `this`, a member), so that no instantiation makes it a constant.
// sizeof, alignof and noexcept do not evaluate their operands.
static bool readsRuntimeValue(const Stmt *S) {
  if (!S || isa<UnaryExprOrTypeTraitExpr>(S) || isa<CXXNoexceptExpr>(S))
    return false;
  if (isa<CXXThisExpr>(S) || isa<CXXDependentScopeMemberExpr>(S))
    return true;
  if (const auto *Ref = dyn_cast<DeclRefExpr>(S))
    if (const auto *V = dyn_cast<VarDecl>(Ref->getDecl()))
      return !V->isConstexpr() && !V->getType().isConstQualified();
  for (const Stmt *Child : S->children())
    if (readsRuntimeValue(Child))
      return true;
  return false;
}

// Whether flow analysis may take the condition for a constant: it folds the
// whole condition, and `a || b` and `a && b` by either operand.
static bool mayBeConstant(const Expr *Cond, const ASTContext &AST) {
  Cond = Cond->IgnoreParenImpCasts();
  if (const auto *Op = dyn_cast<BinaryOperator>(Cond))
    if (Op->isLogicalOp())
      return mayBeConstant(Op->getLHS(), AST) || mayBeConstant(Op->getRHS(), AST);
  if (Cond->isValueDependent())
    return !readsRuntimeValue(Cond);
  bool Value = false;
  return Cond->EvaluateAsBooleanCondition(Value, AST);
}

// The condition of a `while` or `for` loop that can take the loop's safe
// point: an expression, not a declaration (its variable would be in scope of
// the safe point), nor one that may be a constant (`while (true)` must stay
// a loop without an exit for flow analysis: g++'s -Wreturn-type on the tool's
// output does not see through the comma), nor one a macro writes.
static const Expr *conditionTakingSafePoint(const Stmt *Loop, const ASTContext &AST) {
  const Expr *Cond = nullptr;
  if (const auto *W = dyn_cast<WhileStmt>(Loop)) {
    if (!W->getConditionVariable())
      Cond = W->getCond();
  } else if (const auto *F = dyn_cast<ForStmt>(Loop)) {
    if (!F->getConditionVariable())
      Cond = F->getCond();
  }
  if (!Cond || Cond->getBeginLoc().isMacroID() || mayBeConstant(Cond, AST))
    return nullptr;
  return Cond;
}

// Whether the only uses of V in S read its value.
static bool onlyReads(const Stmt *S, const VarDecl *V, const Stmt *Parent) {
  if (!S)
    return true;
  if (const auto *Ref = dyn_cast<DeclRefExpr>(S); Ref && Ref->getDecl() == V) {
    const auto *Cast = dyn_cast_or_null<ImplicitCastExpr>(Parent);
    return Cast && Cast->getCastKind() == CK_LValueToRValue;
  }
  for (const Stmt *Child : S->children())
    if (!onlyReads(Child, V, S))
      return false;
  return true;
}

static bool refersTo(const Expr *E, const VarDecl *V) {
  const auto *Ref = dyn_cast<DeclRefExpr>(E->IgnoreParenImpCasts());
  return Ref && Ref->getDecl() == V;
}

static std::optional<std::int64_t> integerConstant(const Expr *E, const ASTContext &AST) {
  if (!E || E->isValueDependent() || E->isTypeDependent())
    return std::nullopt;
  std::optional<llvm::APSInt> Value = E->getIntegerConstantExpr(AST);
  return Value ? Value->tryExtValue() : std::nullopt;
}

// `for (T i = A; i < B; ++i)` (or `<=`, `i++`) with A and B constants, at
// most kShortLoopIterations apart, i an integer the body only reads, and a
// body that neither calls nor loops: it runs a bounded stretch of straight
// code, so its back-edge needs no safe point (as JIT compilers leave the
// polls out of such counted loops); the safe points around it, of the
// function and of an enclosing loop, remain. Without one, the optimiser
// keeps the closure's values, and for reads the translated object, in
// registers across the iterations.
static bool shortCountedLoop(const ForStmt *F, const ASTContext &AST) {
  constexpr std::int64_t kShortLoopIterations = 1024;
  const auto *Init = dyn_cast_or_null<DeclStmt>(F->getInit());
  const auto *V = Init && Init->isSingleDecl() ? dyn_cast<VarDecl>(Init->getSingleDecl()) : nullptr;
  if (!V || V->getType()->isDependentType() || !V->getType()->isIntegerType() ||
      V->getType().isVolatileQualified() || V->getType()->isBooleanType())
    return false;
  const auto *Cond = dyn_cast_or_null<BinaryOperator>(
      F->getCond() ? F->getCond()->IgnoreParenImpCasts() : nullptr);
  const auto *Inc =
      dyn_cast_or_null<UnaryOperator>(F->getInc() ? F->getInc()->IgnoreParens() : nullptr);
  if (!Cond || (Cond->getOpcode() != BO_LT && Cond->getOpcode() != BO_LE) ||
      !refersTo(Cond->getLHS(), V) || !Inc || !Inc->isIncrementOp() ||
      !refersTo(Inc->getSubExpr(), V))
    return false;
  std::optional<std::int64_t> From = integerConstant(V->getInit(), AST);
  std::optional<std::int64_t> To = integerConstant(Cond->getRHS(), AST);
  if (!From || !To)
    return false;
  // The counter must reach the bound: `i <= 255` never ends for an
  // unsigned char, nor `i < 300`.
  const unsigned Width = AST.getIntWidth(V->getType());
  const bool Signed = V->getType()->isSignedIntegerType();
  const std::int64_t Largest =
      Width >= 64
          ? INT64_MAX
          : static_cast<std::int64_t>((std::uint64_t(1) << (Signed ? Width - 1 : Width)) - 1);
  const std::int64_t Last = Cond->getOpcode() == BO_LT ? *To - 1 : *To;
  if (Last >= Largest || *From < (Signed ? -Largest : 0) || Last - *From >= kShortLoopIterations)
    return false;
  return !callsOrLoops(F->getBody(), /*Loops=*/true) && onlyReads(F->getBody(), V, nullptr) &&
         onlyReads(F->getCond(), V, nullptr);
}

// Does the loop run only inside an atomic transaction, where a safe point's
// slow path keeps the thread's segment view (safe_point_in_block)? Only if
// it is written in the body of an atomic block or a task and nowhere else:
// not by a macro (the same text may expand outside too, and the edits of one
// text are merged), not in a file the body includes, not in an init-capture
// (which runs before the block); in a body that is no coroutine (resumed
// after the block) and does not begin or end a transaction through the C
// interface. A noexcept body keeps safe_point_nothrow.
bool SafePointRule::runsOnlyInAtomicTransaction(const Stmt *Loop) {
  const FunctionScope &Scope = *Ctx.scope();
  if (!(Scope.AtomicBody || Scope.TaskBody) || Scope.NoThrow || !Scope.Lambda)
    return false;
  const auto *Body = dyn_cast_or_null<CompoundStmt>(Scope.Lambda->getBody());
  if (!Body)
    return false;
  const SourceManager &SM = Ctx.AST.getSourceManager();
  const SourceLocation Begin = Loop->getBeginLoc(), End = Loop->getEndLoc();
  const SourceLocation LBrace = Body->getLBracLoc(), RBrace = Body->getRBracLoc();
  if (Begin.isMacroID() || End.isMacroID() || LBrace.isMacroID() || RBrace.isMacroID() ||
      SM.getFileID(Begin) != SM.getFileID(LBrace) || !SM.isBeforeInTranslationUnit(LBrace, Begin) ||
      !SM.isBeforeInTranslationUnit(End, RBrace))
    return false;
  auto [Known, New] = ControllingBodies.try_emplace(Body, false);
  if (New)
    Known->second = controlsTransactions(Body);
  return !Known->second;
}

void SafePointRule::atLoopBackEdge(const Stmt *Loop, const Stmt *Body) {
  if (!Ctx.inFunctionBody() || Ctx.scope()->Constexpr || !Body ||
      Ctx.Facts.LoopsWithoutSafePoint.contains(Loop))
    return;
  if (const auto *For = dyn_cast<ForStmt>(Loop); For && shortCountedLoop(For, Ctx.AST))
    return;
  // In the condition, the safe point runs once per iteration as at the
  // body's start (and `continue` reaches it too), but a barrier in the
  // condition and one in the body on the same object are then not separated
  // by the safe point's call: the optimiser merges them (docs/architecture.md,
  // "Safe points").
  const FunctionScope &Scope = *Ctx.scope();
  const bool InBlock = runsOnlyInAtomicTransaction(Loop);
  if (const Expr *Cond = conditionTakingSafePoint(Loop, Ctx.AST)) {
    if (auto Where = Ctx.Edits.locatePoint(Cond->getBeginLoc())) {
      Ctx.Edits.insertStatement(Where->File, Where->Begin,
                                (Scope.NoThrow ? names::SafePointNoThrowInCondition
                                 : InBlock     ? names::SafePointInBlockInCondition
                                               : names::SafePointInCondition)
                                    .str());
      ++Ctx.Counts.SafePoints;
      return;
    }
  }
  std::string Call = (Scope.NoThrow ? names::SafePointNoThrow
                      : InBlock     ? names::SafePointInBlock
                                    : names::SafePoint)
                         .str();
  if (const auto *C = dyn_cast<CompoundStmt>(Body)) {
    Ctx.insertStatementAfterBrace(C->getLBracLoc(), Call);
    ++Ctx.Counts.SafePoints;
    return;
  }
  auto Begin = Ctx.Edits.locatePoint(Body->getBeginLoc());
  auto End = Begin ? Ctx.statementEnd(Body, Begin->File) : std::nullopt;
  if (!Begin || !End || Body->getBeginLoc().isMacroID())
    return; // a loop body made by a macro keeps no safe point
  if (Ctx.Edits.wrap(FileOffsets{Begin->File, Begin->Begin, *End}, "{ " + Call + " ", " }"))
    ++Ctx.Counts.SafePoints;
}

void SafePointRule::atFunctionEntry(const FunctionDecl *F, const Stmt *Body) {
  const auto *C = dyn_cast_or_null<CompoundStmt>(Body);
  // A lambda's call operator is implicitly constexpr when it can be: only a
  // function declared constexpr keeps its body free of runtime calls.
  bool DeclaredConstexpr = F->isConstexpr() && !(isa<CXXMethodDecl>(F) &&
                                                 cast<CXXMethodDecl>(F)->getParent()->isLambda());
  if (!C || DeclaredConstexpr || F->isDefaulted() || F->isDeleted() ||
      !Ctx.inOwnCode(C->getLBracLoc()))
    return;
  const unsigned Where = C->getLBracLoc().getRawEncoding();
  if (Ctx.Facts.FunctionsWithoutEntrySafePoint.count(Where) || !callsOrLoops(C) ||
      Ctx.Facts.FunctionsCallingNoSafePoint.count(Where)) {
    // A thread attaches at its first safe point: one that may begin here
    // attaches at the entry, which moves no attached thread, so the
    // function still reaches no safe point for its callers (a library
    // callback given references into the segment, a caller holding one).
    if (Ctx.Facts.ThreadStartFunctions.count(Where))
      Ctx.insertStatementAfterBrace(C->getLBracLoc(), names::AttachIfUnattached);
    return;
  }
  // In noexcept functions and destructors the scope also keeps the safe
  // points of everything they call from throwing an abort.
  Ctx.insertStatementAfterBrace(C->getLBracLoc(), Ctx.scope() && Ctx.scope()->NoThrow
                                                      ? names::NoThrowScope
                                                      : names::SafePoint);
  ++Ctx.Counts.SafePoints;
}

void SafePointRule::atCatchAll(const CXXCatchStmt *S) {
  // In a noexcept function a rethrown abort would terminate the program; a
  // swallowed one is safe (the doomed transaction aborts again at its next
  // safe point or commit).
  if (S->getExceptionDecl() || !Ctx.inFunctionBody() || Ctx.scope()->NoThrow)
    return;
  if (const auto *Block = dyn_cast_or_null<CompoundStmt>(S->getHandlerBlock()))
    Ctx.insertStatementAfterBrace(Block->getLBracLoc(), names::RethrowIfAbort);
}

} // namespace stmify
