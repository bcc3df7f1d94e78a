// Safe points: a counter decrement at loop back-edges and at the entry of
// functions that call or loop, so a long transaction validates (and a thread
// outside atomic blocks publishes and lets collections run) regularly; and in
// every catch (...) handler, a check that lets an abort of the transaction
// pass through instead of being swallowed.
#include "Instrumenter.h"

#include "clang/Lex/Lexer.h"

using namespace clang;

namespace stmify {
namespace {

bool callsOrLoops(const Stmt *S) {
  if (!S)
    return false;
  if (isa<CallExpr>(S) || isa<CXXConstructExpr>(S) || isa<ForStmt>(S) || isa<WhileStmt>(S) ||
      isa<DoStmt>(S) || isa<CXXForRangeStmt>(S) || isa<GotoStmt>(S) ||
      isa<CXXDependentScopeMemberExpr>(S) || isa<UnresolvedLookupExpr>(S))
    return true;
  if (isa<LambdaExpr>(S))
    return false; // its body is a function of its own
  for (const Stmt *Child : S->children())
    if (callsOrLoops(Child))
      return true;
  return false;
}

} // namespace

// Whether a function compiled with stmify may reach a safe point (where a
// thread outside atomic blocks can move to another segment): not when its
// body is visible and neither calls nor loops, nor when it is constexpr.
bool Instrumenter::mayReachSafePoint(const FunctionDecl *F) const {
  const FunctionDecl *Definition = nullptr;
  if (!F->hasBody(Definition) || !Definition)
    return true;
  if (Definition->isConstexpr() &&
      !(isa<CXXMethodDecl>(Definition) && cast<CXXMethodDecl>(Definition)->getParent()->isLambda()))
    return false;
  return callsOrLoops(Definition->getBody());
}

std::optional<unsigned> Instrumenter::statementEnd(const Stmt *S) const {
  if (!S)
    return std::nullopt;
  if (const auto *C = dyn_cast<CompoundStmt>(S))
    return offsetAfter(C->getRBracLoc());
  if (const auto *I = dyn_cast<IfStmt>(S))
    return statementEnd(I->getElse() ? I->getElse() : I->getThen());
  if (const auto *F = dyn_cast<ForStmt>(S))
    return statementEnd(F->getBody());
  if (const auto *W = dyn_cast<WhileStmt>(S))
    return statementEnd(W->getBody());
  if (const auto *R = dyn_cast<CXXForRangeStmt>(S))
    return statementEnd(R->getBody());
  if (const auto *Sw = dyn_cast<SwitchStmt>(S))
    return statementEnd(Sw->getBody());
  if (const auto *L = dyn_cast<LabelStmt>(S))
    return statementEnd(L->getSubStmt());
  if (const auto *Sc = dyn_cast<SwitchCase>(S))
    return statementEnd(Sc->getSubStmt());
  if (const auto *A = dyn_cast<AttributedStmt>(S))
    return statementEnd(A->getSubStmt());
  if (const auto *T = dyn_cast<CXXTryStmt>(S))
    return statementEnd(T->getHandler(T->getNumHandlers() - 1)->getHandlerBlock());
  SourceLocation End = S->getEndLoc();
  if (End.isInvalid() || End.isMacroID())
    return std::nullopt;
  bool Invalid = false;
  const char *Char = SM.getCharacterData(End, &Invalid);
  if (!Invalid && *Char == ';')
    return SM.getFileOffset(End) + 1;
  SourceLocation After = Lexer::findLocationAfterToken(End, tok::semi, SM, AST.getLangOpts(),
                                                       /*SkipTrailingWhitespaceAndNewLine=*/false);
  if (After.isInvalid())
    return std::nullopt;
  return SM.getFileOffset(After);
}

void Instrumenter::safePointInLoopBody(const Stmt *Body) {
  if (!inFunctionBody() || scope()->Constexpr || !Body)
    return;
  std::string Call =
      scope()->NoThrow ? "stm::detail::safe_point_nothrow();" : "stm::detail::safe_point();";
  if (const auto *C = dyn_cast<CompoundStmt>(Body)) {
    insertStatementAfterBrace(C->getLBracLoc(), Call);
    ++Counts.SafePoints;
    return;
  }
  auto Begin = Edits.locatePoint(Body->getBeginLoc());
  auto End = statementEnd(Body);
  if (!Begin || !End || Body->getBeginLoc().isMacroID())
    return; // a loop body made by a macro keeps no safe point
  if (Edits.wrap(FileOffsets{Begin->File, Begin->Begin, *End}, "{ " + Call + " ", " }"))
    ++Counts.SafePoints;
}

void Instrumenter::safePointAtFunctionEntry(const FunctionDecl *F, const Stmt *Body) {
  const auto *C = dyn_cast_or_null<CompoundStmt>(Body);
  // A lambda's call operator is implicitly constexpr when it can be: only a
  // function declared constexpr keeps its body free of runtime calls.
  bool DeclaredConstexpr = F->isConstexpr() && !(isa<CXXMethodDecl>(F) &&
                                                 cast<CXXMethodDecl>(F)->getParent()->isLambda());
  if (!C || DeclaredConstexpr || F->isDefaulted() || F->isDeleted() ||
      !inOwnCode(C->getLBracLoc()) || !callsOrLoops(C))
    return;
  // In noexcept functions and destructors the scope also keeps the safe
  // points of everything they call from throwing an abort.
  insertStatementAfterBrace(C->getLBracLoc(), scope() && scope()->NoThrow
                                                  ? "stm::detail::nothrow_scope __stmify_nothrow;"
                                                  : "stm::detail::safe_point();");
  ++Counts.SafePoints;
}

void Instrumenter::rethrowAbortsInCatchAll(const CXXCatchStmt *S) {
  // In a noexcept function a rethrown abort would terminate the program; a
  // swallowed one is safe (the doomed transaction aborts again at its next
  // safe point or commit).
  if (S->getExceptionDecl() || !inFunctionBody() || scope()->NoThrow)
    return;
  if (const auto *Block = dyn_cast_or_null<CompoundStmt>(S->getHandlerBlock()))
    insertStatementAfterBrace(Block->getLBracLoc(), "stm::detail::rethrow_if_abort();");
}

} // namespace stmify
