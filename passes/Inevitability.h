// The rule for inevitability: hooks before what a transaction cannot undo
// (calls of unknown code, blocking calls, thread starts, writes to unmanaged
// shared memory, delete), and synchronising calls wrapped so that outside
// atomic blocks they publish and refresh the thread's view.
#ifndef STMIFY_PASSES_INEVITABILITY_H
#define STMIFY_PASSES_INEVITABILITY_H

#include "TransformContext.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <string>

namespace stmify {

class InevitabilityRule : Rule {
public:
  using Rule::Rule;

  // In the rewrite phase. Classify says what the call needs (the analysis
  // decides); it is asked only in code that runs (not constexpr).
  void atCall(const clang::CallExpr *E, llvm::function_ref<CallKind()> Classify);
  // A constructor call: a thread's starts the thread.
  void atConstruct(const clang::CXXConstructExpr *E);
  // A local whose destruction needs inevitability.
  void atLocalVariable(const clang::VarDecl *D);
  void atDelete(const clang::CXXDeleteExpr *E);
  // A read of a volatile object.
  void atImplicitCast(const clang::ImplicitCastExpr *E);
  // A write the analysis found to reach unmanaged shared memory.
  void atWrite(const clang::Expr *E);
  // An operator in a template's pattern whose operands depend on its
  // parameters (`out << n->value`), which an instantiation may make a call
  // of an overloaded operator: what the instantiations call decides.
  void atDependentOperator(const clang::BinaryOperator *E, llvm::function_ref<CallKind()> Classify);

private:
  // A hook before E, with What (and the site) in its message.
  void hookExpression(const clang::Expr *E, const std::string &What);
  // A hook as a statement before the statement being visited; false where
  // there is none (outside a function body, in a body a macro writes, or in
  // a macro with no statement of the program's around it: then with a
  // diagnostic when the code is the program's own).
  bool hookBeforeStatement(const std::string &What, clang::SourceLocation Loc);
  // Whether destroying a value of type T runs code that needs inevitability:
  // its destructor, or that of a member or base.
  bool destructionNeedsInevitability(clang::QualType T) const;
  // stm::detail::inevitable_hook("What at file:line:col"), with false in
  // noexcept functions.
  std::string hookCall(const std::string &What, clang::SourceLocation Loc) const;
  // A hook was placed: it is counted and, on request, remarked on.
  void hookPlaced(clang::SourceLocation Loc, const std::string &What);
  // With TransformOptions::RemarkInevitable: "What makes a block inevitable".
  void remarkInevitable(clang::SourceLocation Loc, const std::string &What);
  // For code inside a macro body: the call goes before the enclosing
  // statement of a body the program wrote, or before the macro's expansion
  // when that is a whole expression.
  bool insertBeforeStatement(const std::string &Call, const char *Kind);
  bool wrapMacroExpansion(const std::string &Call);
};

} // namespace stmify

#endif
