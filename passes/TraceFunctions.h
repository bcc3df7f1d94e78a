// The rule that gives every managed class (and every class that can hold
// managed references) the trace function the collector calls.
#ifndef STMIFY_PASSES_TRACEFUNCTIONS_H
#define STMIFY_PASSES_TRACEFUNCTIONS_H

#include "TransformContext.h"

namespace stmify {

class TraceFunctionRule {
public:
  explicit TraceFunctionRule(TransformContext &Ctx) : Ctx(Ctx) {}
  // At a class definition, in the rewrite phase.
  void addTraceFunction(const clang::CXXRecordDecl *D);

private:
  TransformContext &Ctx;
};

} // namespace stmify

#endif
