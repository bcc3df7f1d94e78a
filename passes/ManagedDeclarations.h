// The rule that refuses declarations the managed heap cannot support: a
// managed object that is not on the managed heap, a managed class with a
// member owning unmanaged memory or a destructor, and a managed object seen
// through a reference to an unmanaged base.
#ifndef STMIFY_PASSES_MANAGEDDECLARATIONS_H
#define STMIFY_PASSES_MANAGEDDECLARATIONS_H

#include "TransformContext.h"

namespace stmify {

class ManagedDeclarationRule : Rule {
public:
  using Rule::Rule;
  // All in the analysis phase (the rule only reports).
  // A variable, parameter or member (What names which).
  void checkByValue(const clang::DeclaratorDecl *D, const char *What);
  void checkClassMembers(const clang::CXXRecordDecl *D);
  // A derived-to-base conversion in a function body.
  void checkBaseConversion(const clang::CastExpr *E);
  // A lambda's captures; false when it captures a managed *this by copy
  // (the lambda is then not analysed further).
  bool checkCaptures(const clang::LambdaExpr *L);
};

} // namespace stmify

#endif
