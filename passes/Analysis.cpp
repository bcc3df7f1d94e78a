// The analysis phase's entry points: what each node the traversal visits
// tells the analysis.
#include "Analysis.h"

using namespace clang;

namespace stmify {

void Analysis::beforeTraversal() {
  scanInstantiatedCalls();
  adoptNamedBlocks();
}

void Analysis::afterTraversal() {
  hookWritesOfEscapingClosures();
  for (bool Changed = true; Changed;) { // through chains of noexcept calls
    Changed = false;
    for (const auto &[Caller, Callee] : NoexceptCalls)
      if (Facts.NoexceptNeedsHook.contains(Callee))
        Changed |= Facts.NoexceptNeedsHook.insert(Caller).second;
  }
  findRedundantBarriers();
}

void Analysis::atLambda(const LambdaExpr *L) {
  if (!Ctx.inFunctionBody())
    return;
  noteEscapingClosure(L);
  // A block nested in a block runs there and then, in the same segment.
  if (!(Facts.AtomicLambdas.contains(L) && inFixedSegmentBody()))
    checkFieldReferenceCaptures(L);
}

void Analysis::atUnaryOperator(const UnaryOperator *E) {
  if (E->isIncrementDecrementOp())
    analyzeWrite(E, E->getSubExpr());
  if (E->getOpcode() != UO_AddrOf)
    return;
  const Expr *Operand = strip(E->getSubExpr());
  if (const auto *U = dyn_cast<UnaryOperator>(Operand); U && U->getOpcode() == UO_Deref) {
    Facts.BoundDerefs.insert(U);
    return;
  }
  const FunctionDecl *Callee = nullptr;
  bool Argument = isCallArgument(Callee, &MovingSibling);
  analyzeBinding(E->getSubExpr(), true, Argument ? Binding::Argument : Binding::Escaping, Callee,
                 "the address of");
  MovingSibling = nullptr;
}

void Analysis::atBinaryOperator(const BinaryOperator *E) {
  if (E->isAssignmentOp())
    analyzeWrite(E, E->getLHS());
  else if (E->isTypeDependent())
    analyzeDependentOperands(E);
}

namespace {

bool isWriteOperator(OverloadedOperatorKind K) {
  switch (K) {
  case OO_Equal:
  case OO_PlusEqual:
  case OO_MinusEqual:
  case OO_StarEqual:
  case OO_SlashEqual:
  case OO_PercentEqual:
  case OO_CaretEqual:
  case OO_AmpEqual:
  case OO_PipeEqual:
  case OO_LessLessEqual:
  case OO_GreaterGreaterEqual:
  case OO_PlusPlus:
  case OO_MinusMinus:
    return true;
  default:
    return false;
  }
}

} // namespace

void Analysis::atOperatorCall(const CXXOperatorCallExpr *E) {
  if (!E->getDirectCallee() && isWriteOperator(E->getOperator()) && E->getNumArgs() > 0)
    analyzeWrite(E, E->getArg(0));
}

// Destructors are noexcept too: a local whose destructor needs inevitability
// makes its block inevitable before it is constructed (InevitabilityRule).
void Analysis::noteHookInNoexcept() {
  const FunctionScope *S = Ctx.scope();
  if (S && S->NoThrow && !S->Constexpr)
    Facts.NoexceptNeedsHook.insert(S->Function->getCanonicalDecl());
}

void Analysis::atCall(const CallExpr *E) {
  noteThreadStarts(E);
  analyzeCallArguments(E);
  checkLibraryCallbacks(E);
  analyzeLambdaCall(E);
  if (Ctx.inFunctionBody() && Ctx.scope()->NoThrow) {
    CallKind Kind = classifyCall(E);
    if (Kind == CallKind::Hook || Kind == CallKind::Synchronizing)
      noteHookInNoexcept();
    else if (const FunctionDecl *Callee = E->getDirectCallee())
      NoexceptCalls.push_back(
          {Ctx.scope()->Function->getCanonicalDecl(), Callee->getCanonicalDecl()});
  }
  if (isAtomicCall(E) && E->getNumArgs() > 0)
    if (const auto *L = dyn_cast<LambdaExpr>(E->getArg(0)->IgnoreImplicit()))
      Facts.AtomicLambdas.insert(L);
  if (isTaskCall(E) && E->getNumArgs() > 0)
    if (const auto *L = dyn_cast<LambdaExpr>(E->getArg(0)->IgnoreImplicit()))
      Facts.TaskLambdas.insert(L);
  if (isHandlerCall(E) && E->getNumArgs() > 0)
    if (const auto *L = dyn_cast<LambdaExpr>(E->getArg(0)->IgnoreImplicit()))
      Facts.HandlerLambdas.insert(L);
}

void Analysis::atConstruct(const CXXConstructExpr *E) {
  noteThreadStarts(E);
  const CXXConstructorDecl *Ctor = E->getConstructor();
  for (unsigned I = 0; I < E->getNumArgs() && I < Ctor->getNumParams(); ++I) {
    QualType P = Ctor->getParamDecl(I)->getType();
    if (!P->isReferenceType())
      continue;
    MovingSibling = siblingSegmentChange({E->getArgs(), E->getNumArgs()}, I);
    analyzeBinding(E->getArg(I), !P->getPointeeType().isConstQualified(), Binding::Argument, Ctor,
                   "a reference to");
    MovingSibling = nullptr;
  }
}

// A pointer to an element, or a value that holds a reference to one (the
// std::pair of std::minmax, std::cref's wrapper), lives as a reference
// would.
static bool holdsElementAddress(QualType T) {
  return T->isPointerType() || (T->isRecordType() && mayReturnGivenReference(T));
}

void Analysis::atVarDecl(const VarDecl *D) {
  if (!D->getInit() || D->isImplicit())
    return;
  if (!D->getType()->isReferenceType()) {
    const Expr *Init = D->getInit();
    if (const auto *Address = dyn_cast<UnaryOperator>(strip(Init));
        Address && Address->getOpcode() == UO_AddrOf)
      Init = Address->getSubExpr();
    if (!holdsElementAddress(D->getType()) || !isContainerElement(Init))
      return;
    Binding Kind = D->hasLocalStorage() && !D->isInitCapture() ? Binding::Local : Binding::Escaping;
    // It lives from the next statement on: the call that makes it (a
    // library function's, std::minmax) runs before.
    const auto *Block = dyn_cast_or_null<CompoundStmt>(Ctx.parentStmt(1));
    if (Kind == Binding::Local && Block && isa_and_nonnull<DeclStmt>(Ctx.parentStmt(0)) &&
        cast<DeclStmt>(Ctx.parentStmt(0))->isSingleDecl()) {
      const auto *Next = llvm::find(Block->body(), Ctx.parentStmt(0)) + 1;
      Kind = Next == Block->body_end() ? Binding::Pinned : localBinding(Block, *Next);
    }
    checkContainerElementBinding(Kind, Init);
    return;
  }
  // An init-capture of the atomic lambda is bound before the block runs.
  bool Writable = !D->getType()->getPointeeType().isConstQualified();
  Binding Kind = D->hasLocalStorage() && !D->isInitCapture() ? Binding::Local : Binding::Escaping;
  if (Kind == Binding::Local && isa_and_nonnull<DeclStmt>(Ctx.parentStmt(0)))
    Kind = localBinding(Ctx.parentStmt(1), Ctx.parentStmt(0));
  // A range-for's variable over a container: see atRangeFor.
  if (isContainerElement(D->getInit()) && !D->isCXXForRangeDecl()) {
    ContainerElementReferences.insert(D);
    checkContainerElementBinding(Kind, D->getInit());
    return;
  }
  unsigned Errors = Ctx.Diags.errorCount();
  if (const Expr *Field = analyzeBinding(D->getInit(), Writable, Kind, nullptr, "a reference to"))
    FieldReferences[D] = {Field, Writable, Kind == Binding::Pinned};
  if (Ctx.Diags.errorCount() > Errors)
    noteSegmentChange(D->getInit()->getBeginLoc());
}

void Analysis::atReturn(const ReturnStmt *S) {
  if (!S->getRetValue() || !Ctx.scope())
    return;
  const FunctionDecl *F = Ctx.scope()->Function;
  QualType R = F->getReturnType();
  if (!R->isReferenceType())
    return;
  // An accessor returns a field with the barrier its callers' use needs (a
  // write barrier for a reference that can write); each caller's binding of
  // the result is judged like a field's.
  std::string Refusal = fieldAccessorRefusal(F);
  unsigned Errors = Ctx.Diags.errorCount();
  analyzeBinding(S->getRetValue(), !R->getPointeeType().isConstQualified(),
                 Refusal.empty() ? Binding::Returned : Binding::Escaping, nullptr,
                 "a reference to");
  // What an atomic block returns outlives the block whatever the function.
  if (Ctx.Diags.errorCount() > Errors && !Refusal.empty() && !inFixedSegmentBody())
    Ctx.Diags.note(S->getBeginLoc(), "a function may return a reference to a field only when "
                                     "all its callers can be checked; here " +
                                         Refusal);
}

void Analysis::atRangeFor(const CXXForRangeStmt *S) {
  const Expr *Range = S->getRangeInit();
  if (!Range || readsFieldElementsOneByOne(S))
    return;
  // Over a container, a reference loop variable is an element's: the
  // range itself is used only to make the iterators, which hold no
  // reference into the segment.
  if (isStmContainer(Range->getType())) {
    const VarDecl *Element = S->getLoopVariable();
    if (!Element->getType()->isReferenceType())
      return;
    ContainerElementReferences.insert(Element);
    if (inFixedSegmentBody())
      return;
    Binding Kind = localBinding(S, nullptr);
    if (Kind == Binding::Pinned)
      pinLoop(S);
    else
      checkContainerElementBinding(Kind, Range);
    return;
  }
  bool ArrayOfArrays = Range->getType()->isArrayType() &&
                       Range->getType()->getAsArrayTypeUnsafe()->getElementType()->isArrayType();
  // Over an array of arrays, a loop variable that is not a reference is a
  // pointer into the field, which may be stored anywhere.
  const VarDecl *Element = S->getLoopVariable();
  bool Pointer = ArrayOfArrays && !Element->getType()->isReferenceType();
  QualType ElementType = Element->getType();
  bool Writable =
      ElementType->isReferenceType() && !ElementType.getNonReferenceType().isConstQualified();
  Binding Kind = Pointer ? Binding::Escaping : localBinding(S, nullptr);
  unsigned Errors = Ctx.Diags.errorCount();
  if (const Expr *Field =
          analyzeBinding(Range, Writable || Pointer, Kind, nullptr, "a reference to")) {
    if (Element->getType()->isReferenceType())
      FieldReferences[Element] = {Field, Writable, Kind == Binding::Pinned};
    if (Kind == Binding::Pinned)
      pinLoop(S);
  }
  if (Ctx.Diags.errorCount() > Errors)
    noteSegmentChange(Range->getBeginLoc());
}

void Analysis::atTypeidOperand(const Expr *Operand) {
  if (const auto *U = dyn_cast<UnaryOperator>(strip(Operand)); U && U->getOpcode() == UO_Deref)
    Facts.BoundDerefs.insert(U); // vptr_view translates it
}

void Analysis::atDeclRef(const DeclRefExpr *E) {
  if (Ctx.inFunctionBody())
    noteEscapingClosure(E);
  checkFieldAccessorUse(E);
}

void Analysis::atImplicitCast(const ImplicitCastExpr *E) {
  if (E->getCastKind() != CK_ArrayToPointerDecay || !isManagedFieldAccess(E->getSubExpr()))
    return;
  // An array field used as a pointer is the address of the field, unless
  // it is only subscripted.
  // Element accesses (a[i], *(a + i)) are accesses to the field itself;
  // pointer arithmetic passed straight to library code is allowed too.
  const Stmt *Parent = nullptr;
  const Stmt *Child = E;
  unsigned Up = 1;
  for (; (Parent = Ctx.parentStmt(Up)); ++Up, Child = Parent) {
    if (isa<ParenExpr>(Parent) || isa<ImplicitCastExpr>(Parent))
      continue;
    const auto *B = dyn_cast<BinaryOperator>(Parent);
    if (B && (B->getOpcode() == BO_Add || B->getOpcode() == BO_Sub) &&
        B->getType()->isPointerType())
      continue;
    break;
  }
  const auto *Subscript = dyn_cast_or_null<ArraySubscriptExpr>(Parent);
  const auto *Deref = dyn_cast_or_null<UnaryOperator>(Parent);
  if (Subscript && Subscript->getBase() == Child)
    return;
  if (Deref && Deref->getOpcode() == UO_Deref)
    return;
  const FunctionDecl *Callee = nullptr;
  if (const auto *Call = dyn_cast_or_null<CallExpr>(Parent))
    Callee = Call->getDirectCallee();
  else if (const auto *Construct = dyn_cast_or_null<CXXConstructExpr>(Parent))
    Callee = Construct->getConstructor();
  bool Argument = Parent && (isa<CallExpr>(Parent) || isa<CXXConstructExpr>(Parent));
  bool Mutable = !E->getType()->getPointeeType().isConstQualified();
  analyzeBinding(E->getSubExpr(), Mutable, Argument ? Binding::Argument : Binding::Escaping, Callee,
                 "the address of");
}

} // namespace stmify
