// What the analysis phase finds and the rewrite phase's rules read: which
// accesses write, which locals each atomic block writes, which calls and
// accesses in templates reach library code or managed objects in some
// instantiation, which loops keep no safe point.
#ifndef STMIFY_PASSES_ANALYSISFACTS_H
#define STMIFY_PASSES_ANALYSISFACTS_H

#include "ManagedTypes.h"

#include "clang/AST/ExprCXX.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace stmify {

// What a call needs inside a transaction (CallAnalysis.cpp decides): nothing,
// an inevitability hook first, or a synchronising wrapper.
enum class CallKind { Safe, Hook, Synchronizing };

// The raw source range of an expression: the same for a call in a template's
// pattern and in each of its instantiations.
std::pair<unsigned, unsigned> rawRange(const clang::Expr *E);

struct AnalysisFacts {
  llvm::DenseSet<const clang::Expr *> WrittenAccesses; // managed accesses that write
  llvm::DenseSet<const clang::Expr *> BoundDerefs;     // *p bound to a reference: stays canonical
  // Field accesses whose object the running transaction already holds
  // (RedundantBarriers.cpp): read since the attempt began, or written since
  // it last published. Their barriers only translate.
  llvm::DenseSet<const clang::Expr *> RereadAccesses, RewrittenAccesses;
  // Loops before which the barrier of an access in their body runs, once
  // (the access's object, read or written: RedundantBarriers.cpp).
  llvm::DenseMap<const clang::Stmt *, std::vector<const clang::Expr *>> HoistedBarriers;
  // Those of them that are another loop's body, unbraced: the barriers and
  // the loop go in a block of their own.
  llvm::DenseSet<const clang::Stmt *> HoistedFromLoopBodies;
  std::map<const clang::Expr *, std::string> HookedWrites; // writes to unmanaged shared memory
  // The locals outside each atomic block that it writes, with the write.
  std::map<const clang::LambdaExpr *,
           std::vector<std::pair<const clang::VarDecl *, const clang::Expr *>>>
      OuterLocalWrites;
  llvm::DenseSet<const clang::LambdaExpr *> AtomicLambdas;
  llvm::DenseSet<const clang::LambdaExpr *> TaskLambdas;
  // Lambdas given to stm::on_commit or stm::on_abort: what they write is not
  // the block's, and is never restored when the block is rolled back.
  llvm::DenseSet<const clang::LambdaExpr *> HandlerLambdas;
  // Loops where a reference bound to a field outside atomic blocks lives:
  // no safe point at their back-edge (the thread must keep its segment).
  llvm::DenseSet<const clang::Stmt *> LoopsWithoutSafePoint;
  // Functions that library code calls with references to containers'
  // elements outside atomic blocks and that cannot move the thread: no safe
  // point at their entry either. By where their body begins, which a
  // template's pattern and its instantiations share.
  std::set<unsigned> FunctionsWithoutEntrySafePoint;
  // Functions that call, but only what reaches no safe point and touches no
  // managed object (Analysis::atFunctionBody): no safe point at their entry.
  std::set<unsigned> FunctionsCallingNoSafePoint;
  // Functions and lambdas a thread may begin in (Analysis::noteThreadStart):
  // where they have no safe point at their entry, an attach there, so that
  // the thread attaches before its first barrier.
  std::set<unsigned> ThreadStartFunctions;
  // Field accesses outside atomic blocks that are the array of a subscript
  // (the outermost of a chain) whose index may move the thread to another
  // segment: the barrier goes on the element, after the index.
  llvm::DenseMap<const clang::Expr *, const clang::Expr *> ElementBarriers;
  // Source ranges (raw begin and end) of calls that reach library code.
  std::set<std::pair<unsigned, unsigned>> InstantiatedHooks;
  // Calls in templates that call a field accessor in some instantiation.
  std::set<std::pair<unsigned, unsigned>> AccessorCallsInInstantiations;
  std::set<unsigned> ManagedInInstantiations;   // accesses in templates that
                                                // reach managed objects
  std::set<unsigned> UnmanagedInInstantiations; // *p and references in templates
                                                // that designate unmanaged memory
  // noexcept functions that need inevitability somewhere inside: an abort
  // cannot leave them, so their callers become inevitable before the call.
  llvm::DenseSet<const clang::FunctionDecl *> NoexceptNeedsHook;

  // Errors about a dependent access are reported only when an instantiation
  // in this translation unit makes it an access to a managed object.
  bool reportableAccess(const clang::Expr *Access, Managed M) const;
};

} // namespace stmify

#endif
