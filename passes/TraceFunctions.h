// The rule that gives every managed class (and every class that can hold
// managed references) the trace function the collector calls.
#ifndef STMIFY_PASSES_TRACEFUNCTIONS_H
#define STMIFY_PASSES_TRACEFUNCTIONS_H

#include "TransformContext.h"

namespace stmify {

class TraceFunctionRule : Rule {
public:
  using Rule::Rule;
  // At a class definition, in the rewrite phase.
  void addTraceFunction(const clang::CXXRecordDecl *D);
};

} // namespace stmify

#endif
