// The rule that inserts safe points: a counter decrement at loop back-edges
// and at the entry of functions that loop or call what may reach one, and of
// those a thread begins in, so that a long transaction
// validates (and a thread outside atomic blocks publishes and lets
// collections run) regularly; and in every catch (...) handler, a check that
// lets an abort of the transaction pass through.
#ifndef STMIFY_PASSES_SAFEPOINTS_H
#define STMIFY_PASSES_SAFEPOINTS_H

#include "TransformContext.h"

#include "llvm/ADT/DenseMap.h"

namespace stmify {

// Whether S calls (what it calls may reach a safe point) or, when Loops,
// loops (a back-edge has one).
bool callsOrLoops(const clang::Stmt *S, bool Loops = true);
bool initializedAtFirstUse(const clang::VarDecl *VD);

class SafePointRule : Rule {
public:
  using Rule::Rule;
  // In the rewrite phase, inside the function or lambda whose body it is.
  void atLoopBackEdge(const clang::Stmt *Loop, const clang::Stmt *Body);
  void atFunctionEntry(const clang::FunctionDecl *F, const clang::Stmt *Body);
  void atCatchAll(const clang::CXXCatchStmt *S);

private:
  bool runsOnlyInAtomicTransaction(const clang::Stmt *Loop);
  // Bodies of blocks and tasks, and whether they begin or end a transaction
  // through the C interface.
  llvm::DenseMap<const clang::Stmt *, bool> ControllingBodies;
};

} // namespace stmify

#endif
