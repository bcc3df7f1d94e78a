#include "Instrumenter.h"

#include "Names.h"

using namespace clang;

namespace stmify {

Instrumenter::Instrumenter(ASTContext &AST, EditPlan &Edits, DiagnosticReporter &Diags,
                           TransformOptions Options)
    : TransformContext(AST, Edits, Diags, std::move(Options), *this), Analyzer(*this, *this),
      TraceFunctions(*this), ManagedDeclarations(*this), SafePoints(*this), Barriers(*this),
      AtomicBlocks(*this), Inevitability(*this) {}

void Instrumenter::run() {
  Analyzer.beforeTraversal();
  CurrentPhase = Phase::Analyze;
  TraverseAST(AST);
  Analyzer.afterTraversal();
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
  if (CurrentPhase == Phase::Analyze) {
    Analyzer.noteBarrierBody();
    Analyzer.atFunctionBody(F, F->getBody());
  }
  if (CurrentPhase == Phase::Rewrite)
    SafePoints.atFunctionEntry(F, F->getBody());
  bool Result = RecursiveASTVisitor::TraverseDecl(D);
  Scopes.pop_back();
  return Result;
}

bool Instrumenter::TraverseLambdaExpr(LambdaExpr *L) {
  if (CurrentPhase == Phase::Analyze && !ManagedDeclarations.checkCaptures(L))
    return true;
  if (CurrentPhase == Phase::Analyze)
    Analyzer.atLambda(L);
  FunctionScope S;
  S.Function = L->getCallOperator();
  S.Lambda = L;
  if (const auto *Proto = S.Function->getType()->getAs<FunctionProtoType>())
    S.NoThrow = Proto->canThrow() == CT_Cannot;
  S.Constexpr = false;
  S.AtomicBody = AtomicLambdas.contains(L);
  S.TaskBody = TaskLambdas.contains(L);
  S.HandlerBody = HandlerLambdas.contains(L);
  S.BodyInMacro = bodyWrittenInMacro(L->getBody());
  S.StmtDepth = StmtStack.size();
  Scopes.push_back(S);
  if (CurrentPhase == Phase::Analyze) {
    Analyzer.noteBarrierBody();
    if (!S.AtomicBody && !S.TaskBody && !S.HandlerBody)
      Analyzer.atFunctionBody(S.Function, L->getBody());
  }
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

// An init-capture runs where the lambda is made, before the lambda's body
// and outside it (for a block, before its transaction begins): it belongs
// to the enclosing function's scope, not to the lambda's.
bool Instrumenter::TraverseLambdaCapture(LambdaExpr *L, const LambdaCapture *C, Expr *Init) {
  if (Scopes.empty() || Scopes.back().Lambda != L)
    return RecursiveASTVisitor::TraverseLambdaCapture(L, C, Init);
  FunctionScope Own = Scopes.back();
  Scopes.pop_back();
  bool Result = RecursiveASTVisitor::TraverseLambdaCapture(L, C, Init);
  Scopes.push_back(Own);
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
    Analyzer.atUnaryOperator(E);
    return true;
  }
  if (E->getOpcode() == UO_Deref)
    Barriers.atDeref(E);
  Inevitability.atWrite(E);
  return true;
}

bool Instrumenter::VisitBinaryOperator(BinaryOperator *E) {
  if (CurrentPhase == Phase::Analyze) {
    Analyzer.atBinaryOperator(E);
    return true;
  }
  if (E->isPtrMemOp())
    Barriers.atPointerToMember(E);
  Inevitability.atWrite(E);
  Inevitability.atDependentOperator(E, [&] { return Analyzer.classifyDependentOperator(E); });
  return true;
}

bool Instrumenter::VisitCXXOperatorCallExpr(CXXOperatorCallExpr *E) {
  if (CurrentPhase == Phase::Analyze) {
    Analyzer.atOperatorCall(E);
    return true;
  }
  Inevitability.atWrite(E);
  return true;
}

bool Instrumenter::VisitArraySubscriptExpr(ArraySubscriptExpr *E) {
  if (CurrentPhase == Phase::Analyze)
    Analyzer.atArraySubscript(E);
  return true;
}

bool Instrumenter::VisitCXXThisExpr(CXXThisExpr *E) {
  if (CurrentPhase == Phase::Rewrite)
    Barriers.atThis(E);
  return true;
}

bool Instrumenter::VisitCallExpr(CallExpr *E) {
  if (CurrentPhase == Phase::Analyze) {
    Analyzer.atCall(E);
    return true;
  }
  Barriers.atCall(E);
  AtomicBlocks.atCall(E);
  Barriers.atCallArguments(E);
  Inevitability.atCall(E, [&] { return Analyzer.classifyCall(E); });
  return true;
}

bool Instrumenter::VisitCXXConstructExpr(CXXConstructExpr *E) {
  if (CurrentPhase == Phase::Analyze) {
    Analyzer.atConstruct(E);
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
  Analyzer.atVarDecl(D);
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
  if (CurrentPhase == Phase::Analyze)
    Analyzer.atReturn(S);
  return true;
}

bool Instrumenter::VisitCXXForRangeStmt(CXXForRangeStmt *S) {
  if (CurrentPhase == Phase::Analyze) {
    Analyzer.atRangeFor(S);
    return true;
  }
  Barriers.atRangeFor(S);
  SafePoints.atLoopBackEdge(S, S->getBody());
  return true;
}

bool Instrumenter::VisitForStmt(ForStmt *S) {
  if (CurrentPhase == Phase::Rewrite) {
    Barriers.atLoop(S);
    SafePoints.atLoopBackEdge(S, S->getBody());
  }
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
    if (CurrentPhase == Phase::Analyze)
      Analyzer.atTypeidOperand(Operand);
    else
      Barriers.atTypeidOperand(Operand);
  }
  return RecursiveASTVisitor::TraverseCXXTypeidExpr(E);
}

bool Instrumenter::VisitDeclRefExpr(DeclRefExpr *E) {
  if (CurrentPhase == Phase::Analyze)
    Analyzer.atDeclRef(E);
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
  if (CurrentPhase == Phase::Analyze)
    Analyzer.atImplicitCast(E);
  else
    Inevitability.atImplicitCast(E);
  return true;
}

} // namespace stmify
