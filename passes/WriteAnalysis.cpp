// Analysis phase: which managed accesses write (they need stm::wr), which
// writes reach unmanaged shared memory (they need an inevitability hook),
// which locals outside an atomic block the block writes (they are restored on
// abort), and where the address of a managed field escapes.
#include "Instrumenter.h"

using namespace clang;

namespace stmify {

const Expr *Instrumenter::strip(const Expr *E) {
  while (E) {
    if (const auto *P = dyn_cast<ParenExpr>(E)) {
      E = P->getSubExpr();
      continue;
    }
    if (const auto *C = dyn_cast<ImplicitCastExpr>(E)) {
      switch (C->getCastKind()) {
      case CK_NoOp:
      case CK_ArrayToPointerDecay:
      case CK_DerivedToBase:
      case CK_UncheckedDerivedToBase:
        E = C->getSubExpr();
        continue;
      default:
        return E;
      }
    }
    if (const auto *M = dyn_cast<MaterializeTemporaryExpr>(E)) {
      E = M->getSubExpr();
      continue;
    }
    return E;
  }
  return E;
}

bool Instrumenter::isManagedFieldAccess(const Expr *E) const {
  E = strip(E);
  if (const auto *M = dyn_cast<MemberExpr>(E)) {
    if (!isa<FieldDecl>(M->getMemberDecl()) && !isa<IndirectFieldDecl>(M->getMemberDecl()))
      return false;
    return classifyBase(M->getBase(), M->isArrow() || M->isImplicitAccess()) != Managed::No;
  }
  if (const auto *D = dyn_cast<CXXDependentScopeMemberExpr>(E)) {
    if (D->isImplicitAccess())
      return classifyPointee(D->getBaseType()) != Managed::No;
    return classifyBase(D->getBase(), D->isArrow()) != Managed::No;
  }
  return false;
}

bool Instrumenter::isManagedAccess(const Expr *E) const {
  E = strip(E);
  if (const auto *U = dyn_cast<UnaryOperator>(E))
    return U->getOpcode() == UO_Deref && classifyPointee(U->getSubExpr()->getType()) != Managed::No;
  if (const auto *B = dyn_cast<BinaryOperator>(E)) // p->*member, object.*member
    return (B->getOpcode() == BO_PtrMemI &&
            classifyPointee(B->getLHS()->getType()) != Managed::No) ||
           (B->getOpcode() == BO_PtrMemD &&
            classifyObjectType(B->getLHS()->getType()) != Managed::No);
  return isManagedFieldAccess(E);
}

// A field of a managed object, or an element of one (b->items[i]).
bool Instrumenter::isPartOfManagedField(const Expr *E) const {
  E = E->IgnoreParens();
  while (const auto *S = dyn_cast<ArraySubscriptExpr>(E))
    E = S->getBase()->IgnoreParenImpCasts();
  return isManagedFieldAccess(E);
}

void Instrumenter::writeTargets(const Expr *LValue, SmallVectorImpl<const Expr *> &Out) const {
  const Expr *E = strip(LValue);
  if (!E)
    return;
  if (const auto *C = dyn_cast<ConditionalOperator>(E)) {
    writeTargets(C->getTrueExpr(), Out);
    writeTargets(C->getFalseExpr(), Out);
    return;
  }
  if (isManagedAccess(E)) {
    Out.push_back(E);
    // In a template, x.f where x is a field (b->pos.x) is an access through
    // a reference member in some instantiations and a part of the enclosing
    // object in others: the enclosing object is written too.
    if (const auto *D = dyn_cast<CXXDependentScopeMemberExpr>(E);
        D && !D->isArrow() && !D->isImplicitAccess() && isPartOfManagedField(D->getBase()))
      writeTargets(D->getBase(), Out);
    return;
  }
  if (const auto *U = dyn_cast<UnaryOperator>(E); U && U->getOpcode() == UO_Deref) {
    // *(p->items + i): an element of an array field.
    const Expr *Pointer = U->getSubExpr()->IgnoreParens();
    while (const auto *B = dyn_cast<BinaryOperator>(Pointer)) {
      if (B->getOpcode() != BO_Add && B->getOpcode() != BO_Sub)
        break;
      Pointer =
          (B->getLHS()->getType()->isPointerType() ? B->getLHS() : B->getRHS())->IgnoreParens();
    }
    if (const auto *Decay = dyn_cast<ImplicitCastExpr>(Pointer);
        Decay && Decay->getCastKind() == CK_ArrayToPointerDecay &&
        isManagedFieldAccess(Decay->getSubExpr())) {
      writeTargets(Decay->getSubExpr(), Out);
      return;
    }
  }
  // An accessor (v[i], v.at(i), v.front()) returns a part of its object:
  // writing the result writes the object.
  if (const auto *Call = dyn_cast<CallExpr>(E)) {
    const auto *Method = dyn_cast_or_null<CXXMethodDecl>(Call->getDirectCallee());
    const Expr *Object = calledObject(Call);
    if (Method && Object && !Method->isStatic() && Method->getReturnType()->isReferenceType() &&
        hasConstTwin(Method)) {
      writeTargets(Object, Out);
      return;
    }
  }
  if (const auto *S = dyn_cast<ArraySubscriptExpr>(E)) {
    const Expr *Base = S->getBase()->IgnoreParens();
    if (const auto *Decay = dyn_cast<ImplicitCastExpr>(Base))
      if (Decay->getCastKind() == CK_ArrayToPointerDecay) {
        writeTargets(Decay->getSubExpr(), Out);
        return;
      }
    // An array field of dependent type is subscripted without a decay.
    if (Base->isTypeDependent() && isPartOfManagedField(Base)) {
      writeTargets(Base, Out);
      return;
    }
    Out.push_back(E);
    return;
  }
  if (const auto *M = dyn_cast<MemberExpr>(E))
    if (!M->isArrow() && !M->isImplicitAccess()) {
      writeTargets(M->getBase(), Out);
      return;
    }
  if (const auto *D = dyn_cast<CXXDependentScopeMemberExpr>(E))
    if (!D->isArrow() && !D->isImplicitAccess()) {
      writeTargets(D->getBase(), Out);
      return;
    }
  if (const auto *B = dyn_cast<BinaryOperator>(E))
    if (B->getOpcode() == BO_Comma) {
      writeTargets(B->getRHS(), Out);
      return;
    }
  Out.push_back(E);
}

static bool declaredWithin(const Decl *D, const DeclContext *Context) {
  for (const DeclContext *DC = D->getDeclContext(); DC; DC = DC->getParent())
    if (DC == Context)
      return true;
  return false;
}

bool Instrumenter::restorableByCopy(const VarDecl *VD, const Expr *LValue) const {
  if (VD->getType().isTriviallyCopyableType(AST))
    return true;
  const Expr *E = strip(LValue);
  if (!isa<MemberExpr>(E) || !E->getType().isTriviallyCopyableType(AST))
    return false;
  for (const auto *M = dyn_cast<MemberExpr>(E); M; M = dyn_cast<MemberExpr>(strip(M->getBase())))
    if (M->isArrow())
      return false;
  return true;
}

const VarDecl *Instrumenter::outerLocal(const Expr *Target) const {
  const auto *Ref = dyn_cast<DeclRefExpr>(strip(Target));
  if (!Ref)
    return nullptr;
  const auto *VD = dyn_cast<VarDecl>(Ref->getDecl());
  if (!VD || !VD->hasLocalStorage() || VD->getType()->isReferenceType())
    return nullptr;
  const FunctionScope *Block = atomicBlock();
  return Block && !declaredWithin(VD, Block->Function) ? VD : nullptr;
}

// The innermost atomic block whose body is being traversed.
const Instrumenter::FunctionScope *Instrumenter::atomicBlock() const {
  for (auto S = Scopes.rbegin(); S != Scopes.rend(); ++S)
    if (S->AtomicBody)
      return &*S;
  return nullptr;
}

bool Instrumenter::isFunctionLocalObject(const Expr *Object) const {
  const Expr *E = strip(Object);
  while (const auto *M = dyn_cast_or_null<MemberExpr>(E)) {
    if (M->isArrow())
      return false;
    E = strip(M->getBase());
  }
  const auto *Ref = dyn_cast_or_null<DeclRefExpr>(E);
  if (!Ref || !scope())
    return false;
  const auto *VD = dyn_cast<VarDecl>(Ref->getDecl());
  return VD && VD->hasLocalStorage() && !VD->getType()->isReferenceType() &&
         !isa<ParmVarDecl>(VD) && declaredWithin(VD, scope()->Function);
}

void Instrumenter::analyzeWrite(const Expr *Operation, const Expr *LValue) {
  analyzeWriteTargets(Operation, LValue);
  if (HookedWrites.count(Operation))
    noteHookInNoexcept();
}

void Instrumenter::analyzeWriteTargets(const Expr *Operation, const Expr *LValue) {
  SmallVector<const Expr *, 2> Targets;
  writeTargets(LValue, Targets);
  for (const Expr *T : Targets) {
    if (isManagedAccess(T)) {
      WrittenAccesses.insert(T);
      continue;
    }
    if (!inFunctionBody() || scope()->Constexpr)
      continue;
    if (const auto *Ref = dyn_cast<DeclRefExpr>(T)) {
      const auto *VD = dyn_cast<VarDecl>(Ref->getDecl());
      if (!VD)
        continue;
      if (VD->hasLocalStorage() && !VD->getType()->isReferenceType()) {
        if (outerLocal(T)) {
          // Saved at the block's start when a byte copy can restore it (the
          // variable, or the plain member written); otherwise the block
          // becomes inevitable before writing it.
          if (restorableByCopy(VD, LValue)) {
            OuterLocalWrites[atomicBlock()->Lambda].push_back({VD, LValue});
          } else {
            HookedWrites[Operation] =
                "write to '" + VD->getNameAsString() + "', declared outside the atomic block,";
          }
        }
        continue;
      }
      if (VD->getType()->isReferenceType() && VD->hasLocalStorage() &&
          classifyObjectType(VD->getType()) != Managed::No)
        continue;
      HookedWrites[Operation] = VD->hasGlobalStorage()
                                    ? "write to '" + VD->getNameAsString() + "'"
                                    : "write through reference '" + VD->getNameAsString() + "'";
      continue;
    }
    // An element of a container the function owns (local[i] = x).
    const Expr *Object = isa<CallExpr>(T) ? calledObject(cast<CallExpr>(T)) : nullptr;
    if (Object && isOwnedObject(Object))
      continue;
    // Writes through `this` of an unmanaged class: the caller decided
    // whether calling this method needs a hook (see classifyCall).
    if (const auto *M = dyn_cast<MemberExpr>(T))
      if (isa<CXXThisExpr>(M->getBase()->IgnoreParenImpCasts()))
        continue;
    HookedWrites[Operation] = T->getType().isVolatileQualified()
                                  ? "volatile write"
                                  : "write to memory outside the managed heap";
  }
}

void Instrumenter::analyzeBinding(const Expr *Bound, bool Mutable, bool CallArgument,
                                  const FunctionDecl *Callee, const char *What) {
  SmallVector<const Expr *, 2> Targets;
  writeTargets(Bound, Targets);
  for (const Expr *T : Targets) {
    if (!isManagedAccess(T))
      continue;
    const auto *Deref = dyn_cast<UnaryOperator>(T);
    if (Deref) { // the whole object: references to it are canonical
      if (!CallArgument)
        BoundDerefs.insert(T);
      else if (Mutable)
        WrittenAccesses.insert(T);
      continue;
    }
    // A callee that reaches no safe point (library code, implicit and
    // trivial members, small functions that neither call nor loop) cannot
    // outlive the segment a field reference points into.
    bool CalleeHasSafePoints = Callee && !Callee->isImplicit() && !Callee->isTrivial() &&
                               classifyCallee(Callee, nullptr) == CallKind::Safe &&
                               inOwnCode(Callee->getLocation()) && mayReachSafePoint(Callee);
    if (CallArgument && !CalleeHasSafePoints) {
      if (Mutable)
        WrittenAccesses.insert(T);
      continue;
    }
    if (!EscapeChecked.insert(T).second)
      continue;
    if (!reportableAccess(T, Managed::Maybe))
      continue;
    QualType Object = T->getType();
    if (const auto *M = dyn_cast<MemberExpr>(T))
      Object = M->isImplicitAccess() || M->isArrow() ? M->getBase()->getType()->getPointeeType()
                                                     : M->getBase()->getType();
    Diags.report(Diag::FieldAddressEscapes, T->getBeginLoc(), {What, typeName(Object)},
                 T->getSourceRange());
  }
}

void Instrumenter::analyzeCallArguments(const CallExpr *E) {
  const FunctionDecl *Callee = E->getDirectCallee();
  if (!Callee)
    return;
  const Expr *Object = calledObject(E);
  unsigned FirstArg = isa<CXXOperatorCallExpr>(E) && isa<CXXMethodDecl>(Callee) ? 1 : 0;
  // A call of a managed object's own method gets a translation barrier; one
  // on a subobject of a managed object binds `this` to a field.
  // Compiler-generated members of a managed class (the implicit copy
  // assignment, say) have no barriers of their own: the object needs them.
  if (Object && classifyObjectType(Object->getType()) != Managed::No)
    if (const auto *Method = dyn_cast<CXXMethodDecl>(Callee);
        Method && !Method->isStatic() && !Method->isConst() &&
        (Method->isImplicit() || Method->isDefaulted()))
      if (isa<UnaryOperator>(strip(Object)))
        WrittenAccesses.insert(strip(Object));
  if (Object && classifyObjectType(Object->getType()) == Managed::No)
    if (const auto *Method = dyn_cast<CXXMethodDecl>(Callee); Method && !Method->isStatic()) {
      // An accessor reads; a write through its result is found as a write.
      analyzeBinding(Object, !Method->isConst() && !hasConstTwin(Method), true, Callee,
                     "the address of");
      // A method that may modify a local outside the atomic block: save the
      // local (when it can be copied back) instead of becoming inevitable.
      if (!Method->isConst())
        if (const VarDecl *VD = outerLocal(Object))
          if (VD->getType().isTriviallyCopyableType(AST))
            OuterLocalWrites[atomicBlock()->Lambda].push_back({VD, Object});
    }
  for (unsigned I = FirstArg; I < E->getNumArgs(); ++I) {
    unsigned ParamIndex = I - FirstArg;
    if (ParamIndex >= Callee->getNumParams())
      break;
    QualType ParamType = Callee->getParamDecl(ParamIndex)->getType();
    if (!ParamType->isReferenceType())
      continue;
    bool Mutable = !ParamType->getPointeeType().isConstQualified();
    analyzeBinding(E->getArg(I), Mutable, true, Callee, "a reference to");
  }
}

bool Instrumenter::reportableAccess(const Expr *Access, Managed M) const {
  if (!Access->isTypeDependent() && !Access->isValueDependent() && M != Managed::Maybe)
    return true;
  if (const auto *ME = dyn_cast<MemberExpr>(Access))
    if (classifyBase(ME->getBase(), ME->isArrow()) == Managed::Yes)
      return true;
  return ManagedInInstantiations.count(accessLocation(Access).getRawEncoding()) > 0;
}

// The object a call runs a method on, when it is an object rather than a
// pointer: x.f(), x[i] (a member operator); null for p->f() and free calls.
const Expr *Instrumenter::calledObject(const CallExpr *E) const {
  if (const auto *Member = dyn_cast<CXXMemberCallExpr>(E)) {
    const auto *ME = dyn_cast<MemberExpr>(Member->getCallee()->IgnoreParens());
    return ME && !ME->isArrow() ? Member->getImplicitObjectArgument() : nullptr;
  }
  if (isa<CXXOperatorCallExpr>(E) && isa_and_nonnull<CXXMethodDecl>(E->getDirectCallee()) &&
      E->getNumArgs() > 0)
    return E->getArg(0);
  return nullptr;
}

// Whether the expression being visited is (up to parentheses and implicit
// conversions) an argument of a call or construction, and of which callee.
bool Instrumenter::isCallArgument(const FunctionDecl *&Callee) const {
  Callee = nullptr;
  for (unsigned Up = 1;; ++Up) {
    const Stmt *P = parentStmt(Up);
    if (!P)
      return false;
    if (isa<ParenExpr>(P) || isa<ImplicitCastExpr>(P) || isa<MaterializeTemporaryExpr>(P) ||
        isa<CXXBindTemporaryExpr>(P))
      continue;
    if (const auto *Call = dyn_cast<CallExpr>(P)) {
      Callee = Call->getDirectCallee();
      return true;
    }
    if (const auto *Construct = dyn_cast<CXXConstructExpr>(P)) {
      Callee = Construct->getConstructor();
      return true;
    }
    return false;
  }
}

} // namespace stmify
