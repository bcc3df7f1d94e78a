#include "Instrumenter.h"

#include "Names.h"

using namespace clang;

namespace stmify {

Instrumenter::Instrumenter(ASTContext &AST, EditPlan &Edits, DiagnosticReporter &Diags,
                           TransformOptions Options)
    : TransformContext(AST, Edits, Diags, std::move(Options), *this), TraceFunctions(*this),
      ManagedDeclarations(*this), SafePoints(*this), Barriers(*this), AtomicBlocks(*this),
      Inevitability(*this) {}

void Instrumenter::run() {
  scanInstantiatedCalls();
  CurrentPhase = Phase::Analyze;
  TraverseAST(AST);
  hookWritesOfEscapingClosures();
  for (bool Changed = true; Changed;) { // through chains of noexcept calls
    Changed = false;
    for (const auto &[Caller, Callee] : NoexceptCalls)
      if (NoexceptNeedsHook.contains(Callee))
        Changed |= NoexceptNeedsHook.insert(Caller).second;
  }
  CurrentPhase = Phase::Rewrite;
  TraverseAST(AST);
}

bool Instrumenter::TraverseDecl(Decl *D) {
  if (!D)
    return true;
  if (!isa<TranslationUnitDecl>(D)) {
    SourceLocation Loc = D->getLocation();
    if (Loc.isValid() && !inOwnCode(Loc))
      return true;
  }
  const auto *F = dyn_cast<FunctionDecl>(D);
  if (!F || !F->doesThisDeclarationHaveABody() ||
      (isa<CXXMethodDecl>(F) && cast<CXXMethodDecl>(F)->getParent()->isLambda()))
    return RecursiveASTVisitor::TraverseDecl(D);
  FunctionScope S;
  S.Function = F;
  if (const auto *Proto = F->getType()->getAs<FunctionProtoType>())
    S.NoThrow = Proto->canThrow() == CT_Cannot;
  S.ConstructorOrDestructor = isa<CXXConstructorDecl>(F) || isa<CXXDestructorDecl>(F);
  if (isa<CXXDestructorDecl>(F))
    S.NoThrow = true;
  S.Constexpr = F->isConstexpr();
  S.BodyInMacro = bodyWrittenInMacro(F->getBody());
  S.StmtDepth = StmtStack.size();
  Scopes.push_back(S);
  if (CurrentPhase == Phase::Rewrite)
    SafePoints.atFunctionEntry(F, F->getBody());
  bool Result = RecursiveASTVisitor::TraverseDecl(D);
  Scopes.pop_back();
  return Result;
}

bool Instrumenter::TraverseLambdaExpr(LambdaExpr *L) {
  if (CurrentPhase == Phase::Analyze && !ManagedDeclarations.checkCaptures(L))
    return true;
  if (CurrentPhase == Phase::Analyze && inFunctionBody()) {
    noteEscapingClosure(L);
    // A block nested in a block runs there and then, in the same segment.
    if (!(AtomicLambdas.contains(L) && inFixedSegmentBody()))
      checkFieldReferenceCaptures(L);
  }
  FunctionScope S;
  S.Function = L->getCallOperator();
  S.Lambda = L;
  if (const auto *Proto = S.Function->getType()->getAs<FunctionProtoType>())
    S.NoThrow = Proto->canThrow() == CT_Cannot;
  S.Constexpr = false;
  S.AtomicBody = AtomicLambdas.contains(L);
  S.TaskBody = TaskLambdas.contains(L);
  S.BodyInMacro = bodyWrittenInMacro(L->getBody());
  S.StmtDepth = StmtStack.size();
  Scopes.push_back(S);
  if (CurrentPhase == Phase::Rewrite) {
    // An atomic block validates when it begins: no safe point at its entry.
    if (S.AtomicBody)
      AtomicBlocks.atBlockBody(L);
    else
      SafePoints.atFunctionEntry(S.Function, L->getBody());
  }
  bool Result = RecursiveASTVisitor::TraverseLambdaExpr(L);
  Scopes.pop_back();
  return Result;
}

bool Instrumenter::TraverseStmt(Stmt *S, DataRecursionQueue *) {
  if (!S)
    return true;
  StmtStack.push_back(S);
  // No data-recursion queue: the statement stack must follow the recursion.
  bool Result = RecursiveASTVisitor::TraverseStmt(S, nullptr);
  StmtStack.pop_back();
  return Result;
}

// ------------------------------------------------------------------ dispatch
// Each node kind hands its work to the concerns; analysis runs first over the
// whole translation unit, so rewriting knows every write context.

static bool isWriteOperator(OverloadedOperatorKind K) {
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

bool Instrumenter::VisitMemberExpr(MemberExpr *E) {
  if (CurrentPhase == Phase::Rewrite)
    Barriers.atMember(E);
  return true;
}

bool Instrumenter::VisitCXXDependentScopeMemberExpr(CXXDependentScopeMemberExpr *E) {
  if (CurrentPhase == Phase::Rewrite)
    Barriers.atDependentMember(E);
  return true;
}

bool Instrumenter::VisitUnresolvedMemberExpr(UnresolvedMemberExpr *E) {
  if (CurrentPhase == Phase::Rewrite)
    Barriers.atUnresolvedMember(E);
  return true;
}

bool Instrumenter::VisitUnaryOperator(UnaryOperator *E) {
  if (CurrentPhase == Phase::Analyze) {
    if (E->isIncrementDecrementOp())
      analyzeWrite(E, E->getSubExpr());
    if (E->getOpcode() == UO_AddrOf) {
      const Expr *Operand = strip(E->getSubExpr());
      if (const auto *U = dyn_cast<UnaryOperator>(Operand); U && U->getOpcode() == UO_Deref) {
        BoundDerefs.insert(U);
      } else {
        const FunctionDecl *Callee = nullptr;
        bool Argument = isCallArgument(Callee);
        analyzeBinding(E->getSubExpr(), true, Argument ? Binding::Argument : Binding::Escaping,
                       Callee, "the address of");
      }
    }
    return true;
  }
  if (E->getOpcode() == UO_Deref)
    Barriers.atDeref(E);
  Inevitability.atWrite(E);
  return true;
}

bool Instrumenter::VisitBinaryOperator(BinaryOperator *E) {
  if (CurrentPhase == Phase::Analyze) {
    if (E->isAssignmentOp())
      analyzeWrite(E, E->getLHS());
    return true;
  }
  if (E->isPtrMemOp())
    Barriers.atPointerToMember(E);
  Inevitability.atWrite(E);
  return true;
}

bool Instrumenter::VisitCXXOperatorCallExpr(CXXOperatorCallExpr *E) {
  if (CurrentPhase == Phase::Analyze) {
    if (!E->getDirectCallee() && isWriteOperator(E->getOperator()) && E->getNumArgs() > 0)
      analyzeWrite(E, E->getArg(0));
    return true;
  }
  Inevitability.atWrite(E);
  return true;
}

bool Instrumenter::VisitCXXThisExpr(CXXThisExpr *E) {
  if (CurrentPhase == Phase::Rewrite)
    Barriers.atThis(E);
  return true;
}

// Destructors are noexcept too: a local whose destructor needs inevitability
// makes its block inevitable before it is constructed (see VisitVarDecl).
void Instrumenter::noteHookInNoexcept() {
  if (inFunctionBody() && scope()->NoThrow && !scope()->Constexpr)
    NoexceptNeedsHook.insert(scope()->Function->getCanonicalDecl());
}

bool Instrumenter::VisitCallExpr(CallExpr *E) {
  if (CurrentPhase == Phase::Analyze) {
    analyzeCallArguments(E);
    analyzeLambdaCall(E);
    if (inFunctionBody() && scope()->NoThrow) {
      CallKind Kind = classifyCall(E);
      if (Kind == CallKind::Hook || Kind == CallKind::Synchronizing)
        noteHookInNoexcept();
      else if (const FunctionDecl *Callee = E->getDirectCallee())
        NoexceptCalls.push_back(
            {scope()->Function->getCanonicalDecl(), Callee->getCanonicalDecl()});
    }
    if (isAtomicCall(E) && E->getNumArgs() > 0)
      if (const auto *L = dyn_cast<LambdaExpr>(E->getArg(0)->IgnoreImplicit()))
        AtomicLambdas.insert(L);
    if (isTaskCall(E) && E->getNumArgs() > 0)
      if (const auto *L = dyn_cast<LambdaExpr>(E->getArg(0)->IgnoreImplicit()))
        TaskLambdas.insert(L);
    return true;
  }
  Barriers.atCall(E);
  AtomicBlocks.atCall(E);
  Barriers.atCallArguments(E);
  Inevitability.atCall(E, [&] { return classifyCall(E); });
  return true;
}

bool Instrumenter::VisitCXXConstructExpr(CXXConstructExpr *E) {
  if (CurrentPhase == Phase::Analyze) {
    const CXXConstructorDecl *Ctor = E->getConstructor();
    for (unsigned I = 0; I < E->getNumArgs() && I < Ctor->getNumParams(); ++I) {
      QualType P = Ctor->getParamDecl(I)->getType();
      if (P->isReferenceType())
        analyzeBinding(E->getArg(I), !P->getPointeeType().isConstQualified(), Binding::Argument,
                       Ctor, "a reference to");
    }
    return true;
  }
  Inevitability.atConstruct(E);
  return true;
}

bool Instrumenter::VisitVarDecl(VarDecl *D) {
  if (CurrentPhase == Phase::Rewrite) {
    Inevitability.atLocalVariable(D);
    return true;
  }
  if (isa<ParmVarDecl>(D) && !inOwnCode(D->getLocation()))
    return true;
  ManagedDeclarations.checkByValue(D, isa<ParmVarDecl>(D) ? "parameter" : "variable");
  if (D->getType()->isReferenceType() && D->getInit() && !D->isImplicit()) {
    // An init-capture of the atomic lambda is bound before the block runs.
    bool Writable = !D->getType()->getPointeeType().isConstQualified();
    Binding Kind = D->hasLocalStorage() && !D->isInitCapture() ? Binding::Local : Binding::Escaping;
    if (Kind == Binding::Local && isa_and_nonnull<DeclStmt>(parentStmt(0)))
      Kind = localBinding(parentStmt(1), parentStmt(0));
    unsigned Errors = Diags.errorCount();
    if (const Expr *Field = analyzeBinding(D->getInit(), Writable, Kind, nullptr, "a reference to"))
      FieldReferences[D] = {Field, Writable, Kind == Binding::Pinned};
    if (Diags.errorCount() > Errors)
      noteSegmentChange(D->getInit()->getBeginLoc());
  }
  return true;
}

bool Instrumenter::VisitFieldDecl(FieldDecl *D) {
  if (CurrentPhase == Phase::Analyze)
    ManagedDeclarations.checkByValue(D, "member");
  return true;
}

bool Instrumenter::VisitCXXRecordDecl(CXXRecordDecl *D) {
  if (CurrentPhase == Phase::Analyze)
    ManagedDeclarations.checkClassMembers(D);
  else
    TraceFunctions.addTraceFunction(D);
  return true;
}

bool Instrumenter::VisitReturnStmt(ReturnStmt *S) {
  if (CurrentPhase != Phase::Analyze || !S->getRetValue() || !scope())
    return true;
  const FunctionDecl *F = scope()->Function;
  QualType R = F->getReturnType();
  if (!R->isReferenceType())
    return true;
  // An accessor returns a field with the barrier its callers' use needs (a
  // write barrier for a reference that can write); each caller's binding of
  // the result is judged like a field's.
  std::string Refusal = fieldAccessorRefusal(F);
  unsigned Errors = Diags.errorCount();
  analyzeBinding(S->getRetValue(), !R->getPointeeType().isConstQualified(),
                 Refusal.empty() ? Binding::Returned : Binding::Escaping, nullptr,
                 "a reference to");
  // What an atomic block returns outlives the block whatever the function.
  if (Diags.errorCount() > Errors && !Refusal.empty() && !inFixedSegmentBody())
    Diags.note(S->getBeginLoc(), "a function may return a reference to a field only when "
                                 "all its callers can be checked; here " +
                                     Refusal);
  return true;
}

bool Instrumenter::VisitCXXForRangeStmt(CXXForRangeStmt *S) {
  const Expr *Range = S->getRangeInit();
  bool ArrayOfArrays = Range && Range->getType()->isArrayType() &&
                       Range->getType()->getAsArrayTypeUnsafe()->getElementType()->isArrayType();
  if (CurrentPhase == Phase::Analyze) {
    if (Range && !readsFieldElementsOneByOne(S)) {
      // Over an array of arrays, a loop variable that is not a reference is
      // a pointer into the field, which may be stored anywhere.
      const VarDecl *Element = S->getLoopVariable();
      bool Pointer = ArrayOfArrays && !Element->getType()->isReferenceType();
      QualType ElementType = Element->getType();
      bool Writable =
          ElementType->isReferenceType() && !ElementType.getNonReferenceType().isConstQualified();
      Binding Kind = Pointer ? Binding::Escaping : localBinding(S, nullptr);
      unsigned Errors = Diags.errorCount();
      if (const Expr *Field =
              analyzeBinding(Range, Writable || Pointer, Kind, nullptr, "a reference to")) {
        if (Element->getType()->isReferenceType())
          FieldReferences[Element] = {Field, Writable, Kind == Binding::Pinned};
        if (Kind == Binding::Pinned)
          pinLoop(S);
      }
      if (Diags.errorCount() > Errors)
        noteSegmentChange(Range->getBeginLoc());
    }
    return true;
  }
  Barriers.atRangeFor(S);
  SafePoints.atLoopBackEdge(S, S->getBody());
  return true;
}

bool Instrumenter::VisitForStmt(ForStmt *S) {
  if (CurrentPhase == Phase::Rewrite)
    SafePoints.atLoopBackEdge(S, S->getBody());
  return true;
}

bool Instrumenter::VisitWhileStmt(WhileStmt *S) {
  if (CurrentPhase == Phase::Rewrite)
    SafePoints.atLoopBackEdge(S, S->getBody());
  return true;
}

bool Instrumenter::VisitDoStmt(DoStmt *S) {
  if (CurrentPhase == Phase::Rewrite)
    SafePoints.atLoopBackEdge(S, S->getBody());
  return true;
}

bool Instrumenter::VisitCXXCatchStmt(CXXCatchStmt *S) {
  if (CurrentPhase == Phase::Rewrite)
    SafePoints.atCatchAll(S);
  return true;
}

// typeid of a polymorphic object reads its vptr: only then is the operand
// evaluated, and only then does it need barriers.
bool Instrumenter::TraverseCXXTypeidExpr(CXXTypeidExpr *E) {
  if (E->isTypeOperand() || !E->isPotentiallyEvaluated())
    return true;
  const Expr *Operand = E->getExprOperand();
  if (classifyObjectType(Operand->getType()) != Managed::No) {
    if (CurrentPhase == Phase::Analyze) {
      if (const auto *U = dyn_cast<UnaryOperator>(strip(Operand)); U && U->getOpcode() == UO_Deref)
        BoundDerefs.insert(U); // vptr_view translates it
    } else {
      Barriers.atTypeidOperand(Operand);
    }
  }
  return RecursiveASTVisitor::TraverseCXXTypeidExpr(E);
}

bool Instrumenter::VisitDeclRefExpr(DeclRefExpr *E) {
  if (CurrentPhase == Phase::Analyze && inFunctionBody())
    noteEscapingClosure(E);
  if (CurrentPhase == Phase::Analyze)
    checkFieldAccessorUse(E);
  return true;
}

bool Instrumenter::VisitCXXDynamicCastExpr(CXXDynamicCastExpr *E) {
  if (CurrentPhase == Phase::Rewrite)
    Barriers.atDynamicCast(E);
  return true;
}

bool Instrumenter::VisitCXXDeleteExpr(CXXDeleteExpr *E) {
  if (CurrentPhase == Phase::Rewrite)
    Inevitability.atDelete(E);
  return true;
}

bool Instrumenter::VisitExplicitCastExpr(ExplicitCastExpr *E) {
  if (CurrentPhase == Phase::Analyze && inFunctionBody())
    ManagedDeclarations.checkBaseConversion(E);
  return true;
}

bool Instrumenter::VisitImplicitCastExpr(ImplicitCastExpr *E) {
  if (CurrentPhase == Phase::Analyze && inFunctionBody())
    ManagedDeclarations.checkBaseConversion(E);
  if (CurrentPhase == Phase::Analyze && E->getCastKind() == CK_ArrayToPointerDecay &&
      isManagedFieldAccess(E->getSubExpr())) {
    // An array field used as a pointer is the address of the field, unless
    // it is only subscripted.
    // Element accesses (a[i], *(a + i)) are accesses to the field itself;
    // pointer arithmetic passed straight to library code is allowed too.
    const Stmt *Parent = nullptr;
    const Stmt *Child = E;
    unsigned Up = 1;
    for (; (Parent = parentStmt(Up)); ++Up, Child = Parent) {
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
      return true;
    if (Deref && Deref->getOpcode() == UO_Deref)
      return true;
    const FunctionDecl *Callee = nullptr;
    if (const auto *Call = dyn_cast_or_null<CallExpr>(Parent))
      Callee = Call->getDirectCallee();
    else if (const auto *Construct = dyn_cast_or_null<CXXConstructExpr>(Parent))
      Callee = Construct->getConstructor();
    bool Argument = Parent && (isa<CallExpr>(Parent) || isa<CXXConstructExpr>(Parent));
    bool Mutable = !E->getType()->getPointeeType().isConstQualified();
    analyzeBinding(E->getSubExpr(), Mutable, Argument ? Binding::Argument : Binding::Escaping,
                   Callee, "the address of");
    return true;
  }
  if (CurrentPhase == Phase::Rewrite)
    Inevitability.atImplicitCast(E);
  return true;
}

} // namespace stmify
