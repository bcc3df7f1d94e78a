// The transformer: one traversal of a translation unit's own code (the main
// file and the project's headers; never system headers, stmify's headers or
// template instantiations) that records every edit in an EditPlan. It runs in
// two phases over the same AST: the Analysis (which accesses write, which
// locals an atomic block writes, which calls in templates reach library code)
// finds AnalysisFacts, then the rules rewrite. The traversal keeps its
// position in a TransformContext, which the analysis and the rules share, and
// hands each node to them; it decides and edits nothing itself. The rules,
// each reading the context, the facts and the AST and writing edits and
// diagnostics:
//   TraceFunctions.h       trace functions of managed classes
//   ManagedDeclarations.h  managed objects by value, members owning memory
//   SafePoints.h           safe points, catch(...) handlers
//   Barriers.h             read/write/translation barriers, canonical `this`
//   AtomicBlocks.h         site ids of atomic blocks, restoring outer locals
//   Inevitability.h        inevitability hooks, synchronising calls
#ifndef STMIFY_PASSES_INSTRUMENTER_H
#define STMIFY_PASSES_INSTRUMENTER_H

#include "Analysis.h"
#include "AnalysisFacts.h"
#include "AtomicBlocks.h"
#include "Barriers.h"
#include "Inevitability.h"
#include "ManagedDeclarations.h"
#include "ManagedTypes.h"
#include "SafePoints.h"
#include "TraceFunctions.h"
#include "TransformContext.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/RecursiveASTVisitor.h"

namespace stmify {

// The facts come first: the context holds a reference to them.
class Instrumenter : public clang::RecursiveASTVisitor<Instrumenter>,
                     AnalysisFacts,
                     TransformContext {
public:
  // The context and the rules refer to this object: it stays where it is.
  Instrumenter(const Instrumenter &) = delete;
  Instrumenter &operator=(const Instrumenter &) = delete;
  Instrumenter(clang::ASTContext &AST, EditPlan &Edits, DiagnosticReporter &Diags,
               TransformOptions Options = {});

  // Runs both phases over the whole translation unit.
  void run();
  const InstrumentationCounts &counts() const { return Counts; }

  // --- traversal (Instrumenter.cpp)
  bool TraverseDecl(clang::Decl *D);
  bool TraverseStmt(clang::Stmt *S, DataRecursionQueue *Queue = nullptr);
  bool TraverseLambdaExpr(clang::LambdaExpr *L);
  bool TraverseUnaryExprOrTypeTraitExpr(clang::UnaryExprOrTypeTraitExpr *) { return true; }
  bool TraverseCXXNoexceptExpr(clang::CXXNoexceptExpr *) { return true; }
  bool TraverseDecltypeTypeLoc(clang::DecltypeTypeLoc) { return true; }
  bool TraverseTypeOfExprTypeLoc(clang::TypeOfExprTypeLoc) { return true; }
  bool TraverseCXXTypeidExpr(clang::CXXTypeidExpr *E);
  bool TraverseStaticAssertDecl(clang::StaticAssertDecl *) { return true; }
  bool shouldVisitTemplateInstantiations() const { return false; }
  bool shouldVisitImplicitCode() const { return false; }
  bool TraverseLambdaCapture(clang::LambdaExpr *L, const clang::LambdaCapture *C,
                             clang::Expr *Init);

  bool VisitMemberExpr(clang::MemberExpr *E);
  bool VisitArraySubscriptExpr(clang::ArraySubscriptExpr *E);
  bool VisitCXXDependentScopeMemberExpr(clang::CXXDependentScopeMemberExpr *E);
  bool VisitUnresolvedMemberExpr(clang::UnresolvedMemberExpr *E);
  bool VisitUnaryOperator(clang::UnaryOperator *E);
  bool VisitBinaryOperator(clang::BinaryOperator *E);
  bool VisitCXXOperatorCallExpr(clang::CXXOperatorCallExpr *E);
  bool VisitCXXThisExpr(clang::CXXThisExpr *E);
  bool VisitCallExpr(clang::CallExpr *E);
  bool VisitCXXConstructExpr(clang::CXXConstructExpr *E);
  bool VisitVarDecl(clang::VarDecl *D);
  bool VisitFieldDecl(clang::FieldDecl *D);
  bool VisitCXXRecordDecl(clang::CXXRecordDecl *D);
  bool VisitReturnStmt(clang::ReturnStmt *S);
  bool VisitCXXForRangeStmt(clang::CXXForRangeStmt *S);
  bool VisitForStmt(clang::ForStmt *S);
  bool VisitWhileStmt(clang::WhileStmt *S);
  bool VisitDoStmt(clang::DoStmt *S);
  bool VisitCXXCatchStmt(clang::CXXCatchStmt *S);
  bool VisitImplicitCastExpr(clang::ImplicitCastExpr *E);
  bool VisitCXXDeleteExpr(clang::CXXDeleteExpr *E);
  bool VisitCXXDynamicCastExpr(clang::CXXDynamicCastExpr *E);
  bool VisitDeclRefExpr(clang::DeclRefExpr *E);
  bool VisitExplicitCastExpr(clang::ExplicitCastExpr *E);

private:
  Analysis Analyzer;
  TraceFunctionRule TraceFunctions;
  ManagedDeclarationRule ManagedDeclarations;
  SafePointRule SafePoints;
  BarrierRule Barriers;
  AtomicBlockRule AtomicBlocks;
  InevitabilityRule Inevitability;
};

} // namespace stmify

#endif
