// Declarations the managed heap cannot support: a managed object that is not
// on the managed heap (a local, global, parameter or member by value), and a
// managed class with a member that owns unmanaged memory (the collector frees
// managed objects without running their destructors).
#include "ManagedDeclarations.h"

#include "ManagedTypes.h"

using namespace clang;

namespace stmify {

void ManagedDeclarationRule::checkByValue(const DeclaratorDecl *D, const char *What) {
  if (D->isImplicit() || !Ctx.inOwnCode(D->getLocation()))
    return;
  QualType T = D->getType();
  while (const auto *A = Ctx.AST.getAsArrayType(T))
    T = A->getElementType();
  if (T->isReferenceType() || T->isPointerType() || T->isDependentType())
    return;
  const CXXRecordDecl *R = T->getAsCXXRecordDecl();
  if (!R || classifyRecord(R) != Managed::Yes)
    return;
  Ctx.Diags.report(Diag::ManagedByValue, D->getLocation(), {What, Ctx.typeName(T)},
                   D->getSourceRange());
}

void ManagedDeclarationRule::checkClassMembers(const CXXRecordDecl *D) {
  if (!D->isThisDeclarationADefinition() || D->isImplicit() || !Ctx.inOwnCode(D->getLocation()))
    return;
  if (classifyRecord(D) != Managed::Yes)
    return;
  if (const CXXDestructorDecl *Dtor = D->getDestructor();
      Dtor && Dtor->isUserProvided() && !Dtor->isImplicit())
    Ctx.Diags.report(Diag::ManagedDestructor, Dtor->getLocation(), {D->getNameAsString()},
                     Dtor->getSourceRange());
  for (const FieldDecl *F : D->fields()) {
    QualType T = F->getType().getCanonicalType();
    while (const auto *A = dyn_cast<ArrayType>(T.getTypePtr()))
      T = A->getElementType().getCanonicalType();
    if (const auto *U = T->getAsRecordDecl(); U && U->isUnion())
      for (const FieldDecl *Member : U->fields())
        if (mayHoldManagedReferences(Member->getType())) {
          Ctx.Diags.report(Diag::UntraceableMember, F->getLocation(),
                           {D->getNameAsString(), F->getNameAsString(), Ctx.typeName(F->getType())},
                           F->getSourceRange());
          break;
        }
    if (!ownsUnmanagedMemory(F->getType()))
      continue;
    Ctx.Diags.report(Diag::UnmanagedMember, F->getLocation(),
                     {D->getNameAsString(), F->getNameAsString(), Ctx.typeName(F->getType())},
                     F->getSourceRange());
  }
}

void ManagedDeclarationRule::checkBaseConversion(const CastExpr *E) {
  if (E->getCastKind() != CK_DerivedToBase && E->getCastKind() != CK_UncheckedDerivedToBase)
    return;
  QualType To = E->getType(), From = E->getSubExpr()->getType();
  bool Pointer = To->isPointerType();
  Managed FromManaged = Pointer ? classifyPointee(From) : classifyObjectType(From);
  Managed ToManaged = Pointer ? classifyPointee(To) : classifyObjectType(To);
  if (FromManaged != Managed::Yes || ToManaged != Managed::No)
    return;
  // The base of a member access gets the object's barrier (Barriers.cpp).
  for (unsigned Up = 1;; ++Up) {
    const Stmt *P = Ctx.parentStmt(Up);
    if (P && (isa<ParenExpr>(P) || isa<ImplicitCastExpr>(P)))
      continue;
    if (const auto *M = dyn_cast_or_null<MemberExpr>(P);
        M && !isa<CXXMethodDecl>(M->getMemberDecl()))
      return;
    break;
  }
  QualType FromObject = Pointer ? From->getPointeeType() : From.getNonReferenceType();
  QualType ToObject = Pointer ? To->getPointeeType() : To.getNonReferenceType();
  Ctx.Diags.report(Diag::UnmanagedBaseReference, E->getBeginLoc(),
                   {Ctx.typeName(FromObject), Ctx.typeName(ToObject)}, E->getSourceRange());
}

bool ManagedDeclarationRule::checkCaptures(const LambdaExpr *L) {
  // [*this] copies the object into the closure: a managed object by value.
  for (const LambdaCapture &Capture : L->explicit_captures()) {
    if (Capture.getCaptureKind() != LCK_StarThis || !Ctx.inOwnCode(Capture.getLocation()))
      continue;
    QualType This;
    for (auto S = Ctx.scopes().rbegin(); S != Ctx.scopes().rend() && This.isNull(); ++S)
      if (const auto *M = dyn_cast<CXXMethodDecl>(S->Function); M && !M->getParent()->isLambda())
        This = Ctx.AST.getRecordType(M->getParent());
    if (!This.isNull() && classifyObjectType(This) == Managed::Yes) {
      Ctx.Diags.report(Diag::ManagedByValue, Capture.getLocation(),
                       {"capture [*this]", Ctx.typeName(This)});
      return false;
    }
  }
  return true;
}

} // namespace stmify
