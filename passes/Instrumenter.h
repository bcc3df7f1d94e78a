// The transformer: one traversal of a translation unit's own code (the main
// file and the project's headers; never system headers, stmify's headers or
// template instantiations) that records every edit in an EditPlan. It runs in
// two phases over the same AST: analysis (which accesses write, which locals
// an atomic block writes, which calls in templates reach library code), then
// rewriting. The traversal keeps its position in a TransformContext, which
// the rules share. Rules with a class of their own (reading the context and
// the AST, writing edits and diagnostics):
//   TraceFunctions.h       trace functions of managed classes
//   ManagedDeclarations.h  managed objects by value, members owning memory
//   SafePoints.h           safe points, catch(...) handlers
//   Barriers.h             read/write/translation barriers, canonical `this`
//   AtomicBlocks.h         site ids of atomic blocks, restoring outer locals
//   Inevitability.h        inevitability hooks, synchronising calls
// What the analysis finds for the rules is AnalysisFacts. Concerns still
// written as members of this class, one file each:
//   WriteAnalysis.cpp      write contexts, escapes, outer locals of blocks
//   SegmentChanges.cpp     where a thread may change segment
//   CallAnalysis.cpp       which calls need a hook or synchronise
#ifndef STMIFY_PASSES_INSTRUMENTER_H
#define STMIFY_PASSES_INSTRUMENTER_H

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
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <map>
#include <string>
#include <vector>

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

  bool VisitMemberExpr(clang::MemberExpr *E);
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
  // --- Instrumenter.cpp
  void noteHookInNoexcept();

  // --- WriteAnalysis.cpp
  // The innermost managed access, outer local or unmanaged target an lvalue
  // expression designates, after subscripts and '.' members of subobjects.
  void writeTargets(const clang::Expr *LValue,
                    llvm::SmallVectorImpl<const clang::Expr *> &Out) const;
  bool isManagedAccess(const clang::Expr *E) const;
  bool isPartOfManagedField(const clang::Expr *E) const;
  void analyzeWrite(const clang::Expr *Operation, const clang::Expr *LValue);
  void analyzeWriteTargets(const clang::Expr *Operation, const clang::Expr *LValue);
  // A local reference bound to a field of a managed object in an atomic
  // block's body, and whether it can write.
  struct FieldReference {
    const clang::Expr *Field;
    bool Writable;
    // Bound outside an atomic block's body where nothing can move the
    // thread while it lives: valid wherever it is used, except escaping.
    bool Pinned = false;
  };
  // Where a field's address, or a reference to it, is bound.
  enum class Binding {
    Argument, // to a parameter of the call being made
    Local,    // to a local reference variable, or as a range-for's range
    Pinned,   // the same, where no safe point can come while it lives
    Returned, // returned by a field accessor (see fieldAccessorRefusal)
    Escaping, // returned otherwise, or a pointer that may be stored anywhere
  };
  // The field of a managed object that every target of the binding is, when
  // it stays valid where it is bound; null otherwise.
  const clang::Expr *analyzeBinding(const clang::Expr *Bound, bool Mutable, Binding Kind,
                                    const clang::FunctionDecl *Callee, const char *What);
  // A function of the program whose result is a reference to a field of a
  // managed object (an accessor: operator[], a getter). Its calls are field
  // references, judged where their results are bound, as fields are.
  bool isFieldAccessor(const clang::FunctionDecl *F) const;
  bool isFieldAccessorCall(const clang::Expr *E) const;
  // Why a function may not return a reference to a field (its callers could
  // not all be checked); empty when it may.
  std::string fieldAccessorRefusal(const clang::FunctionDecl *F) const;
  void checkFieldAccessorUse(const clang::DeclRefExpr *E);
  const FieldReference *fieldReferenceNamed(const clang::Expr *E) const;
  const FieldReference *fieldReferenceOf(const clang::ValueDecl *D) const;
  bool inAtomicBlockBody() const { return scope() && scope()->AtomicBody; }
  // An atomic block's or a queued task's own body: the thread keeps its
  // segment until the body returns.
  bool inFixedSegmentBody() const { return scope() && (scope()->AtomicBody || scope()->TaskBody); }
  clang::QualType fieldObjectType(const clang::Expr *Field) const;
  void reportFieldAddressEscapes(const clang::Expr *Field, clang::SourceLocation Loc,
                                 const char *What);
  void checkFieldReferenceCaptures(const clang::LambdaExpr *L);
  void analyzeCallArguments(const clang::CallExpr *E);
  const clang::VarDecl *outerLocal(const clang::Expr *Target) const;
  static const clang::VarDecl *variableOf(const clang::DeclRefExpr *Ref);
  static std::string nameOf(const clang::DeclRefExpr *Ref);
  void analyzeMemberWriteInBlock(const clang::Expr *Operation, const clang::Expr *LValue,
                                 const clang::MemberExpr *Member);
  const clang::DeclContext *methodOfThis() const;
  const clang::LambdaExpr *capturingLambda(const clang::VarDecl *VD) const;
  void analyzeLambdaCall(const clang::CallExpr *E);
  bool writesUnmanagedInInstantiation(const clang::Expr *Target) const;
  const FunctionScope *atomicBlock() const;
  bool declaredInTransaction(const clang::VarDecl *VD) const;
  bool restorableByCopy(const clang::VarDecl *VD, const clang::Expr *LValue) const;
  bool isFunctionLocalObject(const clang::Expr *Object) const;
  const clang::Expr *calledObject(const clang::CallExpr *E) const;
  bool isCallArgument(const clang::FunctionDecl *&Callee) const;

  // --- CallAnalysis.cpp
  CallKind classifyCall(const clang::CallExpr *E) const;
  CallKind classifyCallee(const clang::FunctionDecl *Callee, const clang::Expr *Object) const;
  bool hasConstTwin(const clang::CXXMethodDecl *M) const;
  bool isOwnedObject(const clang::Expr *Object) const;
  bool onlyOwnedArguments(const clang::CallExpr *E) const;
  bool modifiesObjectBehindPointer(const clang::CallExpr *E) const;
  bool isInstrumentedFunction(const clang::FunctionDecl *F) const;
  bool compiledWithStmify(const clang::FunctionDecl *F) const;
  void scanInstantiatedCalls();
  bool isKnownValueFunction(const clang::FunctionDecl *F) const;
  bool isKnownToSynchronize(const clang::FunctionDecl *F) const;
  bool onlyReadArguments(const clang::CallExpr *E) const;
  bool isWrittenManagedField(const clang::Expr *E) const;

  // --- SegmentChanges.cpp
  bool mayReachSafePoint(const clang::FunctionDecl *F) const;
  Binding localBinding(const clang::Stmt *Scope, const clang::Stmt *From);
  const clang::Stmt *firstSegmentChange(const clang::Stmt *S, const clang::Stmt *Allowed) const;
  bool callKeepsSegment(const clang::CallExpr *E) const;
  bool isLeafFunction(const clang::FunctionDecl *F) const;
  void pinLoop(const clang::Stmt *Loop);
  void noteSegmentChange(clang::SourceLocation Binding);

  TraceFunctionRule TraceFunctions;
  ManagedDeclarationRule ManagedDeclarations;
  SafePointRule SafePoints;
  BarrierRule Barriers;
  AtomicBlockRule AtomicBlocks;
  InevitabilityRule Inevitability;

  // Analysis state that only the analysis reads (its results are
  // AnalysisFacts).
  llvm::DenseSet<const clang::Expr *> EscapeChecked; // field addresses already judged
  // Local references bound, in an atomic block's body, to fields of managed
  // objects. A writable one's binding has the write barrier, and writes
  // through it write the managed heap; any use of one is a use of the field.
  llvm::DenseMap<const clang::VarDecl *, FieldReference> FieldReferences;
  mutable llvm::DenseMap<const clang::FunctionDecl *, bool>
      FieldAccessors;                         // memo; false while judged
  const clang::Stmt *SegmentChange = nullptr; // why the last localBinding was not Pinned
  bool BindingInTemplate = false;             // the last localBinding was in a template
  // Locals (or, with no variable, members of *this) that a lambda defined
  // outside atomic blocks writes through its captures, by closure class.
  struct CapturedWrite {
    const clang::VarDecl *Variable;
    const clang::Expr *LValue, *Operation;
  };
  std::map<const clang::CXXRecordDecl *, std::vector<CapturedWrite>> CapturedWrites;
  // Closures used otherwise than called where they are (passed on, copied):
  // an atomic block may call them where this file cannot see it.
  llvm::DenseSet<const clang::CXXRecordDecl *> EscapingClosures;
  void noteEscapingClosure(const clang::Expr *E);
  void hookWritesOfEscapingClosures();
  std::vector<std::pair<const clang::FunctionDecl *, const clang::FunctionDecl *>> NoexceptCalls;
};

} // namespace stmify

#endif
