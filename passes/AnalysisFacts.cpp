#include "AnalysisFacts.h"

using namespace clang;

namespace stmify {

bool AnalysisFacts::reportableAccess(const Expr *Access, Managed M) const {
  if (!Access->isTypeDependent() && !Access->isValueDependent() && M != Managed::Maybe)
    return true;
  if (const auto *ME = dyn_cast<MemberExpr>(Access))
    if (classifyBase(ME->getBase(), ME->isArrow()) == Managed::Yes)
      return true;
  return ManagedInInstantiations.count(accessLocation(Access).getRawEncoding()) > 0;
}

} // namespace stmify
