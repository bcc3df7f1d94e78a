// Declarations the managed heap cannot support: a managed object that is not
// on the managed heap (a local, global, parameter or member by value), and a
// managed class with a member that owns unmanaged memory (the collector frees
// managed objects without running their destructors).
#include "Instrumenter.h"

using namespace clang;

namespace stmify {

void Instrumenter::checkManagedByValue(const DeclaratorDecl *D, const char *What) {
  if (D->isImplicit() || !inOwnCode(D->getLocation()))
    return;
  QualType T = D->getType();
  while (const auto *A = AST.getAsArrayType(T))
    T = A->getElementType();
  if (T->isReferenceType() || T->isPointerType() || T->isDependentType())
    return;
  const CXXRecordDecl *R = T->getAsCXXRecordDecl();
  if (!R || classifyRecord(R) != Managed::Yes)
    return;
  Diags.report(Diag::ManagedByValue, D->getLocation(),
               {What, T.getUnqualifiedType().getAsString()}, D->getSourceRange());
}

void Instrumenter::checkManagedClassMembers(const CXXRecordDecl *D) {
  if (!D->isThisDeclarationADefinition() || D->isImplicit() || !inOwnCode(D->getLocation()))
    return;
  if (classifyRecord(D) != Managed::Yes)
    return;
  for (const FieldDecl *F : D->fields()) {
    if (!ownsUnmanagedMemory(F->getType()))
      continue;
    Diags.report(Diag::UnmanagedMember, F->getLocation(),
                 {D->getNameAsString(), F->getNameAsString(),
                  F->getType().getUnqualifiedType().getAsString()},
                 F->getSourceRange());
  }
}

} // namespace stmify
