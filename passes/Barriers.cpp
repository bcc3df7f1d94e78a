// Barriers: every access to a managed object goes through the calling
// thread's segment. Field reads get stm::rd, field writes stm::wr (with the
// site for conflict reports), calls of a managed object's methods stm::loc
// (the method body carries its own barriers; the call itself may read the
// vptr), and `this` used as a value becomes canonical again with stm::canon.
#include "Instrumenter.h"
#include "Names.h"

using namespace clang;

namespace stmify {

Managed Instrumenter::classifyBase(const Expr *Base, bool Arrow) const {
  if (!Base)
    return Managed::No;
  // A field of an unmanaged base, reached through a managed object: the
  // derived-to-base conversion hides that the object is managed.
  Managed Result = Managed::No;
  for (const Expr *E = Base; E;) {
    Managed M = Arrow ? classifyPointee(E->getType()) : classifyObjectType(E->getType());
    if (M == Managed::Yes)
      return M;
    if (M == Managed::Maybe)
      Result = M;
    const auto *Cast = dyn_cast<ImplicitCastExpr>(E->IgnoreParens());
    if (!Cast ||
        (Cast->getCastKind() != CK_DerivedToBase &&
         Cast->getCastKind() != CK_UncheckedDerivedToBase && Cast->getCastKind() != CK_NoOp))
      break;
    E = Cast->getSubExpr();
  }
  return Result;
}

llvm::StringRef Instrumenter::barrierOpen(const Expr *Access, bool Method) const {
  if (Method)
    return names::TranslateBarrier;
  return WrittenAccesses.contains(Access) ? names::WriteBarrier : names::ReadBarrier;
}

std::string Instrumenter::barrierClose(const Expr *Access, bool Method) const {
  if (Method || !WrittenAccesses.contains(Access))
    return ")";
  return ", " + quoted(site(Access->getBeginLoc())) + ")";
}

void Instrumenter::barrierForMember(const Expr *E, const Expr *Base, bool Arrow, bool ImplicitThis,
                                    bool Method) {
  if (ImplicitThis) {
    if (Method)
      return; // `this` already points into the caller's segment
    QualType ThisType = Base ? Base->IgnoreImpCasts()->getType() : QualType();
    if (const auto *D = dyn_cast<CXXDependentScopeMemberExpr>(E))
      ThisType = D->getBaseType();
    if (classifyPointee(ThisType) == Managed::No)
      return;
    auto Where = Edits.locatePoint(E->getBeginLoc());
    if (!Where) {
      if (inOwnCode(E->getBeginLoc()) && reportableAccess(E, classifyPointee(ThisType)))
        Diags.report(Diag::AccessInMacro, E->getBeginLoc(), {typeName(ThisType->getPointeeType())},
                     E->getSourceRange());
      return;
    }
    llvm::StringRef Open = barrierOpen(E, false);
    bool Write = Open == names::WriteBarrier;
    Edits.insertPrefix(Where->File, Where->Begin,
                       Open.str() + "this" + (Write ? ", " + quoted(site(E->getBeginLoc())) : "") +
                           ")->");
    ++(Write ? Counts.Writes : Counts.Reads);
    return;
  }
  Managed M = classifyBase(Base, Arrow);
  if (M == Managed::No)
    return;
  const Expr *Stripped = Base->IgnoreParenImpCasts();
  if (!Arrow) {
    if (const auto *U = dyn_cast<UnaryOperator>(Stripped); U && U->getOpcode() == UO_Deref)
      return; // the dereference carries the barrier
    if (const auto *Ref = dyn_cast<DeclRefExpr>(Stripped))
      if (const auto *VD = dyn_cast<VarDecl>(Ref->getDecl());
          VD && !VD->getType()->isReferenceType())
        return; // a managed object by value: diagnosed at its declaration
  }
  if (const auto *This = dyn_cast<CXXThisExpr>(Stripped))
    ConsumedThis.insert(This);
  wrapWithBarrier(Base, E, Method, Arrow ? Base->getType()->getPointeeType() : Base->getType());
}

// Wraps the expression that designates the object of Access in the barrier
// Access needs: a translation for a method call, else a read or a write.
void Instrumenter::wrapWithBarrier(const Expr *Object, const Expr *Access, bool Method,
                                   QualType ObjectType) {
  if (!wrapExpr(Object, barrierOpen(Access, Method), barrierClose(Access, Method), ObjectType))
    return;
  if (Method)
    ++Counts.Translations;
  else
    ++(WrittenAccesses.contains(Access) ? Counts.Writes : Counts.Reads);
}

void Instrumenter::barrierForDeref(const UnaryOperator *E) {
  const Expr *Pointer = E->getSubExpr();
  if (classifyPointee(Pointer->getType()) == Managed::No)
    return;
  const auto *This = dyn_cast<CXXThisExpr>(Pointer->IgnoreParenImpCasts());
  if (This)
    ConsumedThis.insert(This);
  if (BoundDerefs.contains(E)) {
    // A reference to the whole object stays canonical, like a pointer.
    if (This)
      wrapExpr(Pointer, names::Canonical, ")", Pointer->getType()->getPointeeType());
    return;
  }
  // (*p).f: the member access decides between reading, writing and calling.
  const Expr *Access = E;
  bool Method = false;
  for (unsigned Up = 1;; ++Up) {
    const Stmt *P = parentStmt(Up);
    // (*p).f() of a const or inherited method converts the object first.
    if (P && (isa<ParenExpr>(P) || isa<ImplicitCastExpr>(P)))
      continue;
    if (const auto *M = dyn_cast_or_null<MemberExpr>(P); M && !M->isArrow()) {
      Access = M;
      Method = isa<CXXMethodDecl>(M->getMemberDecl());
    } else if (const auto *D = dyn_cast_or_null<CXXDependentScopeMemberExpr>(P);
               D && !D->isArrow()) {
      Access = D;
      Method = Callees.contains(D);
    }
    break;
  }
  wrapWithBarrier(Pointer, Access, Method, Pointer->getType()->getPointeeType());
}

// dynamic_cast reads the object's vptr: the operand is translated, and a
// pointer result made canonical again.
void Instrumenter::barrierForDynamicCast(const CXXDynamicCastExpr *E) {
  const Expr *Operand = E->getSubExprAsWritten();
  bool Pointer = E->getType()->isPointerType();
  Managed M =
      Pointer ? classifyPointee(Operand->getType()) : classifyObjectType(Operand->getType());
  if (M == Managed::No)
    return;
  if (const auto *U = dyn_cast<UnaryOperator>(Operand->IgnoreParens());
      !Pointer && U && U->getOpcode() == UO_Deref)
    return; // the dereference carries the barrier
  QualType Object = Pointer ? Operand->getType()->getPointeeType() : Operand->getType();
  if (!wrapExpr(Operand, names::TranslateBarrier, ")", Object))
    return;
  ++Counts.Translations;
  if (Pointer)
    wrapExpr(E, names::Canonical, ")", Object);
}

void Instrumenter::canonicalThis(const CXXThisExpr *E) {
  if (E->isImplicit() || ConsumedThis.contains(E))
    return;
  if (const Stmt *Parent = parentStmt(1); Parent && isa<LambdaExpr>(Parent))
    return; // a [this] capture: uses inside the lambda are instrumented there
  if (classifyPointee(E->getType()) == Managed::No)
    return;
  wrapExpr(E, names::Canonical, ")", E->getType()->getPointeeType());
}

// A member pointer into a managed class, or a class template instantiated
// with one (std::mem_fn's result): library code applies it to the objects it
// is given, without barriers. The kind of member decides which barrier.
static const MemberPointerType *managedMemberPointer(QualType T) {
  const auto *M = T.getNonReferenceType()->getAs<MemberPointerType>();
  if (!M || classifyObjectType(QualType(M->getClass(), 0)) == Managed::No)
    return nullptr;
  return M;
}

static const MemberPointerType *managedMemberPointerIn(const CXXRecordDecl *C) {
  for (; C; C = dyn_cast<CXXRecordDecl>(C->getDeclContext())) {
    if (const auto *Spec = dyn_cast<ClassTemplateSpecializationDecl>(C))
      for (const TemplateArgument &A : Spec->getTemplateArgs().asArray())
        if (A.getKind() == TemplateArgument::Type)
          if (const MemberPointerType *M = managedMemberPointer(A.getAsType()))
            return M;
    bool Found = false;
    const MemberPointerType *Result = nullptr;
    if (C->hasDefinition())
      C->forallBases([&](const CXXRecordDecl *B) {
        if (!Found)
          if ((Result = managedMemberPointerIn(B)))
            Found = true;
        return true;
      });
    if (Found)
      return Result;
  }
  return nullptr;
}

// std::invoke(&Node::value, n), std::mem_fn(&Node::value)(n): the library
// reads (or writes) the field through n, so n is passed translated, with a
// write barrier unless the object is const (the result may be written), or
// translated only for a member function (its body has its barriers).
void Instrumenter::translateMemberPointerArguments(const CallExpr *E) {
  const FunctionDecl *Callee = E->getDirectCallee();
  if (!Callee || !SM.isInSystemHeader(SM.getExpansionLoc(Callee->getLocation())))
    return;
  const MemberPointerType *Member = nullptr;
  for (const Expr *Arg : E->arguments())
    if ((Member = managedMemberPointer(Arg->getType())))
      break;
  if (!Member)
    if (const auto *Method = dyn_cast<CXXMethodDecl>(Callee))
      Member = managedMemberPointerIn(Method->getParent());
  if (!Member)
    return;
  unsigned First = isa<CXXOperatorCallExpr>(E) && isa<CXXMethodDecl>(Callee) ? 1 : 0;
  for (unsigned I = First; I < E->getNumArgs(); ++I) {
    const Expr *Arg = E->getArg(I)->IgnoreParenImpCasts();
    QualType T = Arg->getType();
    if (!T->isPointerType() || classifyPointee(T) == Managed::No)
      continue;
    llvm::StringRef Open = names::TranslateBarrier;
    std::string Close = ")";
    if (!Member->isMemberFunctionPointer()) {
      bool Const = T->getPointeeType().isConstQualified();
      Open = Const ? names::ReadBarrier : names::WriteBarrier;
      Close = Const ? ")" : ", " + quoted(site(Arg->getBeginLoc())) + ")";
    }
    if (wrapExpr(Arg, Open, Close, T->getPointeeType()))
      ++(Open == names::TranslateBarrier ? Counts.Translations
         : Open == names::ReadBarrier    ? Counts.Reads
                                         : Counts.Writes);
  }
}

} // namespace stmify
