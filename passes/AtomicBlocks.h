// The rule for atomic blocks: each stm::atomic call and each
// transaction_queue::add call gets the block's or task's site id, and the
// locals outside a block that it writes are saved at its start so that an
// abort restores them. Which calls are atomic blocks and queued
// tasks is in ManagedTypes.h.
#ifndef STMIFY_PASSES_ATOMICBLOCKS_H
#define STMIFY_PASSES_ATOMICBLOCKS_H

#include "TransformContext.h"

namespace stmify {

class AtomicBlockRule : Rule {
public:
  using Rule::Rule;
  // In the rewrite phase.
  void atCall(const clang::CallExpr *E);
  void atBlockBody(const clang::LambdaExpr *L);

private:
  void siteTask(const clang::CallExpr *E);
};

} // namespace stmify

#endif
