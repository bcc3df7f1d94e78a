// The analysis phase: what the rules need to know about the whole translation
// unit before the first edit. It reads the AST and the traversal's position
// and writes only AnalysisFacts (and diagnostics about accesses it refuses),
// like clang's ExprMutationAnalyzer: one class, since its questions answer
// each other (whether a call is safe depends on whether its object is owned,
// which depends on what an accessor returns, which depends on which calls may
// reach a safe point). Its concerns, one file each:
//   WriteAnalysis.cpp   write contexts, reference bindings, outer locals
//   SegmentChanges.cpp  where a thread may change segment
//   CallAnalysis.cpp    which calls need a hook or synchronise
// Analysis.cpp hands it the nodes the traversal visits.
#ifndef STMIFY_PASSES_ANALYSIS_H
#define STMIFY_PASSES_ANALYSIS_H

#include "AnalysisFacts.h"
#include "TransformContext.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace stmify {

class Analysis {
public:
  Analysis(const TransformContext &Ctx, AnalysisFacts &Facts) : Ctx(Ctx), Facts(Facts) {}
  Analysis(const Analysis &) = delete;
  Analysis &operator=(const Analysis &) = delete;

  // Before and after the analysis traversal.
  void beforeTraversal();
  void afterTraversal();

  // In the analysis phase, at each node of the traversal (Analysis.cpp).
  void atLambda(const clang::LambdaExpr *L);
  void atUnaryOperator(const clang::UnaryOperator *E);
  void atBinaryOperator(const clang::BinaryOperator *E);
  // An overloaded operator call the template's pattern does not resolve.
  void atOperatorCall(const clang::CXXOperatorCallExpr *E);
  void atCall(const clang::CallExpr *E);
  void atConstruct(const clang::CXXConstructExpr *E);
  void atVarDecl(const clang::VarDecl *D);
  void atReturn(const clang::ReturnStmt *S);
  void atRangeFor(const clang::CXXForRangeStmt *S);
  void atArraySubscript(const clang::ArraySubscriptExpr *E);
  // The evaluated operand of typeid on a managed object.
  void atTypeidOperand(const clang::Expr *Operand);
  void atDeclRef(const clang::DeclRefExpr *E);
  void atImplicitCast(const clang::ImplicitCastExpr *E);
  // The body of a function or of a lambda that is not an atomic block's, a
  // task's or a handler's, on entering it (SegmentChanges.cpp).
  void atFunctionBody(const clang::FunctionDecl *F, const clang::Stmt *Body);
  // A call or construction that starts a thread (SegmentChanges.cpp).
  void noteThreadStarts(const clang::Expr *E);

  // In both phases: what a call needs inside a transaction.
  CallKind classifyCall(const clang::CallExpr *E) const;
  // An operator of a template's pattern that an instantiation makes a call:
  // Hook or Safe.
  CallKind classifyDependentOperator(const clang::BinaryOperator *E) const;

private:
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
  // A local reference bound, in an atomic block's body, to a field of a
  // managed object, and whether it can write.
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
  bool inAtomicBlockBody() const { return Ctx.scope() && Ctx.scope()->AtomicBody; }
  // An atomic block's or a queued task's own body: the thread keeps its
  // segment until the body returns.
  bool inFixedSegmentBody() const {
    return Ctx.scope() && (Ctx.scope()->AtomicBody || Ctx.scope()->TaskBody);
  }
  clang::QualType fieldObjectType(const clang::Expr *Field) const;
  void reportFieldAddressEscapes(const clang::Expr *Field, clang::SourceLocation Loc,
                                 const char *What);
  void checkFieldReferenceCaptures(const clang::LambdaExpr *L);
  // An element of a container of stmify's library (v[i], *it, it->x, a
  // reference bound to one, a member of one): the container backs up what
  // such a reference can write, so writes through it need no barrier or
  // hook, but it is valid only as long as a field's reference is.
  bool isContainerElement(const clang::Expr *E) const;
  bool isContainerElementInInstantiations(const clang::Expr *E) const;
  void checkContainerElementBinding(Binding Kind, const clang::Expr *Bound);
  std::string containerName(const clang::Expr *E) const;
  void analyzeCallArguments(const clang::CallExpr *E);
  void analyzeDependentCallArguments(const clang::CallExpr *E);
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
  const clang::Expr *unmanagedObjectOfMethodCall(const clang::CallExpr *E, bool &Arrow) const;
  void noteMutableArguments(const clang::CallExpr *E);
  static const clang::Expr *dependentCallObject(const clang::CallExpr *E, bool &Arrow);
  bool modifiesUnownedObjectInInstantiations(const clang::CallExpr *E) const;
  void analyzeDependentOperands(const clang::BinaryOperator *E);
  bool isCallArgument(const clang::FunctionDecl *&Callee,
                      const clang::Stmt **Sibling = nullptr) const;
  void noteEscapingClosure(const clang::Expr *E);
  void hookWritesOfEscapingClosures();
  void adoptNamedBlocks();

  // --- CallAnalysis.cpp
  CallKind classifyCallee(const clang::FunctionDecl *Callee, const clang::Expr *Object) const;
  bool hasConstTwin(const clang::CXXMethodDecl *M) const;
  bool isOwnedObject(const clang::Expr *Object) const;
  bool onlyOwnedArguments(const clang::CallExpr *E) const;
  bool modifiesObjectBehindPointer(const clang::CallExpr *E) const;
  bool isInstrumentedFunction(const clang::FunctionDecl *F) const;
  bool compiledWithStmify(const clang::FunctionDecl *F) const;
  bool writesUnownedObject(const clang::FunctionDecl *F, const clang::Expr *Object) const;
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
  bool onlyReadsStrings(const clang::CallExpr *E, const clang::FunctionDecl *F) const;
  bool isContainerAccess(const clang::FunctionDecl *F) const;
  const clang::Stmt *siblingSegmentChange(llvm::ArrayRef<const clang::Expr *> Arguments,
                                          unsigned Bound) const;
  bool isLeafFunction(const clang::FunctionDecl *F) const;
  bool mayNeedEntrySafePoint(const clang::Stmt *S, bool InCallee) const;
  void noteThreadStart(const clang::Expr *Callable);
  void pinLoop(const clang::Stmt *Loop);
  void noteSegmentChange(clang::SourceLocation Binding);
  bool isStmifyLibraryFunction(const clang::FunctionDecl *F) const;
  void libraryCallbacks(const clang::CallExpr *E,
                        llvm::SmallVectorImpl<const clang::FunctionDecl *> &Out) const;
  const clang::Expr *elementsArgument(const clang::CallExpr *E) const;
  void checkLibraryCallbacks(const clang::CallExpr *E);
  void checkLibraryCall(const clang::CallExpr *E);
  void reportElementsHandedToLibrary(const clang::CallExpr *E, const clang::Expr *Elements,
                                     clang::SourceLocation NoteAt, const std::string &Why);

  // --- RedundantBarriers.cpp
  // The bodies to walk once the analysis traversal is done (WrittenAccesses
  // is complete then), with the body of the function whose variables they
  // use (a lambda's is its enclosing function's).
  struct BarrierBody {
    const clang::Stmt *Body, *Outermost;
    bool FixedSegment; // an atomic block's or a queued task's own body
    // The constructor whose member initialisers run before Outermost: they
    // use its parameters too.
    const clang::CXXConstructorDecl *Constructor;
  };
  std::vector<BarrierBody> BarrierBodies;
  // One function and its lambdas: the walk over one body of it.
  struct BarrierScan {
    struct Access {
      const clang::Expr *E;
      const void *Key; // the object: a variable, or `this`
      bool Conditional, Write;
    };
    // What the transaction holds of one object, at one point.
    struct Held {
      bool Read = false, Write = false;
    };
    using Holdings = llvm::DenseMap<const void *, Held>;
    explicit BarrierScan(Analysis &A) : A(A) {}
    static Holdings intersect(const Holdings &A, const Holdings &B);
    void noteVariableUses(const clang::Stmt *S, const clang::Stmt *Body, const clang::Stmt *Parent);
    bool sameObjectIn(const clang::VarDecl *VD, const clang::Stmt *Body) const;
    const void *objectKey(const clang::Expr *Access) const;
    void accesses(const clang::Stmt *S, bool Conditional, llvm::SmallVectorImpl<Access> &Out,
                  const clang::Stmt *Parent) const;
    void assignedIn(const clang::Stmt *S, llvm::DenseSet<const void *> &Out) const;
    void loseWhatChanges(const clang::Stmt *S, bool MayPublish, Holdings &H) const;
    void straightLine(const clang::Stmt *S, Holdings &H);
    void enterLoop(const clang::Stmt *Loop, Holdings &H) const;
    void hoistOutOf(const clang::ForStmt *For, Holdings &H);
    void destroyAtEnd(std::initializer_list<const clang::Stmt *> Parts, Holdings &H) const;
    void statement(const clang::Stmt *S, Holdings &H);

    Analysis &A;
    const clang::Stmt *Body = nullptr;
    bool FixedSegment = false;
    const clang::Stmt *InBlock = nullptr;  // the statement of a block being walked
    const clang::Stmt *LoopBody = nullptr; // the body of a loop being walked
    llvm::DenseSet<const clang::VarDecl *> Unstable;
    llvm::DenseMap<const clang::VarDecl *, llvm::SmallPtrSet<const clang::Stmt *, 2>> AssignedIn;
  };
  void findRedundantBarriers();

public:
  // In the analysis phase, at the entry of each function's or lambda's body.
  void noteBarrierBody();

private:
  const TransformContext &Ctx;
  AnalysisFacts &Facts;

  // What only the analysis reads (its results are Facts).
  llvm::DenseSet<const clang::Expr *> EscapeChecked; // field addresses already judged
  // Local references bound, in an atomic block's body, to fields of managed
  // objects. A writable one's binding has the write barrier, and writes
  // through it write the managed heap; any use of one is a use of the field.
  llvm::DenseMap<const clang::VarDecl *, FieldReference> FieldReferences;
  // Local references bound to elements of stmify's containers.
  llvm::DenseSet<const clang::VarDecl *> ContainerElementReferences;
  mutable llvm::DenseMap<const clang::FunctionDecl *, bool>
      FieldAccessors;                         // memo; false while judged
  const clang::Stmt *SegmentChange = nullptr; // why the last localBinding was not Pinned
  // While a call's argument is judged: another argument that may move the
  // thread (siblingSegmentChange).
  const clang::Stmt *MovingSibling = nullptr;
  bool BindingInTemplate = false; // the last localBinding was in a template
  // Functions refused as callbacks of a library call (checkLibraryCallbacks),
  // with the call's raw range: one error each.
  std::set<std::pair<const clang::FunctionDecl *, std::pair<unsigned, unsigned>>> ReportedCallbacks;
  // Calls of library code that hand it containers' elements, in template
  // instantiations, by their raw source range (the pattern's call has it).
  std::map<std::pair<unsigned, unsigned>, std::vector<const clang::CallExpr *>>
      InstantiatedLibraryCalls;
  // Calls in template instantiations by raw source range: whether each call
  // of that range returns an element of a container of stmify's library.
  std::map<std::pair<unsigned, unsigned>, bool> InstantiatedElementAccesses;
  // Arguments that some instantiation's call binds to a non-const
  // reference, by raw source range: in the template's pattern the call is
  // dependent and has no parameters to tell.
  std::set<std::pair<unsigned, unsigned>> MutableArgumentsInInstantiations;
  // Calls of the program's non-const methods on an unmanaged object (not
  // `this`) in some instantiation, by raw source range: the method writes
  // the object without hooks, so the pattern's call needs one unless the
  // calling code owns the object.
  std::set<std::pair<unsigned, unsigned>> UnmanagedMethodCallsInInstantiations;
  // Calls that synchronise (a std::atomic's operations) in some
  // instantiation, by raw source range.
  std::set<std::pair<unsigned, unsigned>> SynchronizingCallsInInstantiations;
  // Dependent calls in atomic blocks that modify an outer local a byte copy
  // cannot restore (its type not known in the pattern): hooked.
  llvm::DenseSet<const clang::CallExpr *> CallsModifyingUnsavedLocals;
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
  // Closures of lambdas kept in locals that are named only as atomic blocks
  // (adoptNamedBlocks).
  llvm::DenseSet<const clang::CXXRecordDecl *> AdoptedBlocks;
  // Calls from a noexcept function to a function of the program: the caller
  // needs a hook when the callee does (through chains, afterTraversal).
  std::vector<std::pair<const clang::FunctionDecl *, const clang::FunctionDecl *>> NoexceptCalls;
};

} // namespace stmify

#endif
