#include "AnalysisFacts.h"

using namespace clang;

namespace stmify {

// A call in a template's pattern and the same call in its instantiations
// cover the same source range; a call on the result of another call starts
// where that one does, so the start alone would not tell them apart.
std::pair<unsigned, unsigned> rawRange(const Expr *E) {
  return {E->getBeginLoc().getRawEncoding(), E->getEndLoc().getRawEncoding()};
}

bool AnalysisFacts::reportableAccess(const Expr *Access, Managed M) const {
  if (!Access->isTypeDependent() && !Access->isValueDependent() && M != Managed::Maybe)
    return true;
  if (const auto *ME = dyn_cast<MemberExpr>(Access))
    if (classifyBase(ME->getBase(), ME->isArrow()) == Managed::Yes)
      return true;
  return ManagedInInstantiations.count(accessLocation(Access).getRawEncoding()) > 0;
}

} // namespace stmify
