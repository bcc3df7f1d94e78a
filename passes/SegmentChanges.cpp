// Where a thread may change segment: which functions may reach a safe
// point, which calls keep the thread where it is, and how long a reference to
// a field bound outside atomic blocks stays valid (analysis phase).
#include "Analysis.h"
#include "Names.h"
#include "SafePoints.h"

using namespace clang;

namespace stmify {
namespace {

// Whether destroying an object of class R runs code: a member or base with a
// destructor of its own.
bool destroysMembers(const CXXRecordDecl *R) {
  for (const FieldDecl *F : R->fields())
    if (const CXXRecordDecl *M = F->getType()->getBaseElementTypeUnsafe()->getAsCXXRecordDecl())
      if (M->hasDefinition() && !M->hasTrivialDestructor())
        return true;
  for (const CXXBaseSpecifier &B : R->bases())
    if (const CXXRecordDecl *M = B.getType()->getAsCXXRecordDecl())
      if (M->hasDefinition() && !M->hasTrivialDestructor())
        return true;
  return false;
}

} // namespace

// Whether a function compiled with stmify may reach a safe point (where a
// thread outside atomic blocks can move to another segment). Not when its
// body is visible and neither calls nor loops, counting a constructor's
// member initialisers and a destructor's destruction of members; a
// constexpr function has no safe points of its own (none at its entry or
// back-edges), but what it calls may. A virtual function's override may.
bool Analysis::mayReachSafePoint(const FunctionDecl *F) const {
  const FunctionDecl *Definition = nullptr;
  if (!F->hasBody(Definition) || !Definition)
    return true;
  if (const auto *M = dyn_cast<CXXMethodDecl>(Definition); M && M->isVirtual())
    return true;
  if (const auto *C = dyn_cast<CXXConstructorDecl>(Definition))
    for (const CXXCtorInitializer *I : C->inits())
      if (callsOrLoops(I->getInit()))
        return true;
  if (const auto *D = dyn_cast<CXXDestructorDecl>(Definition); D && destroysMembers(D->getParent()))
    return true;
  bool DeclaredConstexpr =
      Definition->isConstexpr() &&
      !(isa<CXXMethodDecl>(Definition) && cast<CXXMethodDecl>(Definition)->getParent()->isLambda());
  return callsOrLoops(Definition->getBody(), /*Loops=*/!DeclaredConstexpr);
}

// Whether T is, points to or refers to a managed object or container.
static bool touchesManagedType(QualType T) {
  return !T.isNull() &&
         (classifyObjectType(T) != Managed::No || classifyPointee(T) != Managed::No ||
          isStmContainer(T.getNonReferenceType()));
}

// Whether the thread may reach a safe point or touch a managed object in S.
// Not when S neither loops nor touches a managed object, makes or destroys
// no object of class type, and calls only the program's functions whose
// bodies neither call, loop nor touch a managed object, functions of std
// and the C library's known value functions that return, and the element
// accessors and sizes of std's sequence containers and strings, each given
// only arithmetic or enumeration values: code that calls nothing that could
// call on. A lambda's body is not S's (its captures are).
bool Analysis::mayNeedEntrySafePoint(const Stmt *S, bool InCallee) const {
  if (!S)
    return false;
  if (const auto *L = dyn_cast<LambdaExpr>(S))
    return llvm::any_of(L->capture_inits(),
                        [&](const Expr *Init) { return mayNeedEntrySafePoint(Init, InCallee); });
  if (const auto *E = dyn_cast<Expr>(S); E && touchesManagedType(E->getType()))
    return true;
  // The source of an array copy's elements (a structured binding of an
  // array field) is not among its children.
  if (const auto *Opaque = dyn_cast<OpaqueValueExpr>(S))
    return mayNeedEntrySafePoint(Opaque->getSourceExpr(), InCallee);
  if (isa<ForStmt>(S) || isa<WhileStmt>(S) || isa<DoStmt>(S) || isa<CXXForRangeStmt>(S) ||
      isa<GotoStmt>(S) || isa<IndirectGotoStmt>(S) || isa<CoroutineSuspendExpr>(S) ||
      isa<AtomicExpr>(S) || isa<CXXNewExpr>(S) || isa<CXXDeleteExpr>(S) ||
      isa<CXXBindTemporaryExpr>(S) || isa<CXXUnresolvedConstructExpr>(S) ||
      isa<CXXDependentScopeMemberExpr>(S) || isa<UnresolvedLookupExpr>(S) ||
      isa<UnresolvedMemberExpr>(S) || isa<CXXThrowExpr>(S) || isa<CXXTryStmt>(S))
    return true;
  if (const auto *Construct = dyn_cast<CXXConstructExpr>(S);
      Construct && !Construct->getConstructor()->isTrivial())
    return true;
  if (const auto *Call = dyn_cast<CallExpr>(S)) {
    const FunctionDecl *Callee = Call->getDirectCallee();
    if (!Callee)
      return true;
    const auto *Method = dyn_cast<CXXMethodDecl>(Callee);
    if (isInstrumentedFunction(Callee)) {
      // A function of the program's: one that calls nothing (so it never
      // calls back), touching no managed object. Looked at once, not
      // through its callees.
      const FunctionDecl *Definition = nullptr;
      if (InCallee || (Method && Method->isVirtual()) || !Callee->hasBody(Definition) ||
          !Definition || isa<CXXConstructorDecl>(Definition) ||
          isa<CXXDestructorDecl>(Definition) || callsOrLoops(Definition->getBody()) ||
          mayNeedEntrySafePoint(Definition->getBody(), /*InCallee=*/true))
        return true;
    } else {
      // Not one that ends the program (std::terminate runs a handler, exit
      // the program's destructors).
      bool Std = (Callee->isInStdNamespace() ||
                  (Callee->getBuiltinID() != 0 && isKnownValueFunction(Callee))) &&
                 !Callee->isNoReturn();
      bool SequenceAccess = false;
      if (Method) {
        const CXXRecordDecl *Class = Method->getParent();
        llvm::StringRef Name = Class->getIdentifier() ? Class->getName() : "";
        llvm::StringRef Member = Method->getIdentifier() ? Method->getName() : "";
        bool Sequence =
            Class->isInStdNamespace() &&
            llvm::is_contained(
                {"vector", "array", "deque", "basic_string", "basic_string_view", "span"}, Name);
        SequenceAccess =
            Sequence && (Method->isConst() || hasConstTwin(Method)) &&
            (Method->getOverloadedOperator() == OO_Subscript ||
             llvm::is_contained(
                 {"at", "size", "empty", "front", "back", "length", "capacity", "data"}, Member));
      }
      if ((Method && !SequenceAccess) || (!Method && !Std))
        return true;
      // The object of a member call is the container; every argument is an
      // arithmetic value, which cannot call the program.
      unsigned First = isa<CXXOperatorCallExpr>(Call) && Method ? 1 : 0;
      for (unsigned I = First; I < Call->getNumArgs(); ++I) {
        QualType T = Call->getArg(I)->getType().getNonReferenceType();
        if (!T->isArithmeticType() && !T->isEnumeralType())
          return true;
      }
    }
  }
  if (const auto *Default = dyn_cast<CXXDefaultArgExpr>(S))
    return mayNeedEntrySafePoint(Default->getExpr(), InCallee);
  if (const auto *Default = dyn_cast<CXXDefaultInitExpr>(S))
    return mayNeedEntrySafePoint(Default->getExpr(), InCallee);
  if (const auto *Declarations = dyn_cast<DeclStmt>(S))
    for (const Decl *D : Declarations->decls())
      if (const auto *VD = dyn_cast<VarDecl>(D)) {
        QualType T = Ctx.AST.getBaseElementType(VD->getType().getNonReferenceType());
        const CXXRecordDecl *R = T->getAsCXXRecordDecl();
        if (initializedAtFirstUse(VD) || touchesManagedType(VD->getType()) ||
            (!VD->getType()->isReferenceType() &&
             (T->isDependentType() || (R && (!R->hasDefinition() || !R->hasTrivialDestructor())))))
          return true;
      }
  for (const Stmt *Child : S->children())
    if (mayNeedEntrySafePoint(Child, InCallee))
      return true;
  return false;
}

// A function that calls, but only code that reaches no safe point and
// touches no managed object (mayNeedEntrySafePoint), needs no safe point at
// its entry: no recursion passes through it (nothing it calls calls on),
// the time it runs is bounded, and a thread that begins in it touches no
// managed object before it ends.
// Kept in noexcept functions and destructors, whose entry also keeps
// callees from throwing an abort; in constructors, whose member
// initialisers run first; and in templates, where an instantiation may call
// what the pattern does not show.
void Analysis::atFunctionBody(const FunctionDecl *F, const Stmt *Body) {
  const FunctionScope *Scope = Ctx.scope();
  if (!Body || !Scope || Scope->NoThrow || Scope->ConstructorOrDestructor ||
      F->isDependentContext() || !callsOrLoops(Body) || mayNeedEntrySafePoint(Body, false))
    return;
  Facts.FunctionsCallingNoSafePoint.insert(Body->getBeginLoc().getRawEncoding());
}

// A thread begins in the callable that std::thread, std::jthread,
// std::async or pthread_create is given (or a container of threads
// constructs one from), and may begin in one that a std::function or
// std::packaged_task holds: a lambda, a function, a pointer to a member
// function, a function object, or a local variable holding a lambda. Its
// body attaches the thread at its entry if it has no safe point there (it
// neither calls nor loops), for a new thread attaches to the runtime at its
// first safe point and faults at a barrier before one.
void Analysis::noteThreadStart(const Expr *Callable) {
  if (!Callable)
    return;
  const Expr *E = Callable->IgnoreImplicit()->IgnoreParenCasts();
  if (const auto *Temporary = dyn_cast<MaterializeTemporaryExpr>(E))
    E = Temporary->getSubExpr()->IgnoreImplicit()->IgnoreParenCasts();
  // A lambda without captures converted to a pointer to function.
  if (const auto *Conversion = dyn_cast<CXXMemberCallExpr>(E);
      Conversion && isa_and_nonnull<CXXConversionDecl>(Conversion->getMethodDecl()))
    E = Conversion->getImplicitObjectArgument()->IgnoreImplicit()->IgnoreParenCasts();
  if (const auto *AddressOf = dyn_cast<UnaryOperator>(E);
      AddressOf && AddressOf->getOpcode() == UO_AddrOf)
    E = AddressOf->getSubExpr()->IgnoreParenCasts();
  // What std::bind, std::bind_front, std::bind_back, std::mem_fn, std::ref or
  // std::cref wraps is what the thread calls.
  if (const auto *Wrap = dyn_cast<CallExpr>(E); Wrap && Wrap->getNumArgs() > 0)
    if (const FunctionDecl *F = Wrap->getDirectCallee();
        F && F->isInStdNamespace() && F->getIdentifier() &&
        llvm::is_contained({"bind", "bind_front", "bind_back", "mem_fn", "ref", "cref"},
                           F->getName()))
      return noteThreadStart(Wrap->getArg(0));
  // One that touches no managed object and calls nothing that does (an
  // empty lambda) needs no segment.
  auto Note = [&](const FunctionDecl *F) {
    const FunctionDecl *Definition = nullptr;
    if (F && F->hasBody(Definition) && Definition && Definition->getBody() &&
        mayNeedEntrySafePoint(Definition->getBody(), false))
      Facts.ThreadStartFunctions.insert(Definition->getBody()->getBeginLoc().getRawEncoding());
  };
  if (const auto *L = dyn_cast<LambdaExpr>(E))
    return Note(L->getCallOperator());
  if (const auto *Ref = dyn_cast<DeclRefExpr>(E)) {
    if (const auto *F = dyn_cast<FunctionDecl>(Ref->getDecl()))
      return Note(F);
    if (const auto *V = dyn_cast<VarDecl>(Ref->getDecl());
        V && V->hasLocalStorage() && V->getInit() && !V->getType()->isReferenceType())
      if (const auto *L = dyn_cast<LambdaExpr>(V->getInit()->IgnoreImplicit()))
        return Note(L->getCallOperator());
  }
  if (const CXXRecordDecl *Class = E->getType().getNonReferenceType()->getAsCXXRecordDecl())
    if (Class->hasDefinition())
      for (const CXXMethodDecl *M : Class->methods())
        if (M->getOverloadedOperator() == OO_Call)
          Note(M);
}

static bool isThreadClass(const CXXRecordDecl *R) {
  return R && R->isInStdNamespace() && R->getIdentifier() &&
         (R->getName() == "thread" || R->getName() == "jthread");
}

// A std class that holds any callable behind one type, which a thread may
// later be given: what it is made from or assigned may be where a thread
// begins.
static bool isCallableHolder(const CXXRecordDecl *R) {
  return R && R->isInStdNamespace() && R->getIdentifier() &&
         llvm::is_contained({"function", "move_only_function", "packaged_task"}, R->getName());
}

void Analysis::noteThreadStarts(const Expr *E) {
  if (const auto *Construct = dyn_cast<CXXConstructExpr>(E)) {
    // The callable comes first, or after an allocator.
    const CXXRecordDecl *Class = Construct->getConstructor()->getParent();
    if (isThreadClass(Class) || isCallableHolder(Class))
      for (const Expr *Argument : Construct->arguments())
        noteThreadStart(Argument);
    return;
  }
  const auto *Call = dyn_cast<CallExpr>(E);
  const FunctionDecl *Callee = Call ? Call->getDirectCallee() : nullptr;
  if (const auto *Assign = dyn_cast_or_null<CXXMethodDecl>(Callee);
      Assign && Assign->getOverloadedOperator() == OO_Equal &&
      isCallableHolder(Assign->getParent()) && Call->getNumArgs() == 2)
    return noteThreadStart(Call->getArg(1));
  if (!Callee || !Callee->getIdentifier() || Call->getNumArgs() == 0)
    return;
  llvm::StringRef Name = Callee->getName();
  if (Name == "pthread_create" && Call->getNumArgs() == 4 && !Callee->isCXXClassMember())
    return noteThreadStart(Call->getArg(2));
  if (Name == "async" && Callee->isInStdNamespace()) {
    const Expr *First = Call->getArg(0);
    bool Policy = First->getType()->isEnumeralType();
    return noteThreadStart(Policy && Call->getNumArgs() > 1 ? Call->getArg(1) : First);
  }
  // A std class template of threads, or of holders of callables, that makes
  // one from its arguments (vector<std::thread>::emplace_back, map<K,
  // std::function<void()>>::emplace, optional<std::thread>::emplace), and
  // std::make_unique<std::thread> or std::make_shared<std::packaged_task<R()>>:
  // the callable is one of the arguments, after a position, a key or an
  // allocator. Each is noted: the attach of one that is not is harmless.
  const auto *Method = dyn_cast<CXXMethodDecl>(Callee);
  const auto *Container =
      Method ? dyn_cast<ClassTemplateSpecializationDecl>(Method->getParent()) : nullptr;
  const TemplateArgumentList *Made =
      Container ? &Container->getTemplateArgs() : Callee->getTemplateSpecializationArgs();
  bool MakesThread = Made &&
                     (Container ? Container->isInStdNamespace() : Callee->isInStdNamespace()) &&
                     (Container ? Name.starts_with("emplace") || Name == "try_emplace"
                                : Name == "make_unique" || Name == "make_shared") &&
                     llvm::any_of(Made->asArray(), [](const TemplateArgument &A) {
                       if (A.getKind() != TemplateArgument::Type)
                         return false;
                       const CXXRecordDecl *Class = A.getAsType()->getAsCXXRecordDecl();
                       return isThreadClass(Class) || isCallableHolder(Class);
                     });
  if (MakesThread)
    for (const Expr *Argument : Call->arguments())
      noteThreadStart(Argument);
}

// A function of the program the thread may call while a reference into its
// segment lives outside atomic blocks: one that reaches no safe point.
bool Analysis::isLeafFunction(const FunctionDecl *F) const {
  return F && isInstrumentedFunction(F) && !mayReachSafePoint(F);
}

// A call that reaches no safe point and allocates nothing: a method of a
// container of stmify's library that reads (const, or with a const twin),
// and the operations of its iterators.
bool Analysis::isContainerAccess(const FunctionDecl *F) const {
  const auto *M = dyn_cast<CXXMethodDecl>(F);
  if (M && isStmContainer(QualType(M->getParent()->getTypeForDecl(), 0)))
    return M->isConst() || hasConstTwin(M);
  if (M)
    return returnsContainerElement(M) || isStmContainerIterator(M->getParent());
  return F->getNumParams() > 0 && llvm::all_of(F->parameters(), [](const ParmVarDecl *P) {
           const CXXRecordDecl *R = P->getType().getNonReferenceType()->getAsCXXRecordDecl();
           return R && isStmContainerIterator(R);
         });
}

// Text that stm::string's functions read without calling the program: a
// stm::string, a standard string or string view, a C string.
static bool isLibraryText(QualType T) {
  T = T.getNonReferenceType();
  if (T->isScalarType())
    return true;
  if (const ArrayType *Array = T->getAsArrayTypeUnsafe())
    return Array->getElementType()->isCharType();
  const CXXRecordDecl *R = T->getAsCXXRecordDecl();
  return R && (isStmClass(R, names::StringClass) ||
               (R->isInStdNamespace() && R->getIdentifier() &&
                (R->getName() == "basic_string" || R->getName() == "basic_string_view")));
}

// A std::string_view made of library text.
static bool isLibraryTextView(const CXXConstructExpr *E) {
  const CXXRecordDecl *R = E->getConstructor()->getParent();
  return R->isInStdNamespace() && R->getIdentifier() && R->getName() == "basic_string_view" &&
         llvm::all_of(E->arguments(),
                      [](const Expr *Argument) { return isLibraryText(Argument->getType()); });
}

// stm::string's functions that only read characters: its const methods that
// make no managed string (substr allocates), its comparisons and
// std::hash<stm::string>, given text of the library's kinds. They reach no
// safe point and call no code of the program's.
bool Analysis::onlyReadsStrings(const CallExpr *E, const FunctionDecl *F) const {
  if (!isStmifyLibraryFunction(F))
    return false;
  const auto *M = dyn_cast<CXXMethodDecl>(F);
  const CXXRecordDecl *R = M ? M->getParent() : nullptr;
  const CXXRecordDecl *Result = F->getReturnType().getNonReferenceType()->getAsCXXRecordDecl();
  bool StringReader = R && isStmClass(R, names::StringClass) && M->isConst() &&
                      !(Result && isStmClass(Result, names::StringClass));
  const auto *Hash = dyn_cast_or_null<ClassTemplateSpecializationDecl>(R);
  bool StringHash = Hash && Hash->isInStdNamespace() && Hash->getName() == "hash" &&
                    Hash->getTemplateArgs().size() == 1 &&
                    isLibraryText(Hash->getTemplateArgs()[0].getAsType());
  OverloadedOperatorKind Op = F->getOverloadedOperator();
  bool Comparison = !M && (Op == OO_EqualEqual || Op == OO_ExclaimEqual || Op == OO_Less ||
                           Op == OO_LessEqual || Op == OO_Greater || Op == OO_GreaterEqual);
  if (!StringReader && !StringHash && !Comparison)
    return false;
  unsigned First = isa<CXXOperatorCallExpr>(E) && M ? 1 : 0;
  for (unsigned I = First; I < E->getNumArgs(); ++I)
    if (!isLibraryText(E->getArg(I)->IgnoreImplicit()->getType()))
      return false;
  return true;
}

// A call that cannot move the thread: a leaf function of the program (a
// lambda's included), stm::array's element access, stm::string's readers,
// or library code that computes values (known to, or a free function or
// accessor of namespace std) and is neither blocking nor synchronising,
// whose arguments are all scalars or references to scalars, so that it
// cannot call back into the program (a function object, a user-defined
// operator or copy).
bool Analysis::callKeepsSegment(const CallExpr *E) const {
  const FunctionDecl *F = E->getDirectCallee();
  if (!F || isAtomicCall(E) || isTaskCall(E))
    return false;
  if (isLeafFunction(F))
    return true;
  // A builtin of the C library (printf, sqrt) is as its library function.
  if ((F->getBuiltinID() && !isKnownValueFunction(F)) || isInstrumentedFunction(F) ||
      isKnownToSynchronize(F))
    return false;
  if (onlyReadsStrings(E, F))
    return true;
  // Free functions of namespace std (std::swap, std::min), accessors of its
  // classes (vector::operator[] and size, which have a const twin or are
  // const) and stm::array's element access, given only scalars, call no code
  // of the program's.
  const auto *M = dyn_cast<CXXMethodDecl>(F);
  if (isContainerAccess(F))
    return true;
  bool StmArray = M && isStmClass(M->getParent(), names::ArrayClass);
  bool ValueOnly = isKnownValueFunction(F) || StmArray || (!M && F->isInStdNamespace()) ||
                   (M && M->getParent()->isInStdNamespace() && (M->isConst() || hasConstTwin(M)));
  // Nor may it return something that could hold a reference it is given
  // (std::ref, std::addressof).
  QualType Result = F->getReturnType().getNonReferenceType();
  bool TakesReference = llvm::any_of(
      F->parameters(), [](const ParmVarDecl *P) { return P->getType()->isReferenceType(); });
  if (!ValueOnly || (TakesReference && (Result->isRecordType() || Result->isPointerType())))
    return false;
  // A call operator of a std class that holds something (std::function,
  // std::reference_wrapper) calls what it holds; an empty one (std::less)
  // compares the scalars it is given.
  if (M && M->getOverloadedOperator() == OO_Call && !M->getParent()->isEmpty())
    return false;
  unsigned First = isa<CXXOperatorCallExpr>(E) && isa<CXXMethodDecl>(F) ? 1 : 0;
  for (unsigned I = First; I < E->getNumArgs(); ++I) {
    // A pointer to a function is a scalar that std::invoke or an algorithm
    // calls.
    const QualType T = E->getArg(I)->getType().getNonReferenceType();
    if (!T->isScalarType() || T->isFunctionPointerType() || T->isMemberPointerType())
      return false;
  }
  return true;
}

// The first place in S where the thread may change segment or publish, or
// where a reference could escape: any call but those callKeepsSegment
// allows, any construction, destruction, new or delete of an object of
// class type, an atomic operation, a goto, a loop other
// than Allowed (a range-for over the field itself, bounded by its size, whose
// body is then checked like the rest). Null when there is none.
const Stmt *Analysis::firstSegmentChange(const Stmt *S, const Stmt *Allowed) const {
  if (!S)
    return nullptr;
  // A closure is made by copying its captures; its body runs elsewhere.
  if (const auto *L = dyn_cast<LambdaExpr>(S)) {
    for (const Expr *Init : L->capture_inits())
      if (firstSegmentChange(Init, nullptr))
        return S;
    return nullptr;
  }
  // A trivial constructor (a closure's copy, std::less<long>()) runs no code,
  // nor does a string view's of library text (a literal given to a
  // stm::string reader).
  if (const auto *Construct = dyn_cast<CXXConstructExpr>(S);
      Construct && (Construct->getConstructor()->isTrivial() || isLibraryTextView(Construct))) {
    for (const Expr *Argument : Construct->arguments())
      if (const Stmt *Found = firstSegmentChange(Argument, Allowed))
        return Found;
    return nullptr;
  }
  if (S != Allowed &&
      (isa<ForStmt>(S) || isa<WhileStmt>(S) || isa<DoStmt>(S) || isa<CXXForRangeStmt>(S)))
    return S;
  if (isa<GotoStmt>(S) || isa<IndirectGotoStmt>(S) || isa<CoroutineSuspendExpr>(S) ||
      isa<AtomicExpr>(S) || isa<CXXNewExpr>(S) || isa<CXXDeleteExpr>(S) ||
      isa<CXXConstructExpr>(S) || isa<CXXBindTemporaryExpr>(S) ||
      isa<CXXUnresolvedConstructExpr>(S) || isa<CXXDependentScopeMemberExpr>(S) ||
      isa<UnresolvedLookupExpr>(S) || isa<UnresolvedMemberExpr>(S))
    return S;
  if (const auto *Call = dyn_cast<CallExpr>(S); Call && !callKeepsSegment(Call))
    return S;
  // A default argument or member initialiser runs here: what it does counts.
  if (const auto *Default = dyn_cast<CXXDefaultArgExpr>(S))
    return firstSegmentChange(Default->getExpr(), nullptr) ? S : nullptr;
  if (const auto *Default = dyn_cast<CXXDefaultInitExpr>(S))
    return firstSegmentChange(Default->getExpr(), nullptr) ? S : nullptr;
  if (const auto *Declarations = dyn_cast<DeclStmt>(S))
    for (const Decl *D : Declarations->decls())
      if (const auto *VD = dyn_cast<VarDecl>(D)) {
        if (initializedAtFirstUse(VD))
          return S;
        // Its construction is its initialiser, checked below; its
        // destruction runs code unless trivial.
        QualType T = Ctx.AST.getBaseElementType(VD->getType().getNonReferenceType());
        const CXXRecordDecl *R = T->getAsCXXRecordDecl();
        if (!VD->getType()->isReferenceType() &&
            (T->isDependentType() || (R && (!R->hasDefinition() || !R->hasTrivialDestructor()))))
          return S;
      }
  if (const auto *Range = dyn_cast<CXXForRangeStmt>(S))
    return firstSegmentChange(Range->getBody(), nullptr);
  for (const Stmt *Child : S->children())
    if (const Stmt *Found = firstSegmentChange(Child, Allowed))
      return Found;
  return nullptr;
}

// How a reference bound to a field outside an atomic block's or a task's
// body lives. Pinned when nothing in its live range may move the thread
// (firstSegmentChange): the rest of the compound statement that declares it
// (From, its declaration, and what follows), or the range-for whose range
// it is (From null); the range-for then keeps no safe point (pinLoop).
// Otherwise Local (an error, where it is a field's), and the place that may
// is kept for the diagnostic. Not in templates: the pattern does not show
// what an instantiation calls.
Analysis::Binding Analysis::localBinding(const Stmt *Scope, const Stmt *From) {
  SegmentChange = nullptr;
  BindingInTemplate = Ctx.scope() && Ctx.scope()->Function->isDependentContext();
  if (inFixedSegmentBody() || !Scope || !Ctx.scope() || BindingInTemplate)
    return Binding::Local;
  if (!From) {
    SegmentChange = firstSegmentChange(Scope, Scope);
  } else {
    const auto *Block = dyn_cast<CompoundStmt>(Scope);
    if (!Block)
      return Binding::Local; // under a label, a case, an if or a for
    bool Live = false;
    for (const Stmt *S : Block->body()) {
      Live = Live || S == From;
      if (Live && (SegmentChange = firstSegmentChange(S, nullptr)))
        break;
    }
  }
  return SegmentChange ? Binding::Local : Binding::Pinned;
}

// f(p->field, g()) outside atomic blocks: the reference to the field may be
// bound before g() runs (C++ leaves the order of arguments open, clang goes
// left to right), and g() may move the thread to another segment before f
// uses it. The first other argument that may, or null.
const Stmt *Analysis::siblingSegmentChange(ArrayRef<const Expr *> Arguments, unsigned Bound) const {
  if (!Ctx.scope() || inFixedSegmentBody())
    return nullptr;
  for (unsigned I = 0; I < Arguments.size(); ++I)
    if (I != Bound)
      if (const Stmt *Change = firstSegmentChange(Arguments[I], nullptr))
        return Change;
  return nullptr;
}

void Analysis::pinLoop(const Stmt *Loop) { Facts.LoopsWithoutSafePoint.insert(Loop); }

// p->data[f()]: C++ evaluates p->data before f(), so the object's barrier
// would return a reference into the segment the thread is in before f(),
// which may move it. The element's barrier then comes after the index, on
// the element's address (ElementBarriers). Every field access of the chain
// (p->inner.rows[i][f()]) is noted: the rule takes the one with the barrier.
void Analysis::atArraySubscript(const ArraySubscriptExpr *E) {
  if (!Ctx.scope() || inFixedSegmentBody())
    return;
  bool IndexMoves = false;
  SmallVector<const MemberExpr *, 2> Fields;
  for (const Expr *Part = E;;) {
    Part = Part->IgnoreParens();
    if (const auto *Subscript = dyn_cast<ArraySubscriptExpr>(Part)) {
      // An array held in the object, not the elements a pointer points to.
      const auto *Decay = dyn_cast<ImplicitCastExpr>(Subscript->getBase()->IgnoreParens());
      if (!Decay || Decay->getCastKind() != CK_ArrayToPointerDecay)
        return;
      IndexMoves = IndexMoves || firstSegmentChange(Subscript->getIdx(), nullptr);
      Part = Decay->getSubExpr();
      continue;
    }
    const auto *Member = dyn_cast<MemberExpr>(Part);
    if (!Member || !isa<FieldDecl>(Member->getMemberDecl()))
      return;
    Fields.push_back(Member);
    if (Member->isArrow() || Member->isImplicitAccess())
      break;
    Part = Member->getBase();
  }
  if (IndexMoves)
    for (const MemberExpr *Member : Fields)
      Facts.ElementBarriers.try_emplace(Member, E); // the outermost subscript comes first
}

// A function of stmify's headers (the containers' methods, stm::detail).
bool Analysis::isStmifyLibraryFunction(const FunctionDecl *F) const {
  const FunctionDecl *Pattern = F->getTemplateInstantiationPattern();
  PresumedLoc Where =
      Ctx.SM.getPresumedLoc(Ctx.SM.getExpansionLoc((Pattern ? Pattern : F)->getLocation()));
  return Where.isValid() && isStmifyHeader(Where.getFilename());
}

// The function an argument names (f or &f), or null.
static const FunctionDecl *namedFunction(const Expr *Argument) {
  const Expr *E = Argument->IgnoreParenImpCasts();
  if (const auto *Address = dyn_cast<UnaryOperator>(E);
      Address && Address->getOpcode() == UO_AddrOf)
    E = Address->getSubExpr()->IgnoreParens();
  const auto *Ref = dyn_cast<DeclRefExpr>(E);
  return Ref ? dyn_cast<FunctionDecl>(Ref->getDecl()) : nullptr;
}

// The functions of the program that library code, called as E, calls back:
// those its instantiated bodies call, followed through the library's own
// functions up to the first of the program's on each path, and those passed
// to it by name (which it calls through a pointer).
void Analysis::libraryCallbacks(const CallExpr *E,
                                SmallVectorImpl<const FunctionDecl *> &Out) const {
  llvm::DenseSet<const FunctionDecl *> Seen;
  SmallVector<const Stmt *, 16> Bodies;
  auto Reach = [&](const FunctionDecl *F) {
    if (!F || !Seen.insert(F->getCanonicalDecl()).second)
      return;
    if (isInstrumentedFunction(F)) {
      Out.push_back(F);
      return;
    }
    const FunctionDecl *Definition = nullptr;
    if (isStmifyLibraryFunction(F) || !F->hasBody(Definition) || !Definition)
      return; // stmify's containers hand the program no element
    Bodies.push_back(Definition->getBody());
    if (const auto *C = dyn_cast<CXXConstructorDecl>(Definition))
      for (const CXXCtorInitializer *I : C->inits())
        Bodies.push_back(I->getInit());
  };
  Reach(E->getDirectCallee());
  for (const Expr *Argument : E->arguments())
    Reach(namedFunction(Argument));
  while (!Bodies.empty()) {
    const Stmt *S = Bodies.pop_back_val();
    if (!S)
      continue;
    if (const auto *Call = dyn_cast<CallExpr>(S))
      Reach(Call->getDirectCallee());
    else if (const auto *Construct = dyn_cast<CXXConstructExpr>(S))
      Reach(Construct->getConstructor());
    for (const Stmt *Child : S->children())
      Bodies.push_back(Child);
  }
}

// &x of a reference parameter x in a function's body: the address may be
// kept after the call (best = &x), beyond the reference's life.
static const Stmt *takesParameterAddress(const Stmt *S) {
  if (!S)
    return nullptr;
  if (const auto *Address = dyn_cast<UnaryOperator>(S);
      Address && Address->getOpcode() == UO_AddrOf)
    if (const auto *Ref = dyn_cast<DeclRefExpr>(Address->getSubExpr()->IgnoreParens()))
      if (const auto *P = dyn_cast<ParmVarDecl>(Ref->getDecl());
          P && P->getType()->isReferenceType())
        return S;
  for (const Stmt *Child : S->children())
    if (const Stmt *Found = takesParameterAddress(Child))
      return Found;
  return nullptr;
}

// The argument of a call of library code that hands it a container's
// elements, or null.
const Expr *Analysis::elementsArgument(const CallExpr *E) const {
  const FunctionDecl *Callee = E->getDirectCallee();
  if (!Callee || isInstrumentedFunction(Callee) || isStmifyLibraryFunction(Callee))
    return nullptr;
  for (const Expr *Argument : E->arguments())
    if (carriesContainerElements(Argument->getType()) || isContainerElement(Argument))
      return Argument;
  return nullptr;
}

// Whether a function is written inside a template (a class template, or a
// function template whose lambda it is): each instantiation of the template
// has its own copy, which one call does not show.
static bool writtenInTemplate(const FunctionDecl *F) {
  for (const DeclContext *C = F->getDeclContext(); C; C = C->getParent()) {
    if (C->isDependentContext())
      return true;
    if (const auto *Function = dyn_cast<FunctionDecl>(C);
        Function && Function->getTemplateInstantiationPattern())
      return true;
    if (const auto *Class = dyn_cast<CXXRecordDecl>(C);
        Class && Class->getTemplateInstantiationPattern())
      return true;
  }
  return false;
}

// Library code given a container's elements outside atomic blocks
// (std::count_if(v.cbegin(), v.cend(), pred)) calls the program's functions
// with references into the thread's segment. Such a function must not reach
// a safe point before it is done with them: one whose body (in every
// instantiation) cannot move the thread keeps no safe point at its entry
// either; one whose body can is refused. In a template, the call of each
// instantiation is judged.
void Analysis::checkLibraryCallbacks(const CallExpr *E) {
  if (inFixedSegmentBody() || !Ctx.inFunctionBody() || !Ctx.inOwnCode(E->getBeginLoc()))
    return;
  if (E->getDirectCallee()) {
    checkLibraryCall(E);
    return;
  }
  auto Instances = InstantiatedLibraryCalls.find(rawRange(E));
  if (Instances != InstantiatedLibraryCalls.end())
    for (const CallExpr *Instance : Instances->second)
      checkLibraryCall(Instance);
}

// The library call E, handed a container's elements, may run the program's
// code while it holds a reference into the segment: an error, with a note
// at NoteAt that says why.
void Analysis::reportElementsHandedToLibrary(const CallExpr *E, const Expr *Elements,
                                             SourceLocation NoteAt, const std::string &Why) {
  Ctx.Diags.report(Diag::ContainerElementEscapes, E->getBeginLoc(), {containerName(Elements)},
                   E->getSourceRange());
  Ctx.Diags.note(NoteAt, "'" + E->getDirectCallee()->getQualifiedNameAsString() + "' " + Why);
}

void Analysis::checkLibraryCall(const CallExpr *E) {
  const Expr *Elements = elementsArgument(E);
  if (!Elements)
    return;
  // std::min(v[0], v[1], less) holds the elements' references while it
  // calls the program: whatever the function takes, it must not move the
  // thread.
  const FunctionDecl *Callee = E->getDirectCallee();
  bool HoldsReferences = false;
  for (unsigned I = 0; I < E->getNumArgs() && I < Callee->getNumParams(); ++I)
    HoldsReferences |=
        Callee->getParamDecl(I)->getType()->isReferenceType() && isContainerElement(E->getArg(I));
  // A function reached through a pointer or a std::function it was given
  // is not known: the library may call it with a reference to an element.
  for (const Expr *Argument : E->arguments()) {
    QualType T = Argument->getType().getNonReferenceType();
    const CXXRecordDecl *R = T->getAsCXXRecordDecl();
    bool StdFunction = R && R->isInStdNamespace() && R->getName() == "function";
    if (!T->isFunctionPointerType() && !T->isMemberFunctionPointerType() && !StdFunction)
      continue;
    if (namedFunction(Argument))
      continue; // followed by libraryCallbacks
    if (ReportedCallbacks.insert({nullptr, rawRange(Argument)}).second)
      reportElementsHandedToLibrary(
          E, Elements, Argument->getBeginLoc(),
          "may call the function this argument holds with a reference to an element, and stmify "
          "cannot see which function that is; pass the function or lambda itself");
  }
  SmallVector<const FunctionDecl *, 4> Callbacks;
  libraryCallbacks(E, Callbacks);
  for (const FunctionDecl *Callback : Callbacks) {
    // A method other than a function object's call runs on an element (a
    // conversion, a member operator<).
    const auto *Method = dyn_cast<CXXMethodDecl>(Callback);
    bool OnElement = Method && !Method->isStatic() && Method->getOverloadedOperator() != OO_Call;
    if (!HoldsReferences && !OnElement &&
        llvm::none_of(Callback->parameters(),
                      [](const ParmVarDecl *P) { return P->getType()->isReferenceType(); }))
      continue; // the library copied the element before the call
    const FunctionDecl *Pattern = Callback->getTemplateInstantiationPattern();
    Pattern = Pattern ? Pattern : Callback;
    SmallVector<const FunctionDecl *, 2> Instances{Callback};
    if (const FunctionTemplateDecl *Generic = Pattern->getDescribedFunctionTemplate())
      Instances.append(Generic->specializations().begin(), Generic->specializations().end());
    // Why it is refused: a place in its body, or (Why alone) a reason that
    // has no place.
    const Stmt *Change = nullptr;
    const char *Why = nullptr;
    for (const FunctionDecl *Instance : Instances) {
      const FunctionDecl *Definition = nullptr;
      if (!Instance->hasBody(Definition) || !Definition) {
        Why = "its body is in another file, where it may reach a safe point";
        break;
      }
      if ((mayReachSafePoint(Definition) &&
           (Change = firstSegmentChange(Definition->getBody(), nullptr))) ||
          (Change = takesParameterAddress(Definition->getBody())))
        break;
    }
    // A noexcept function's entry keeps its callees' safe points from
    // throwing; the instantiations of an enclosing template that this call
    // does not make may need that.
    const auto *Proto = Pattern->getType()->getAs<FunctionProtoType>();
    if (!Change && !Why && Proto && Proto->canThrow() == CT_Cannot && writtenInTemplate(Pattern))
      Why = "it is noexcept and written in a template: its other instantiations may need the "
            "safe point at its entry";
    if (!Change && !Why) {
      const FunctionDecl *Definition = nullptr;
      if (Callback->hasBody(Definition) && Definition && Definition->getBody())
        Facts.FunctionsWithoutEntrySafePoint.insert(
            Definition->getBody()->getBeginLoc().getRawEncoding());
      continue;
    }
    if (!ReportedCallbacks.insert({Pattern->getCanonicalDecl(), rawRange(E)}).second)
      continue;
    reportElementsHandedToLibrary(
        E, Elements, Pattern->getLocation(),
        HoldsReferences
            ? "holds references to elements while it calls this function; outside atomic "
              "blocks the function must not move the thread, whatever it takes"
            : "calls this function with a reference to an element; outside atomic blocks it "
              "may use it only until something may move the thread (or take the element by "
              "value)");
    if (Why)
      Ctx.Diags.note(Pattern->getLocation(), std::string("it is refused: ") + Why);
    SegmentChange = Change;
    noteSegmentChange(E->getBeginLoc());
  }
}

// After a refused binding: where the thread may change segment.
void Analysis::noteSegmentChange(SourceLocation Binding) {
  if (BindingInTemplate && !inFixedSegmentBody())
    Ctx.Diags.note(Binding, "outside atomic blocks such a reference is not accepted in a "
                            "template: what an instantiation calls is not known");
  BindingInTemplate = false;
  if (!SegmentChange)
    return;
  std::string What = "this";
  if (const auto *Call = dyn_cast<CallExpr>(SegmentChange))
    if (const FunctionDecl *F = Call->getDirectCallee())
      What = "this call of '" + F->getQualifiedNameAsString() + "'";
  if (isa<CXXConstructExpr>(SegmentChange) || isa<DeclStmt>(SegmentChange) ||
      isa<CXXBindTemporaryExpr>(SegmentChange))
    What = "this object's construction or destruction";
  if (isa<ForStmt>(SegmentChange) || isa<WhileStmt>(SegmentChange) || isa<DoStmt>(SegmentChange) ||
      isa<CXXForRangeStmt>(SegmentChange))
    What = "this loop";
  Ctx.Diags.note(SegmentChange->getBeginLoc(),
                 What + " may reach a safe point, synchronise or let the reference escape while "
                        "it lives; from a safe point the thread may continue in another segment");
  SegmentChange = nullptr;
}

} // namespace stmify
