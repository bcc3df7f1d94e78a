// The rule that puts every access to a managed object through the calling
// thread's segment: field reads get stm::rd, field writes stm::wr (with the
// site for conflict reports), calls of a managed object's methods stm::loc,
// and `this` used as a value becomes canonical again with stm::canon.
#ifndef STMIFY_PASSES_BARRIERS_H
#define STMIFY_PASSES_BARRIERS_H

#include "TransformContext.h"

#include "llvm/ADT/DenseSet.h"

namespace stmify {

class BarrierRule : Rule {
public:
  using Rule::Rule;

  // In the rewrite phase. A call is seen before its callee expression.
  void atCall(const clang::CallExpr *E);
  // After the atomic block's site id: arguments that library code applies a
  // member pointer to.
  void atCallArguments(const clang::CallExpr *E);
  void atMember(const clang::MemberExpr *E);
  void atDependentMember(const clang::CXXDependentScopeMemberExpr *E);
  void atUnresolvedMember(const clang::UnresolvedMemberExpr *E);
  void atDeref(const clang::UnaryOperator *E);
  void atPointerToMember(const clang::BinaryOperator *E); // p->*member, object.*member
  void atThis(const clang::CXXThisExpr *E);
  void atDynamicCast(const clang::CXXDynamicCastExpr *E);
  void atRangeFor(const clang::CXXForRangeStmt *S);
  // A loop before which the analysis put barriers of its body's accesses.
  void atLoop(const clang::Stmt *Loop);
  // The operand of typeid, evaluated: a polymorphic managed object.
  void atTypeidOperand(const clang::Expr *Operand);

private:
  void siteArrayAccess(const clang::CallExpr *E);
  void readElementThroughConstAccessor(const clang::CallExpr *E);
  void barrierForMember(const clang::Expr *E, const clang::Expr *Base, bool Arrow,
                        bool ImplicitThis, bool Method);
  bool wrapElementAfterIndex(const clang::Expr *Access);
  void wrapWithBarrier(const clang::Expr *Object, const clang::Expr *Access, bool Method,
                       clang::QualType ObjectType);
  llvm::StringRef barrierOpen(const clang::Expr *Access, bool Method) const;
  std::string barrierClose(const clang::Expr *Access, bool Method) const;
  void countBarrier(llvm::StringRef Open);

  llvm::DenseSet<const clang::Expr *> Callees; // member expressions that are called
  // `this` translated by a barrier: not a value to make canonical.
  llvm::DenseSet<const clang::CXXThisExpr *> ConsumedThis;
};

} // namespace stmify

#endif
