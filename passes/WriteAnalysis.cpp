// Analysis phase: which managed accesses write (they need stm::wr), which
// writes reach unmanaged shared memory (they need an inevitability hook),
// which locals outside an atomic block the block writes (they are restored on
// abort), and where the address of a managed field escapes.
#include "Analysis.h"
#include "KnownFunctions.h"

#include "clang/AST/RecursiveASTVisitor.h"

using namespace clang;

namespace stmify {

bool Analysis::isManagedAccess(const Expr *E) const {
  E = strip(E);
  if (isa<CallExpr>(E) || isa<ArraySubscriptExpr>(E))
    if (isFieldAccessorCall(E))
      return true;
  if (isa<CallExpr>(E))
    return false;
  if (const auto *U = dyn_cast<UnaryOperator>(E))
    return U->getOpcode() == UO_Deref && classifyPointee(U->getSubExpr()->getType()) != Managed::No;
  if (const auto *B = dyn_cast<BinaryOperator>(E); B && B->isPtrMemOp())
    return classifyMemberPointerObject(B) != Managed::No;
  return isManagedFieldAccess(E);
}

// A field of a managed object, or an element of one (b->items[i]).
bool Analysis::isPartOfManagedField(const Expr *E) const {
  E = E->IgnoreParens();
  while (const auto *S = dyn_cast<ArraySubscriptExpr>(E))
    E = S->getBase()->IgnoreParenImpCasts();
  return isManagedFieldAccess(E);
}

// A member declared as a reference (`long &total;`) names memory outside
// its object, as a pointer member's target does.
static bool isReferenceMember(const MemberExpr *M) {
  const auto *Field = dyn_cast<FieldDecl>(M->getMemberDecl());
  return Field && Field->getType()->isReferenceType();
}

void Analysis::writeTargets(const Expr *LValue, SmallVectorImpl<const Expr *> &Out) const {
  const Expr *E = strip(LValue);
  if (!E || isContainerElement(E))
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
  if (isFieldAccessorCall(E)) {
    Out.push_back(E); // a field, with the barrier of the accessor's return
    return;
  }
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
    if (!M->isArrow() && !M->isImplicitAccess() && !isReferenceMember(M)) {
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
  // auto &[a, b] = local: writing a writes the local.
  if (const auto *Ref = dyn_cast<DeclRefExpr>(E); Ref && isa<BindingDecl>(Ref->getDecl()))
    if (const VarDecl *Decomposed = variableOf(Ref);
        Decomposed && Decomposed->getType()->isReferenceType() && Decomposed->getInit())
      if (const auto *Init = dyn_cast<DeclRefExpr>(strip(Decomposed->getInit()));
          Init && isa<VarDecl>(Init->getDecl())) {
        writeTargets(Init, Out);
        return;
      }
  Out.push_back(E);
}

static bool declaredWithin(const Decl *D, const DeclContext *Context) {
  if (!Context)
    return false;
  for (const DeclContext *DC = D->getDeclContext(); DC; DC = DC->getParent())
    if (DC == Context)
      return true;
  return false;
}

// The variable a name designates: a structured binding designates (part
// of) the hidden variable it decomposes.
const VarDecl *Analysis::variableOf(const DeclRefExpr *Ref) {
  if (const auto *B = dyn_cast<BindingDecl>(Ref->getDecl()))
    return dyn_cast_or_null<VarDecl>(B->getDecomposedDecl());
  return dyn_cast<VarDecl>(Ref->getDecl());
}

std::string Analysis::nameOf(const DeclRefExpr *Ref) { return Ref->getDecl()->getNameAsString(); }

// Whether a byte copy taken at the block's start restores what LValue
// writes: all of VD, or the plain member written (of VD, or of `*this` when
// VD is null). The member is saved by its text, so it must name the same
// object there: a chain of '.' members, at most one `this->` first.
bool Analysis::restorableByCopy(const VarDecl *VD, const Expr *LValue) const {
  if (VD && isRestorableByCopy(VD->getType(), Ctx.AST) && !isa<DecompositionDecl>(VD))
    return true;
  const Expr *E = strip(LValue);
  if (VD && isa<DecompositionDecl>(VD))
    return isa<DeclRefExpr>(E) && isRestorableByCopy(E->getType(), Ctx.AST);
  if (!isa<MemberExpr>(E) || !isRestorableByCopy(E->getType(), Ctx.AST))
    return false;
  for (const auto *M = dyn_cast<MemberExpr>(E); M; M = dyn_cast<MemberExpr>(strip(M->getBase())))
    if (M->isArrow() && !isa<CXXThisExpr>(strip(M->getBase())))
      return false;
  return true;
}

const VarDecl *Analysis::outerLocal(const Expr *Target) const {
  const auto *Ref = dyn_cast<DeclRefExpr>(strip(Target));
  if (!Ref)
    return nullptr;
  const VarDecl *VD = variableOf(Ref);
  if (!VD || !VD->hasLocalStorage() || VD->getType()->isReferenceType())
    return nullptr;
  return atomicBlock() && !declaredInTransaction(VD) ? VD : nullptr;
}

// The innermost atomic block whose body is being traversed. A commit or
// abort handler inside it runs after the block has ended: none.
const FunctionScope *Analysis::atomicBlock() const {
  for (auto S = Ctx.scopes().rbegin(); S != Ctx.scopes().rend(); ++S) {
    if (S->HandlerBody)
      return nullptr;
    if (S->AtomicBody)
      return &*S;
  }
  return nullptr;
}

// A local of the body of the outermost atomic block around the code: a
// nested block is part of that block's transaction, which makes the local
// again when it runs again, so the local is not saved (restoring it after
// the abort would write into a frame the abort has left). A commit or abort
// handler runs after its block has ended: a block inside it is a
// transaction of its own.
bool Analysis::declaredInTransaction(const VarDecl *VD) const {
  const FunctionScope *Outermost = nullptr;
  for (const FunctionScope &S : Ctx.scopes()) {
    if (S.HandlerBody)
      Outermost = nullptr;
    else if (S.AtomicBody && !Outermost)
      Outermost = &S;
  }
  return Outermost && declaredWithin(VD, Outermost->Function);
}

bool Analysis::isFunctionLocalObject(const Expr *Object) const {
  const Expr *E = strip(Object);
  while (const auto *M = dyn_cast_or_null<MemberExpr>(E)) {
    if (M->isArrow() || isReferenceMember(M))
      return false;
    E = strip(M->getBase());
  }
  const auto *Ref = dyn_cast_or_null<DeclRefExpr>(E);
  if (!Ref || !Ctx.scope())
    return false;
  const auto *VD = dyn_cast<VarDecl>(Ref->getDecl());
  // A local of an enclosing atomic block's body is the transaction's too.
  return VD && VD->hasLocalStorage() && !VD->getType()->isReferenceType() &&
         !isa<ParmVarDecl>(VD) &&
         (declaredWithin(VD, Ctx.scope()->Function) || declaredInTransaction(VD));
}

void Analysis::analyzeWrite(const Expr *Operation, const Expr *LValue) {
  analyzeWriteTargets(Operation, LValue);
  if (Facts.HookedWrites.count(Operation))
    noteHookInNoexcept();
}

void Analysis::analyzeWriteTargets(const Expr *Operation, const Expr *LValue) {
  SmallVector<const Expr *, 2> Targets;
  writeTargets(LValue, Targets);
  for (const Expr *T : Targets) {
    if (isManagedAccess(T)) {
      Facts.WrittenAccesses.insert(T);
      // *out = v in a template: unmanaged memory in some instantiations.
      if (Ctx.inFunctionBody() && !Ctx.scope()->Constexpr && writesUnmanagedInInstantiation(T))
        Facts.HookedWrites[Operation] = "write to memory outside the managed heap";
      continue;
    }
    if (!Ctx.inFunctionBody() || Ctx.scope()->Constexpr)
      continue;
    if (const auto *Ref = dyn_cast<DeclRefExpr>(T)) {
      const VarDecl *VD = variableOf(Ref);
      if (!VD)
        continue;
      if (VD->hasLocalStorage() && !VD->getType()->isReferenceType()) {
        if (outerLocal(T)) {
          // Saved at the block's start when a byte copy can restore it (the
          // variable, or the plain member written); otherwise the block
          // becomes inevitable before writing it.
          if (restorableByCopy(VD, LValue)) {
            Facts.OuterLocalWrites[atomicBlock()->Lambda].push_back({VD, LValue});
          } else {
            Facts.HookedWrites[Operation] =
                "write to '" + nameOf(Ref) + "', declared outside the atomic block,";
          }
        } else if (const LambdaExpr *L = capturingLambda(VD); L && !atomicBlock()) {
          // A lambda that writes a local it captured: an atomic block that
          // calls it must save the local (or become inevitable).
          CapturedWrites[L->getLambdaClass()].push_back({VD, LValue, Operation});
        }
        continue;
      }
      // A mutable member written through a const reference to a field, or a
      // const_cast: the binding gets the write barrier after all.
      if (const FieldReference *Named = fieldReferenceNamed(Ref)) {
        Facts.WrittenAccesses.insert(Named->Field);
        continue;
      }
      Managed Referenced = VD->getType()->isReferenceType() && VD->hasLocalStorage()
                               ? classifyObjectType(VD->getType())
                               : Managed::No;
      // A reference of dependent type (auto &, T &) binds an out-parameter
      // in the instantiations that make it unmanaged.
      if (Referenced == Managed::Yes ||
          (Referenced == Managed::Maybe && !writesUnmanagedInInstantiation(T)))
        continue;
      Facts.HookedWrites[Operation] =
          VD->hasGlobalStorage() ? "write to '" + VD->getNameAsString() + "'"
                                 : "write through reference '" + VD->getNameAsString() + "'";
      continue;
    }
    // An element of a container the function owns (local[i] = x).
    const Expr *Object = isa<CallExpr>(T) ? calledObject(cast<CallExpr>(T)) : nullptr;
    if (Object && isOwnedObject(Object))
      continue;
    // Writes through `this` of an unmanaged class: the caller decided
    // whether calling this method needs a hook (see classifyCall), unless
    // an atomic block or a lambda inside the method writes them.
    if (const auto *M = dyn_cast<MemberExpr>(T))
      if (isa<CXXThisExpr>(M->getBase()->IgnoreParenImpCasts()) && !isReferenceMember(M)) {
        analyzeMemberWriteInBlock(Operation, LValue, M);
        continue;
      }
    if (const auto *M = dyn_cast<MemberExpr>(T); M && isReferenceMember(M)) {
      Facts.HookedWrites[Operation] =
          "write through reference member '" + M->getMemberDecl()->getNameAsString() + "'";
      continue;
    }
    Facts.HookedWrites[Operation] = T->getType().isVolatileQualified()
                                        ? "volatile write"
                                        : "write to memory outside the managed heap";
  }
}

// A member of `*this` (an unmanaged object) written inside an atomic block
// or a lambda nested in the method: the caller's decision about the method
// call does not cover a block that runs again after an abort.
void Analysis::analyzeMemberWriteInBlock(const Expr *Operation, const Expr *LValue,
                                         const MemberExpr *Member) {
  const FunctionScope *Block = atomicBlock();
  const FunctionScope *Lambda = nullptr;
  for (auto S = Ctx.scopes().rbegin(); S != Ctx.scopes().rend() && S->Lambda; ++S)
    if (!Lambda)
      Lambda = &*S;
  if (!Lambda)
    return; // written by the method itself
  std::string Name = Member->getMemberDecl()->getNameAsString();
  if (Block && declaredWithin(Block->Lambda->getLambdaClass(), methodOfThis())) {
    if (restorableByCopy(nullptr, LValue))
      Facts.OuterLocalWrites[Block->Lambda].push_back({nullptr, LValue});
    else
      Facts.HookedWrites[Operation] = "write to member '" + Name + "' outside the atomic block,";
    return;
  }
  if (!Block)
    CapturedWrites[Lambda->Lambda->getLambdaClass()].push_back({nullptr, LValue, Operation});
}

// The method whose `this` the code being traversed uses.
const DeclContext *Analysis::methodOfThis() const {
  for (auto S = Ctx.scopes().rbegin(); S != Ctx.scopes().rend(); ++S)
    if (!S->Lambda)
      return S->Function;
  return nullptr;
}

// The innermost lambda being traversed that captured VD from outside.
const LambdaExpr *Analysis::capturingLambda(const VarDecl *VD) const {
  const LambdaExpr *Found = nullptr;
  for (auto S = Ctx.scopes().rbegin(); S != Ctx.scopes().rend() && S->Lambda; ++S) {
    if (declaredWithin(VD, S->Function))
      break;
    Found = S->Lambda;
  }
  return Found;
}

namespace {

// std::move(f), std::forward<F>(f), std::ref(f), std::cref(f): f itself,
// handed on to whatever takes the result.
bool handsOnItsArgument(const CallExpr *Call) {
  const FunctionDecl *Callee = Call->getDirectCallee();
  if (!Callee || Call->getNumArgs() != 1)
    return false;
  std::string Name = plainName(Callee);
  return Name == "std::move" || Name == "std::forward" || Name == "std::ref" || Name == "std::cref";
}

// The argument a call hands on as the callable, through handsOnItsArgument.
const Expr *handedOn(const Expr *Argument) {
  const Expr *E = Argument->IgnoreImplicit();
  while (const auto *Call = dyn_cast<CallExpr>(E)) {
    if (!handsOnItsArgument(Call))
      break;
    E = Call->getArg(0)->IgnoreImplicit();
  }
  return E;
}

// The lambda a local closure variable was initialised with.
const LambdaExpr *lambdaOfVariable(const ValueDecl *D) {
  const auto *VD = dyn_cast<VarDecl>(D);
  if (!VD || !VD->hasLocalStorage() || VD->getType()->isReferenceType() || !VD->getInit())
    return nullptr;
  const Expr *Init = VD->getInit()->IgnoreImplicit();
  if (const auto *Copy = dyn_cast<CXXConstructExpr>(Init);
      Copy && Copy->getNumArgs() == 1 && Copy->getConstructor()->getParent()->isLambda())
    Init = Copy->getArg(0)->IgnoreImplicit();
  return dyn_cast<LambdaExpr>(Init);
}

// Counts, for each local closure variable of the program's code, the places
// that name it and those among them that hand it to stm::atomic (or its
// siblings) or to transaction_queue::add.
class NamedBlockScan : public RecursiveASTVisitor<NamedBlockScan> {
public:
  struct Uses {
    unsigned All = 0, AsBlock = 0, AsTask = 0;
  };
  explicit NamedBlockScan(std::function<bool(SourceLocation)> OwnCode)
      : OwnCode(std::move(OwnCode)) {}
  bool TraverseDecl(Decl *D) {
    if (D && !isa<TranslationUnitDecl>(D) && D->getLocation().isValid() &&
        !OwnCode(D->getLocation()))
      return true;
    return RecursiveASTVisitor::TraverseDecl(D);
  }
  bool VisitCallExpr(CallExpr *E) {
    bool Block = isAtomicCall(E), Task = !Block && isTaskCall(E);
    if ((Block || Task) && E->getNumArgs() > 0)
      if (const auto *Ref = dyn_cast<DeclRefExpr>(handedOn(E->getArg(0)));
          Ref && lambdaOfVariable(Ref->getDecl()))
        ++(Block ? Variables[Ref->getDecl()].AsBlock : Variables[Ref->getDecl()].AsTask);
    return true;
  }
  bool VisitDeclRefExpr(DeclRefExpr *E) {
    if (lambdaOfVariable(E->getDecl()))
      ++Variables[E->getDecl()].All;
    return true;
  }
  std::map<const ValueDecl *, Uses> Variables;

private:
  std::function<bool(SourceLocation)> OwnCode;
};

} // namespace

// `auto step = [&] { ... }; stm::atomic(step);`: a lambda kept in a local
// and named only as blocks is their body, as if written in the call, so its
// writes to outer locals are saved as a block's are. Named anywhere else
// too, it may also run outside blocks: it stays an ordinary lambda, and its
// uses as a block make it an escaping closure. One named only as tasks is a
// task's body as one written in transaction_queue::add is (which keeps its
// segment), and escapes as that one does.
void Analysis::adoptNamedBlocks() {
  NamedBlockScan Scan([this](SourceLocation L) { return Ctx.inOwnCode(L); });
  Scan.TraverseAST(Ctx.AST);
  for (const auto &[Variable, Uses] : Scan.Variables) {
    const LambdaExpr *L = lambdaOfVariable(Variable);
    if (Uses.All == Uses.AsBlock) {
      Facts.AtomicLambdas.insert(L);
      AdoptedBlocks.insert(L->getLambdaClass());
    } else if (Uses.All == Uses.AsTask)
      Facts.TaskLambdas.insert(L);
  }
}

// A closure named otherwise than as the object of a call: it may be called
// anywhere, inside an atomic block too.
void Analysis::noteEscapingClosure(const Expr *E) {
  const CXXRecordDecl *Closure = E->getType().getNonReferenceType()->getAsCXXRecordDecl();
  if (!Closure || !Closure->isLambda())
    return;
  const Stmt *Parent = nullptr;
  for (unsigned Up = 1; (Parent = Ctx.parentStmt(Up)); ++Up)
    if (!isa<ImplicitCastExpr>(Parent) && !isa<ParenExpr>(Parent) &&
        !isa<MaterializeTemporaryExpr>(Parent) && !isa<CXXBindTemporaryExpr>(Parent) &&
        !(isa<CallExpr>(Parent) && handsOnItsArgument(cast<CallExpr>(Parent))))
      break;
  if (const auto *Call = dyn_cast_or_null<CXXOperatorCallExpr>(Parent);
      Call && Call->getOperator() == OO_Call && strip(Call->getArg(0)) == strip(E))
    return; // called right here
  // The atomic block itself, written in the call or adopted by
  // adoptNamedBlocks; a closure named as a block that also runs elsewhere
  // escapes.
  if (const auto *Call = dyn_cast_or_null<CallExpr>(Parent);
      Call && isAtomicCall(Call) && (isa<LambdaExpr>(strip(E)) || AdoptedBlocks.contains(Closure)))
    return;
  if (const auto *Call = dyn_cast_or_null<CallExpr>(Parent); Call && isHandlerCall(Call))
    return; // runs outside atomic blocks
  if (!Parent || isa<DeclStmt>(Parent) || isa<CompoundStmt>(Parent))
    return; // stored in a variable (its uses decide) or discarded
  // Library functions start no atomic block (a std::function called inside
  // one is hooked at that call). A library object that keeps the closure (a
  // std::function) may be handed to stm::atomic, which calls it unhooked.
  if (const auto *Call = dyn_cast<CallExpr>(Parent))
    if (const FunctionDecl *Callee = Call->getDirectCallee();
        Callee && Ctx.SM.isInSystemHeader(Ctx.SM.getExpansionLoc(Callee->getLocation())))
      return;
  EscapingClosures.insert(Closure);
}

// After the analysis: a lambda that may run inside an atomic block this
// file cannot see becomes inevitable before it writes a captured local; the
// hook does nothing outside atomic blocks.
void Analysis::hookWritesOfEscapingClosures() {
  for (const auto &[Closure, Writes] : CapturedWrites) {
    if (!EscapingClosures.contains(Closure))
      continue;
    for (const CapturedWrite &W : Writes)
      Facts.HookedWrites[W.Operation] =
          W.Variable ? "write to '" + W.Variable->getNameAsString() +
                           "', captured by a lambda that may run in an atomic block,"
                     : "write to a member of '*this' by a lambda that may run in an atomic block,";
  }
}

// Can the block's body name VD as the variable itself (by reference)? A
// preserve() of it at the block's start must: a block that captures only
// what it names (`[c, f]`) or captures by copy cannot.
static bool namesByReference(const LambdaExpr *Block, const VarDecl *VD) {
  for (const LambdaCapture &C : Block->captures())
    if (C.capturesVariable() && C.getCapturedVar() == VD)
      return C.getCaptureKind() == LCK_ByRef;
  return Block->getCaptureDefault() == LCD_ByRef;
}

// A call, inside an atomic block, of a lambda defined outside it that writes
// locals it captured: they are saved at the block's start, or the block
// becomes inevitable before the call.
void Analysis::analyzeLambdaCall(const CallExpr *E) {
  const FunctionScope *Block = atomicBlock();
  const auto *Method = dyn_cast_or_null<CXXMethodDecl>(E->getDirectCallee());
  if (!Block || !Method || !Method->getParent()->isLambda())
    return;
  auto Found = CapturedWrites.find(Method->getParent());
  if (Found == CapturedWrites.end())
    return;
  for (const CapturedWrite &W : Found->second) {
    const VarDecl *VD = W.Variable;
    if (VD && declaredInTransaction(VD))
      continue;
    if (VD && isRestorableByCopy(VD->getType(), Ctx.AST) && !isa<DecompositionDecl>(VD) &&
        namesByReference(Block->Lambda, VD)) {
      Facts.OuterLocalWrites[Block->Lambda].push_back({VD, W.LValue});
      continue;
    }
    std::string What = VD ? "'" + VD->getNameAsString() + "'" : "a member of '*this'";
    Facts.HookedWrites[E] = "call of a lambda that writes " + What + " outside the atomic block,";
  }
}

const Expr *Analysis::analyzeBinding(const Expr *Bound, bool Mutable, Binding Kind,
                                     const FunctionDecl *Callee, const char *What) {
  bool CallArgument = Kind == Binding::Argument;
  // In an atomic block's own body the thread keeps its segment until the
  // block ends (a safe point there only validates), so a reference that
  // cannot outlive the block stays valid: it gets the barrier of its use.
  // Outside it, a reference with no safe point in its live range stays
  // valid the same way (localBinding).
  // A field accessor's result is judged where its caller binds it.
  bool ValidToTheEnd = Kind == Binding::Pinned || Kind == Binding::Returned ||
                       (Kind != Binding::Escaping && inFixedSegmentBody());
  SmallVector<const Expr *, 2> Targets;
  writeTargets(Bound, Targets);
  bool AllValidFields = !Targets.empty();
  const Expr *Field = nullptr;
  for (const Expr *T : Targets) {
    if (const FieldReference *Named = fieldReferenceNamed(T)) {
      // A reference bound to a field earlier in the block: the field again.
      if (!Field)
        Field = Named->Field;
      if (ValidToTheEnd || (Named->Pinned && Kind != Binding::Escaping)) {
        if (Mutable && !Named->Writable)
          Facts.WrittenAccesses.insert(Named->Field);
        continue;
      }
      AllValidFields = false;
      if (EscapeChecked.insert(T).second)
        reportFieldAddressEscapes(Named->Field, T->getBeginLoc(), What);
      continue;
    }
    AllValidFields = AllValidFields && isManagedAccess(T) && !isa<UnaryOperator>(T);
    if (AllValidFields && !Field)
      Field = T;
    if (!isManagedAccess(T))
      continue;
    const auto *Deref = dyn_cast<UnaryOperator>(T);
    if (Deref) { // the whole object: references to it are canonical
      // f(*p) for a function of the program binds a canonical reference
      // (&a == p inside); library code and compiler-generated members
      // access the object without barriers of their own.
      if (!CallArgument || isInstrumentedFunction(Callee))
        Facts.BoundDerefs.insert(T);
      else if (Mutable)
        Facts.WrittenAccesses.insert(T);
      continue;
    }
    // A callee that reaches no safe point (library code, implicit and
    // trivial members, small functions that neither call nor loop) cannot
    // outlive the segment a field reference points into.
    bool CalleeHasSafePoints = Callee && !Callee->isImplicit() && !Callee->isTrivial() &&
                               classifyCallee(Callee, nullptr) == CallKind::Safe &&
                               Ctx.inOwnCode(Callee->getLocation()) && mayReachSafePoint(Callee);
    if ((CallArgument && !CalleeHasSafePoints && !MovingSibling) || ValidToTheEnd) {
      if (Mutable)
        Facts.WrittenAccesses.insert(T);
      continue;
    }
    AllValidFields = false;
    if (!EscapeChecked.insert(T).second)
      continue;
    if (!isFieldAccessorCall(strip(T)) && !Facts.reportableAccess(T, Managed::Maybe))
      continue;
    reportFieldAddressEscapes(T, T->getBeginLoc(), What);
    if (CallArgument && !CalleeHasSafePoints && MovingSibling) {
      BindingInTemplate = false; // left by an earlier binding: not this one's reason
      SegmentChange = MovingSibling;
      noteSegmentChange(T->getBeginLoc());
    }
  }
  return AllValidFields ? Field : nullptr;
}

namespace {

// The reference-typed return values of a body (not of lambdas in it).
void collectReturnValues(const Stmt *S, SmallVectorImpl<const Expr *> &Out) {
  if (!S || isa<LambdaExpr>(S))
    return;
  if (const auto *R = dyn_cast<ReturnStmt>(S)) {
    if (R->getRetValue())
      Out.push_back(R->getRetValue());
    return;
  }
  for (const Stmt *Child : S->children())
    collectReturnValues(Child, Out);
}

// A local whose destructor runs after the return value is computed: it may
// reach a safe point and move the thread away from the field's segment.
bool hasLocalWithDestructor(const Stmt *S) {
  if (!S || isa<LambdaExpr>(S))
    return false;
  if (const auto *D = dyn_cast<DeclStmt>(S))
    for (const Decl *Each : D->decls())
      if (const auto *VD = dyn_cast<VarDecl>(Each))
        if (const CXXRecordDecl *R = VD->getType()->getAsCXXRecordDecl();
            R && R->hasDefinition() && !R->hasTrivialDestructor() &&
            !VD->getType()->isReferenceType())
          return true;
  for (const Stmt *Child : S->children())
    if (hasLocalWithDestructor(Child))
      return true;
  return false;
}

} // namespace

std::string Analysis::fieldAccessorRefusal(const FunctionDecl *F) const {
  if (!F || !isInstrumentedFunction(F))
    return "it is not compiled with stmify";
  if (const auto *M = dyn_cast<CXXMethodDecl>(F)) {
    if (M->getParent()->isLambda())
      return "a lambda may be called through std::function or a template, where "
             "the callers cannot be checked";
    if (M->isVirtual())
      return "a virtual function may be called through a base class whose version "
             "returns something else";
  }
  if (F->isExternallyVisible() && !F->isInlined() && !F->isTemplateInstantiation())
    return "callers in other files do not see that it returns a field reference: "
           "define it in its class or declare it inline";
  if (const FunctionDecl *Definition = F->getDefinition();
      Definition && hasLocalWithDestructor(Definition->getBody()))
    return "a local's destructor runs after the reference is taken, and may move "
           "the thread to another view of the heap";
  return {};
}

bool Analysis::isFieldAccessor(const FunctionDecl *F) const {
  if (!F || !F->getReturnType()->isReferenceType())
    return false;
  const FunctionDecl *Definition = F->getDefinition();
  if (!Definition || !Definition->hasBody())
    return false;
  auto [Found, Inserted] = FieldAccessors.try_emplace(Definition, false);
  if (!Inserted)
    return Found->second; // judged, or being judged (recursion)
  if (!fieldAccessorRefusal(Definition).empty())
    return false;
  SmallVector<const Expr *, 4> Returned;
  collectReturnValues(Definition->getBody(), Returned);
  bool Accessor = false;
  for (const Expr *R : Returned) {
    SmallVector<const Expr *, 2> Targets;
    writeTargets(R, Targets);
    for (const Expr *T : Targets)
      Accessor = Accessor || (isManagedAccess(T) && !isa<UnaryOperator>(strip(T))) ||
                 fieldReferenceNamed(T);
  }
  FieldAccessors[Definition] = Accessor;
  return Accessor;
}

// A call of a field accessor; in a template, a call or subscript that calls
// one in some instantiation.
bool Analysis::isFieldAccessorCall(const Expr *E) const {
  if (const auto *Call = dyn_cast<CallExpr>(E); Call && Call->getDirectCallee())
    return isFieldAccessor(Call->getDirectCallee());
  return (isa<CallExpr>(E) || (isa<ArraySubscriptExpr>(E) && E->isTypeDependent())) &&
         Facts.AccessorCallsInInstantiations.count(rawRange(E)) > 0;
}

// A field accessor used otherwise than called directly (its address taken,
// passed to std::invoke or std::function): the calls made through the
// pointer cannot be checked.
void Analysis::checkFieldAccessorUse(const DeclRefExpr *E) {
  const auto *F = dyn_cast<FunctionDecl>(E->getDecl());
  if (!F || !Ctx.inOwnCode(E->getLocation()) || !isFieldAccessor(F))
    return;
  const Stmt *Child = E;
  for (unsigned Up = 1; const Stmt *P = Ctx.parentStmt(Up); ++Up, Child = P) {
    if (isa<ParenExpr>(P) || isa<ImplicitCastExpr>(P))
      continue;
    if (const auto *Call = dyn_cast<CallExpr>(P); Call && Call->getCallee() == Child)
      return;
    break;
  }
  Ctx.Diags.report(Diag::FieldAccessorAddressTaken, E->getLocation(), {F->getNameAsString()},
                   E->getSourceRange());
}

const Analysis::FieldReference *Analysis::fieldReferenceNamed(const Expr *E) const {
  const auto *Ref = dyn_cast<DeclRefExpr>(strip(E));
  return Ref ? fieldReferenceOf(Ref->getDecl()) : nullptr;
}

// A structured binding names a part of its decomposed variable.
const Analysis::FieldReference *Analysis::fieldReferenceOf(const ValueDecl *D) const {
  if (const auto *B = dyn_cast<BindingDecl>(D))
    D = B->getDecomposedDecl();
  const auto *VD = dyn_cast_or_null<VarDecl>(D);
  auto Found = VD ? FieldReferences.find(VD) : FieldReferences.end();
  return Found == FieldReferences.end() ? nullptr : &Found->second;
}

// The type of the managed object whose field this is (or, for an accessor's
// result, of the object whose field it returns).
QualType Analysis::fieldObjectType(const Expr *Field) const {
  QualType Object = Field->getType();
  if (const auto *M = dyn_cast<MemberExpr>(Field))
    Object = M->isImplicitAccess() || M->isArrow() ? M->getBase()->getType()->getPointeeType()
                                                   : M->getBase()->getType();
  else if (const auto *D = dyn_cast<CXXDependentScopeMemberExpr>(Field))
    Object = D->isArrow() ? D->getBaseType()->getPointeeType() : D->getBaseType();
  else if (const auto *Call = dyn_cast<CallExpr>(strip(Field)))
    if (const FunctionDecl *F = Call->getDirectCallee(); F && isFieldAccessor(F)) {
      if (const auto *Method = dyn_cast<CXXMethodDecl>(F))
        return Ctx.AST.getRecordType(Method->getParent());
      SmallVector<const Expr *, 4> Returned;
      collectReturnValues(F->getDefinition()->getBody(), Returned);
      SmallVector<const Expr *, 2> Targets;
      for (const Expr *R : Returned)
        writeTargets(R, Targets);
      for (const Expr *T : Targets)
        if (isManagedAccess(T) && !isa<UnaryOperator>(strip(T)))
          return fieldObjectType(T);
    }
  // In a template, an accessor's call is dependent: name its object's type.
  if (const auto *Subscript = dyn_cast<ArraySubscriptExpr>(strip(Field));
      Subscript && Subscript->isTypeDependent())
    Object = Subscript->getBase()->getType();
  else if (const auto *Call = dyn_cast<CallExpr>(strip(Field)); Call && !Call->getDirectCallee())
    if (const auto *Callee = dyn_cast<CXXDependentScopeMemberExpr>(Call->getCallee()))
      Object = fieldObjectType(Callee);
  if (Object.isNull() || Object->isSpecificBuiltinType(BuiltinType::Dependent))
    Object = Field->getType(); // a base that is itself a dependent expression
  return Object;
}

void Analysis::reportFieldAddressEscapes(const Expr *Field, SourceLocation Loc, const char *What) {
  Ctx.Diags.report(Diag::FieldAddressEscapes, Loc, {What, Ctx.typeName(fieldObjectType(Field))},
                   Field->getSourceRange());
  // A pointer to a field is refused even where a reference would not be.
  if (llvm::StringRef(What) == "the address of" && inAtomicBlockBody())
    Ctx.Diags.note(Loc, "stmify follows references to fields, not pointers to them: a pointer "
                        "may be stored anywhere; keep a pointer to the object instead (to insert "
                        "into a list, walk it with the node before: docs/diagnostics/"
                        "field-address-escapes.md)");
}

// A lambda in an atomic block that captures a reference bound to a field
// there may be stored and called after the block, through a segment the
// thread no longer owns.
void Analysis::checkFieldReferenceCaptures(const LambdaExpr *L) {
  for (const LambdaCapture &C : L->captures()) {
    if (!C.capturesVariable() || !Ctx.inOwnCode(C.getLocation()))
      continue;
    if (const FieldReference *Named = fieldReferenceOf(C.getCapturedVar()))
      reportFieldAddressEscapes(Named->Field, C.getLocation(), "a reference to");
  }
}

bool Analysis::isContainerElement(const Expr *E) const {
  if (const auto *Cleanups = dyn_cast_or_null<ExprWithCleanups>(E))
    E = Cleanups->getSubExpr();
  E = strip(E);
  if (E && isContainerElementInInstantiations(E))
    return true;
  if (const auto *Ref = dyn_cast_or_null<DeclRefExpr>(E)) // a name bound to an element's part too
    return ContainerElementReferences.contains(variableOf(Ref));
  if (const auto *Member = dyn_cast_or_null<MemberExpr>(E)) {
    // it->x: the iterator's operator-> returns the element's address.
    if (Member->isArrow())
      if (const auto *Call = dyn_cast<CallExpr>(strip(Member->getBase())))
        return returnsContainerElement(dyn_cast_or_null<CXXMethodDecl>(Call->getDirectCallee()));
    return !Member->isArrow() && isContainerElement(Member->getBase());
  }
  const auto *Call = dyn_cast_or_null<CallExpr>(E);
  const auto *Method = Call ? dyn_cast_or_null<CXXMethodDecl>(Call->getDirectCallee()) : nullptr;
  if (Method && returnsContainerElement(Method) && Method->getReturnType()->isReferenceType())
    return true;
  // Library code that may return a reference it is given an element or an
  // iterator for (std::min(v[0], v[1]), std::cref(v[2]), *v.crbegin()).
  const FunctionDecl *Callee = Call ? Call->getDirectCallee() : nullptr;
  if (!Callee || isInstrumentedFunction(Callee) || isStmifyLibraryFunction(Callee) ||
      !mayReturnGivenReference(Callee->getReturnType()))
    return false;
  return llvm::any_of(Call->arguments(), [&](const Expr *Argument) {
    QualType T = Argument->getType().getNonReferenceType();
    return isContainerElement(Argument) || (carriesContainerElements(T) && !isStmContainer(T));
  });
}

// In a template, r->items[k], r->items.back() or *it (type-dependent) whose
// container has a dependent type: an element of a container of stmify's
// library in every instantiation in this translation unit (and in at least
// one).
bool Analysis::isContainerElementInInstantiations(const Expr *E) const {
  const auto *Deref = dyn_cast<UnaryOperator>(E);
  if (!E->isTypeDependent() || !(isa<ArraySubscriptExpr>(E) || isa<CallExpr>(E) ||
                                 (Deref && Deref->getOpcode() == UO_Deref)))
    return false;
  auto Found = InstantiatedElementAccesses.find(rawRange(E));
  return Found != InstantiatedElementAccesses.end() && Found->second;
}

// The container of stmify's library whose element, iterator or part E is,
// for diagnostics: "a stmify container" when it cannot be told (an
// iterator held in a variable).
std::string Analysis::containerName(const Expr *E) const {
  while (E) {
    E = E->IgnoreImplicit()->IgnoreParens();
    if (isStmContainer(E->getType()))
      return Ctx.typeName(E->getType().getNonReferenceType());
    if (const auto *Construct = dyn_cast<CXXConstructExpr>(E)) { // a copied iterator
      E = Construct->getNumArgs() == 1 ? Construct->getArg(0) : nullptr;
      continue;
    }
    if (const auto *Call = dyn_cast<CallExpr>(E)) {
      const Expr *Object = calledObject(Call);
      Object = Object ? Object->IgnoreParenImpCasts() : nullptr; // past a base class
      if (Object && isStmContainer(Object->getType()))
        return Ctx.typeName(Object->getType().getNonReferenceType());
      // A library function's result (std::min(v[0], v[1]), *v.crbegin()).
      auto Argument = llvm::find_if(Call->arguments(), [&](const Expr *A) {
        return isContainerElement(A) || carriesContainerElements(A->getType());
      });
      E = Argument == Call->arg_end() ? nullptr : *Argument;
      continue;
    }
    const auto *Member = dyn_cast<MemberExpr>(E);
    E = Member && !Member->isArrow() ? Member->getBase() : nullptr;
  }
  return "a stmify container";
}

// Outside atomic blocks a reference to an element must not live across a
// safe point: the element lies in the segment the thread may leave there.
void Analysis::checkContainerElementBinding(Binding Kind, const Expr *Bound) {
  if (Kind == Binding::Pinned || inFixedSegmentBody() || !Ctx.inOwnCode(Bound->getBeginLoc()))
    return;
  Ctx.Diags.report(Diag::ContainerElementEscapes, Bound->getBeginLoc(), {containerName(Bound)},
                   Bound->getSourceRange());
  noteSegmentChange(Bound->getBeginLoc());
}

void Analysis::analyzeCallArguments(const CallExpr *E) {
  const FunctionDecl *Callee = E->getDirectCallee();
  if (!Callee)
    return analyzeDependentCallArguments(E);
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
        Facts.WrittenAccesses.insert(strip(Object));
  // A container's methods change its body, through barriers of their own:
  // the container itself is only read.
  if (Object && isStmContainer(Object->getType()))
    analyzeBinding(Object, false, Binding::Argument, Callee, "the address of");
  else if (Object && classifyObjectType(Object->getType()) == Managed::No)
    if (const auto *Method = dyn_cast<CXXMethodDecl>(Callee); Method && !Method->isStatic()) {
      // An accessor reads; a write through its result is found as a write.
      analyzeBinding(Object, !Method->isConst() && !hasConstTwin(Method), Binding::Argument, Callee,
                     "the address of");
      // A method that may modify a local outside the atomic block: save the
      // local (when it can be copied back) instead of becoming inevitable.
      // A call that makes the block inevitable first (a std::atomic's
      // operation, say) modifies it only once the block can no longer roll
      // back: restoring such a local would undo what other threads did to it
      // since the block began.
      if (!Method->isConst() && classifyCall(E) == CallKind::Safe)
        if (const VarDecl *VD = outerLocal(Object))
          if (isRestorableByCopy(VD->getType(), Ctx.AST))
            Facts.OuterLocalWrites[atomicBlock()->Lambda].push_back({VD, Object});
    }
  for (unsigned I = FirstArg; I < E->getNumArgs(); ++I) {
    unsigned ParamIndex = I - FirstArg;
    if (ParamIndex >= Callee->getNumParams())
      break;
    QualType ParamType = Callee->getParamDecl(ParamIndex)->getType();
    if (!ParamType->isReferenceType())
      continue;
    bool Mutable = !ParamType->getPointeeType().isConstQualified();
    MovingSibling = siblingSegmentChange({E->getArgs(), E->getNumArgs()}, I);
    // A callee of the program's that may reach a safe point holds the
    // element's reference across it.
    if (isContainerElement(E->getArg(I)) &&
        (MovingSibling || (isInstrumentedFunction(Callee) && mayReachSafePoint(Callee)))) {
      SegmentChange = MovingSibling;
      checkContainerElementBinding(Binding::Local, E->getArg(I));
    }
    analyzeBinding(E->getArg(I), Mutable, Binding::Argument, Callee, "a reference to");
    MovingSibling = nullptr;
  }
}

// A call in a template's pattern that names no function yet: an argument
// that an instantiation binds to a non-const reference (`swap(n->a, n->b)`,
// `update(n->total)`) is written there, as in the instantiation.
void Analysis::analyzeDependentCallArguments(const CallExpr *E) {
  for (const Expr *Arg : E->arguments())
    if (MutableArgumentsInInstantiations.count(rawRange(Arg)))
      analyzeBinding(Arg, true, Binding::Argument, nullptr, "a reference to");
  // The object of a method that may modify it (`h->tally.add(x)`,
  // `mine.add(x)` with `add` overloaded): written, as a field or as an
  // outer local the block saves.
  bool Arrow = false;
  const Expr *Object = dependentCallObject(E, Arrow);
  if (!Object || Arrow || !MutableArgumentsInInstantiations.count(rawRange(Object)))
    return;
  analyzeBinding(Object, true, Binding::Argument, nullptr, "the address of");
  if (const VarDecl *VD = outerLocal(Object)) {
    if (isRestorableByCopy(VD->getType(), Ctx.AST))
      Facts.OuterLocalWrites[atomicBlock()->Lambda].push_back({VD, Object});
    else
      CallsModifyingUnsavedLocals.insert(E);
  }
}

// The same for an operator that an instantiation makes a call (`log << v`
// with a member operator<<): an operand bound to a non-const reference,
// the object included, is written.
void Analysis::analyzeDependentOperands(const BinaryOperator *E) {
  for (const Expr *Operand : {E->getLHS(), E->getRHS()}) {
    if (!MutableArgumentsInInstantiations.count(rawRange(Operand)))
      continue;
    analyzeBinding(Operand, true, Binding::Argument, nullptr, "a reference to");
    if (const VarDecl *VD = outerLocal(Operand); VD && isRestorableByCopy(VD->getType(), Ctx.AST))
      Facts.OuterLocalWrites[atomicBlock()->Lambda].push_back({VD, Operand});
  }
}

bool Analysis::writesUnmanagedInInstantiation(const Expr *Target) const {
  const Expr *E = strip(Target);
  bool Candidate = isa<DeclRefExpr>(E);
  if (const auto *U = dyn_cast<UnaryOperator>(E))
    Candidate =
        U->getOpcode() == UO_Deref && classifyPointee(U->getSubExpr()->getType()) == Managed::Maybe;
  return Candidate && Facts.UnmanagedInInstantiations.count(E->getBeginLoc().getRawEncoding()) > 0;
}

// The object a call runs a method on, when it is an object rather than a
// pointer: x.f(), x[i] (a member operator); null for p->f() and free calls.
const Expr *Analysis::calledObject(const CallExpr *E) const {
  // In a template's pattern a call with dependent arguments is a plain
  // CallExpr, its callee the member already found.
  const auto *ME = dyn_cast<MemberExpr>(E->getCallee()->IgnoreParens());
  if (isa<CXXMemberCallExpr>(E) || (ME && isa<CXXMethodDecl>(ME->getMemberDecl())))
    return ME && !ME->isArrow() ? ME->getBase() : nullptr;
  if (isa<CXXOperatorCallExpr>(E) && isa_and_nonnull<CXXMethodDecl>(E->getDirectCallee()) &&
      E->getNumArgs() > 0)
    return E->getArg(0);
  return nullptr;
}

// Whether the expression being visited is (up to parentheses and implicit
// conversions) an argument of a call or construction, and of which callee.
bool Analysis::isCallArgument(const FunctionDecl *&Callee, const Stmt **Sibling) const {
  Callee = nullptr;
  const Stmt *Argument = Ctx.parentStmt(0);
  auto SiblingOf = [&](ArrayRef<const Expr *> Arguments) {
    if (!Sibling)
      return;
    const auto *Found = llvm::find(Arguments, Argument);
    *Sibling = Found == Arguments.end()
                   ? nullptr
                   : siblingSegmentChange(Arguments, unsigned(Found - Arguments.begin()));
  };
  for (unsigned Up = 1;; ++Up) {
    const Stmt *P = Ctx.parentStmt(Up);
    if (!P)
      return false;
    if (isa<ParenExpr>(P) || isa<ImplicitCastExpr>(P) || isa<MaterializeTemporaryExpr>(P) ||
        isa<CXXBindTemporaryExpr>(P)) {
      Argument = P;
      continue;
    }
    if (const auto *Call = dyn_cast<CallExpr>(P)) {
      Callee = Call->getDirectCallee();
      SiblingOf({Call->getArgs(), Call->getNumArgs()});
      return true;
    }
    if (const auto *Construct = dyn_cast<CXXConstructExpr>(P)) {
      Callee = Construct->getConstructor();
      SiblingOf({Construct->getArgs(), Construct->getNumArgs()});
      return true;
    }
    return false;
  }
}

} // namespace stmify
