// Which calls a transaction cannot undo, or that synchronise (analysis
// phase): code not compiled with stmify (unless known safe, marked
// STM_TX_SAFE, or only reading or writing what the caller owns), blocking
// calls, thread starts; and which calls in templates reach such code in some
// instantiation. InevitabilityRule places the hooks.
#include "Analysis.h"
#include "KnownFunctions.h"
#include "Names.h"

#include "clang/AST/RecursiveASTVisitor.h"
#include "llvm/ADT/STLExtras.h"

#include <functional>
#include <set>

using namespace clang;

namespace stmify {

CallKind Analysis::classifyCallee(const FunctionDecl *F, const Expr *Object) const {
  if (!F)
    return CallKind::Hook;
  if (unsigned Builtin = F->getBuiltinID())
    if (!Ctx.AST.BuiltinInfo.isPredefinedLibFunction(Builtin))
      return CallKind::Safe;
  for (const FunctionDecl *R : F->redecls())
    if (OptionalFileEntryRef File =
            Ctx.SM.getFileEntryRefForID(Ctx.SM.getFileID(Ctx.SM.getExpansionLoc(R->getLocation()))))
      if (isStmifyHeader(File->getName()))
        return isStmClass(dyn_cast<CXXRecordDecl>(F->getDeclContext()), names::StringClass) &&
                       writesUnownedObject(F, Object)
                   ? CallKind::Hook
                   : CallKind::Safe;
  if (isTxSafeAnnotated(F))
    return CallKind::Safe;
  const KnownFunctions &K = known();
  std::string Name = plainName(F);
  if (K.Blocking.contains(Name) || K.ThreadStart.contains(Name))
    return CallKind::Hook;
  if (K.Synchronizing.contains(Name))
    return CallKind::Synchronizing;
  if (const auto *M = dyn_cast<CXXMethodDecl>(F)) {
    llvm::StringRef Method = M->getName();
    if (llvm::is_contained(names::ElementAppends, Method) && M->getParent()) {
      if (const auto *Spec = dyn_cast<ClassTemplateSpecializationDecl>(M->getParent()))
        if (Spec->getTemplateArgs().size() > 0 &&
            Spec->getTemplateArgs()[0].getKind() == TemplateArgument::Type &&
            isThreadClass(Spec->getTemplateArgs()[0].getAsType()))
          return CallKind::Hook;
    }
  }
  if (compiledWithStmify(F))
    return writesUnownedObject(F, Object) ? CallKind::Hook : CallKind::Safe;
  if (const auto *M = dyn_cast<CXXMethodDecl>(F)) {
    for (const CXXRecordDecl *C = M->getParent(); C;
         C = dyn_cast<CXXRecordDecl>(C->getDeclContext())) {
      if (K.SynchronizingClasses.contains(plainName(C)))
        return CallKind::Synchronizing;
      bool SynchronizingBase = false;
      if (C->hasDefinition())
        C->forallBases([&](const CXXRecordDecl *B) {
          SynchronizingBase |= K.SynchronizingClasses.contains(plainName(B));
          return true;
        });
      if (SynchronizingBase)
        return CallKind::Synchronizing;
    }
  }
  if (K.Safe.contains(Name))
    return CallKind::Safe;
  if (const auto *M = dyn_cast<CXXMethodDecl>(F)) {
    if (M->getOverloadedOperator() == OO_Call)
      return CallKind::Hook; // std::function and the like: unknown code
    if (M->isConst() || hasConstTwin(M))
      return CallKind::Safe; // reads; writes through its result are hooked
    if (Object && isOwnedObject(Object))
      return CallKind::Safe;
    return CallKind::Hook;
  }
  if (F->isOverloadedOperator()) {
    for (const ParmVarDecl *P : F->parameters()) {
      QualType T = P->getType();
      if ((T->isReferenceType() || T->isPointerType()) && !T->getPointeeType().isConstQualified())
        return CallKind::Hook;
    }
    return CallKind::Safe; // computes a value from its operands
  }
  return CallKind::Hook;
}

// A non-const method of the program's own classes, or of stm::string, on an
// unmanaged object the running code does not own (a global, an element of a
// std::vector, an object behind a reference): the method writes the object
// through `this` without hooks, and an abort could not undo that.
bool Analysis::writesUnownedObject(const FunctionDecl *F, const Expr *Object) const {
  const auto *M = dyn_cast<CXXMethodDecl>(F);
  return M && Object && !M->isStatic() && !M->isConst() && !isOwnedObject(Object) &&
         classifyObjectType(Object->getType()) == Managed::No;
}

// Whether stmify instruments the function's body: a declaration of it lies in
// an API file and, when this translation unit has its body, the braces of the
// body are the program's own (not written by a macro). Any other function is
// unknown code, like a library's.
bool Analysis::compiledWithStmify(const FunctionDecl *F) const {
  if (F->isImplicit() || F->isDefaulted()) {
    // The compiler writes the body where the class is.
    const auto *M = dyn_cast<CXXMethodDecl>(F);
    SourceLocation Where = M ? M->getParent()->getLocation() : F->getLocation();
    return Ctx.Edits.isApiCode(Ctx.SM.getExpansionLoc(Where));
  }
  const FunctionDecl *Pattern = F->getTemplateInstantiationPattern();
  const FunctionDecl *Definition = nullptr;
  if ((Pattern ? Pattern : F)->hasBody(Definition) && Definition) {
    const Stmt *Body = Definition->getBody();
    return Body && !Ctx.bodyWrittenInMacro(Body) &&
           Ctx.Edits.isApiCode(Ctx.SM.getExpansionLoc(Body->getBeginLoc()));
  }
  for (const FunctionDecl *R : (Pattern ? Pattern : F)->redecls())
    if (Ctx.Edits.isApiCode(Ctx.SM.getExpansionLoc(R->getLocation())))
      return true;
  return false;
}

// An accessor such as std::vector::operator[] or begin(): the non-const
// overload only differs from a const one in the constness of what it returns.
bool Analysis::hasConstTwin(const CXXMethodDecl *M) const {
  if (M->isStatic())
    return false;
  for (const NamedDecl *D : M->getParent()->lookup(M->getDeclName())) {
    const auto *Other = dyn_cast<CXXMethodDecl>(D);
    if (const auto *T = dyn_cast<FunctionTemplateDecl>(D))
      Other = dyn_cast<CXXMethodDecl>(T->getTemplatedDecl());
    if (!Other || Other == M || !Other->isConst() || Other->getNumParams() != M->getNumParams())
      continue;
    bool Same = true;
    for (unsigned I = 0; I < M->getNumParams(); ++I)
      Same &= Ctx.AST.hasSameType(Other->getParamDecl(I)->getType(), M->getParamDecl(I)->getType());
    if (Same)
      return true;
  }
  return false;
}

// An object the running code owns: a local of this function, the object the
// method runs on, a local outside the atomic block that the block saves, or
// the thread's value of a stm::thread_local_property (saved by get()).
bool Analysis::isOwnedObject(const Expr *Object) const {
  const Expr *E = strip(Object);
  if (isa<CXXThisExpr>(E))
    return true;
  // An element of a container: its accessor backed the element up. A
  // container itself changes only through barriers of its own, wherever it
  // lies (a global, behind a reference).
  if (isContainerElement(E) || isStmContainer(E->getType()))
    return true;
  if (const auto *Call = dyn_cast<CXXMemberCallExpr>(E))
    if (const CXXMethodDecl *M = Call->getMethodDecl();
        M && M->getIdentifier() && M->getName() == names::ThreadLocalPropertyGet &&
        isStmClass(M->getParent(), names::ThreadLocalPropertyClass))
      return true;
  // A sub-object of a managed object: its write barrier backed the object up.
  SmallVector<const Expr *, 2> Targets;
  writeTargets(E, Targets);
  if (!Targets.empty() && llvm::all_of(Targets, [&](const Expr *T) { return isManagedAccess(T); }))
    return true;
  if (isFunctionLocalObject(E))
    return true;
  if (const VarDecl *VD = outerLocal(E))
    return isRestorableByCopy(VD->getType(), Ctx.AST);
  return false;
}

CallKind Analysis::classifyCall(const CallExpr *E) const {
  const FunctionDecl *Callee = E->getDirectCallee();
  if (!Callee) {
    if (E->isTypeDependent() || E->getCallee()->isTypeDependent()) {
      // In a template pattern: what the instantiations call decides.
      // A synchronising operation in one instantiation and library code in
      // another: synchronizing() makes a block inevitable as a hook does.
      if (SynchronizingCallsInInstantiations.count(rawRange(E)))
        return CallKind::Synchronizing;
      if (CallsModifyingUnsavedLocals.contains(E))
        return CallKind::Hook;
      return Facts.InstantiatedHooks.count(rawRange(E)) || modifiesUnownedObjectInInstantiations(E)
                 ? CallKind::Hook
                 : CallKind::Safe;
    }
    QualType T = E->getCallee()->IgnoreParenImpCasts()->getType();
    if (T->isPointerType() || T->isMemberFunctionPointerType() || T->isFunctionType())
      return CallKind::Hook; // through a function pointer: unknown code
    return CallKind::Safe;
  }
  CallKind Kind = classifyCallee(Callee, calledObject(E));
  if (Kind == CallKind::Hook && !isa<CXXMethodDecl>(Callee) &&
      (onlyOwnedArguments(E) || onlyReadArguments(E)))
    return CallKind::Safe;
  if (Kind == CallKind::Safe && modifiesObjectBehindPointer(E))
    return CallKind::Hook;
  return Kind;
}

// p->f() where f is the program's own non-const method of an unmanaged
// class: f writes through `this` without hooks (see classifyCallee), and an
// object behind a pointer is not one the caller owns.
bool Analysis::modifiesObjectBehindPointer(const CallExpr *E) const {
  bool Arrow = false;
  return unmanagedObjectOfMethodCall(E, Arrow) && Arrow;
}

// The object, unmanaged and not `this`, whose state a call of the program's
// own non-const method changes (the method writes through `this` without
// hooks): the base of the member called (a CXXMemberCallExpr, or in a
// template's pattern a dependent CallExpr), or a member operator's first
// operand (`t << x`, `t(x)`). Arrow: reached through a pointer.
const Expr *Analysis::unmanagedObjectOfMethodCall(const CallExpr *E, bool &Arrow) const {
  Arrow = false;
  const auto *Method = dyn_cast_or_null<CXXMethodDecl>(E->getDirectCallee());
  if (!Method || Method->isStatic() || Method->isConst() || Method->getParent()->isLambda() ||
      !isInstrumentedFunction(Method) || isTxSafeAnnotated(Method))
    return nullptr;
  const Expr *Object = nullptr;
  if (const auto *Member = dyn_cast<MemberExpr>(E->getCallee()->IgnoreParens())) {
    Object = Member->getBase();
    Arrow = Member->isArrow();
  } else if (isa<CXXOperatorCallExpr>(E) && E->getNumArgs() > 0) {
    Object = E->getArg(0);
  }
  if (!Object || isa<CXXThisExpr>(Object->IgnoreParenImpCasts()) ||
      (Arrow ? classifyPointee(Object->getType()) : classifyObjectType(Object->getType())) !=
          Managed::No)
    return nullptr;
  return Object;
}

// In an instantiation: the arguments that E binds to non-const references,
// and the object of a method that may modify it (not a const one, nor an
// accessor with a const twin, nor a container of the library's, whose body
// changes through barriers of its own).
void Analysis::noteMutableArguments(const CallExpr *E) {
  const FunctionDecl *Callee = E->getDirectCallee();
  if (!Callee)
    return;
  const auto *Method = dyn_cast<CXXMethodDecl>(Callee);
  unsigned FirstArg = isa<CXXOperatorCallExpr>(E) && Method ? 1 : 0;
  for (unsigned I = FirstArg; I < E->getNumArgs() && I - FirstArg < Callee->getNumParams(); ++I) {
    QualType Param = Callee->getParamDecl(I - FirstArg)->getType();
    if (Param->isReferenceType() && !Param->getPointeeType().isConstQualified())
      MutableArgumentsInInstantiations.insert(rawRange(E->getArg(I)));
  }
  const Expr *Object = calledObject(E);
  if (Method && Object && !Method->isStatic() && !Method->isConst() && !hasConstTwin(Method) &&
      !isStmContainer(Object->getType()) && classifyObjectType(Object->getType()) == Managed::No)
    MutableArgumentsInInstantiations.insert(rawRange(Object));
}

CallKind Analysis::classifyDependentOperator(const BinaryOperator *E) const {
  const auto Range = rawRange(E);
  if (SynchronizingCallsInInstantiations.count(Range) || Facts.InstantiatedHooks.count(Range))
    return CallKind::Hook;
  if (!UnmanagedMethodCallsInInstantiations.count(Range))
    return CallKind::Safe;
  // A temporary (`V{} << x`, also in a constant expression) is the
  // operator's own.
  const Expr *Object = E->getLHS();
  return isa<CXXThisExpr>(Object->IgnoreParenImpCasts()) || Object->isPRValue() ||
                 isOwnedObject(Object)
             ? CallKind::Safe
             : CallKind::Hook;
}

// The pattern's side of unmanagedObjectOfMethodCall: the object is written
// unless the code owns it (a local, `this`); one behind a pointer may be
// anybody's.
bool Analysis::modifiesUnownedObjectInInstantiations(const CallExpr *E) const {
  if (!UnmanagedMethodCallsInInstantiations.count(rawRange(E)))
    return false;
  bool Arrow = false;
  const Expr *Base = dependentCallObject(E, Arrow);
  const Expr *Callee = E->getCallee()->IgnoreParens();
  if (!Base) // an implicit `this`, or a temporary called (`Fn{}(x)`): the call's own
    return !isa<CXXDependentScopeMemberExpr>(Callee) && !isa<UnresolvedMemberExpr>(Callee) &&
           !Callee->isPRValue();
  if (isa<CXXThisExpr>(Base->IgnoreParenImpCasts()) || (!Arrow && Base->isPRValue()))
    return false;
  return Arrow || !isOwnedObject(Base);
}

// The object whose method a call in a template's pattern runs, as written:
// the base of a member not resolved yet, or an object called (`t(x)`, whose
// instantiation calls its operator()). Null for an implicit `this`.
const Expr *Analysis::dependentCallObject(const CallExpr *E, bool &Arrow) {
  const Expr *Callee = E->getCallee()->IgnoreParens();
  Arrow = false;
  if (const auto *M = dyn_cast<CXXDependentScopeMemberExpr>(Callee)) {
    Arrow = M->isArrow();
    return M->isImplicitAccess() ? nullptr : M->getBase();
  }
  if (const auto *M = dyn_cast<UnresolvedMemberExpr>(Callee)) {
    Arrow = M->isArrow();
    return M->isImplicitAccess() ? nullptr : M->getBase();
  }
  if (const auto *M = dyn_cast<MemberExpr>(Callee)) {
    if (isa<FieldDecl>(M->getMemberDecl()))
      return M; // a field called: the field is the object (`h.f(x)`, `fn_(x)`)
    Arrow = M->isArrow();
    return M->getBase();
  }
  if (isa<DeclRefExpr>(Callee) &&
      (Callee->getType()->isRecordType() || Callee->getType()->isDependentType()))
    return Callee;
  return nullptr;
}

// Library code known to compute values only (STMIFY_TX_SAFE).
bool Analysis::isKnownValueFunction(const FunctionDecl *F) const {
  return known().Safe.contains(plainName(F));
}

// Library code known to block, start a thread or synchronise.
bool Analysis::isKnownToSynchronize(const FunctionDecl *F) const {
  const KnownFunctions &K = known();
  std::string Name = plainName(F);
  return K.Blocking.contains(Name) || K.ThreadStart.contains(Name) ||
         classifyCallee(F, nullptr) == CallKind::Synchronizing;
}

// A function of the program, whose body stmify instruments: not library or
// stmify code, and not a member the compiler generates.
bool Analysis::isInstrumentedFunction(const FunctionDecl *F) const {
  if (!F || F->isImplicit() || F->isDefaulted() || F->getBuiltinID())
    return false;
  const FunctionDecl *Pattern = F->getTemplateInstantiationPattern();
  SourceLocation Where = Ctx.SM.getExpansionLoc((Pattern ? Pattern : F)->getLocation());
  if (Ctx.SM.isInSystemHeader(Where))
    return false;
  OptionalFileEntryRef File = Ctx.SM.getFileEntryRefForID(Ctx.SM.getFileID(Where));
  return !File || !isStmifyHeader(File->getName());
}

// A library algorithm applied to the running function's own data
// (std::sort(local.begin(), local.end(), cmp)) writes nothing shared: every
// argument is a plain value, a function object of the program's own (its
// body is instrumented), or an iterator that begin()/end() just made from an
// object the function owns. A local iterator variable does not count: it may
// point anywhere.
bool Analysis::onlyOwnedArguments(const CallExpr *E) const {
  if (E->getNumArgs() == 0 || Ctx.SM.isInSystemHeader(Ctx.SM.getExpansionLoc(E->getBeginLoc())))
    return false;
  const FunctionDecl *Callee = E->getDirectCallee();
  for (unsigned I = 0; I < E->getNumArgs(); ++I) {
    if (!Callee || I >= Callee->getNumParams())
      return false;
    QualType Param = Callee->getParamDecl(I)->getType();
    const Expr *A = E->getArg(I)->IgnoreParenImpCasts();
    // An argument the callee may modify (std::swap(x, y)): a field of a
    // managed object (its write barrier backs the object up, and the field
    // stays valid for the call, which has no safe point) or a local of the
    // running code; anything else may be shared.
    if ((Param->isReferenceType() || Param->isPointerType()) &&
        !Param->getPointeeType().isConstQualified() && !Param->isRValueReferenceType()) {
      if (Param->isLValueReferenceType() && A->isLValue() &&
          (isWrittenManagedField(A) || isFunctionLocalObject(A)))
        continue;
      return false;
    }
    if (const auto *M = dyn_cast<MaterializeTemporaryExpr>(A))
      A = M->getSubExpr()->IgnoreParenImpCasts();
    if (const auto *B = dyn_cast<CXXBindTemporaryExpr>(A))
      A = B->getSubExpr()->IgnoreParenImpCasts();
    if (const auto *C = dyn_cast<CXXConstructExpr>(A); C && C->getNumArgs() == 1)
      A = C->getArg(0)->IgnoreParenImpCasts(); // a copy of the argument
    QualType T = A->getType();
    if (T->isArithmeticType() || T->isEnumeralType() || T->isNullPtrType())
      continue;
    if (isa<LambdaExpr>(A))
      continue;
    // An iterator of a container of stmify's: it backs up what it writes.
    if (const CXXRecordDecl *R = T->getAsCXXRecordDecl(); R && isStmContainerIterator(R))
      continue;
    if (const auto *Call = dyn_cast<CallExpr>(A)) {
      const FunctionDecl *F = Call->getDirectCallee();
      if (!F || !F->getIdentifier() || !llvm::is_contained(names::RangeAccessors, F->getName()))
        return false;
      const Expr *Object = nullptr;
      if (const auto *Member = dyn_cast<CXXMemberCallExpr>(Call))
        Object = Member->getImplicitObjectArgument();
      else if (Call->getNumArgs() == 1) // std::begin(x)
        Object = Call->getArg(0);
      if (Object && isOwnedObject(Object) && !Object->getType()->isPointerType())
        continue;
      return false;
    }
    return false;
  }
  return true;
}

namespace {
// std::vector<T>::iterator (__gnu_cxx::__normal_iterator), the node
// iterators of lists, maps and sets, reverse and move iterators: reading
// through them reads memory and does nothing else. Stream iterators read
// input, and are not among them.
bool isContainerIterator(const CXXRecordDecl *Class) {
  if (!Class->getIdentifier())
    return false;
  llvm::StringRef Name = Class->getName();
  return Name.ends_with("iterator") && !Name.contains("stream");
}
} // namespace

// A field of a managed object that gets a write barrier where it is named.
bool Analysis::isWrittenManagedField(const Expr *E) const {
  SmallVector<const Expr *, 2> Targets;
  writeTargets(E, Targets);
  return !Targets.empty() && llvm::all_of(Targets, [&](const Expr *T) {
    return isManagedAccess(T) && Facts.WrittenAccesses.contains(T);
  });
}

// A read-only algorithm (STMIFY_READ_ONLY) whose other arguments are values
// or function objects of the program: it reads through its iterators, which
// may point anywhere, and writes nothing.
bool Analysis::onlyReadArguments(const CallExpr *E) const {
  const FunctionDecl *Callee = E->getDirectCallee();
  if (!Callee || !known().ReadOnly.contains(plainName(Callee)))
    return false;
  for (unsigned I = 0; I < E->getNumArgs() && I < Callee->getNumParams(); ++I) {
    QualType Param = Callee->getParamDecl(I)->getType();
    if (Param->isReferenceType() && !Param->getPointeeType().isConstQualified() &&
        !Param->isRValueReferenceType())
      return false; // not an algorithm of the list's signature
    QualType T = E->getArg(I)->IgnoreParenImpCasts()->getType().getNonReferenceType();
    if (T->isArithmeticType() || T->isEnumeralType() || T->isNullPtrType() || T->isPointerType())
      continue; // a value, or an iterator that is a pointer
    if (T->isFunctionPointerType() || T->isMemberPointerType())
      return false; // code that may do anything
    const CXXRecordDecl *Class = T->getAsCXXRecordDecl();
    if (!Class)
      return false;
    // A lambda or function object of the program: instrumented. A container
    // iterator of the library: it only reads here. Any other library class
    // (a std::function, std::plus, a stream iterator that reads input) is
    // code whose effects the transformer does not see.
    if (Class->isLambda() || !Ctx.SM.isInSystemHeader(Ctx.SM.getExpansionLoc(Class->getLocation())))
      continue;
    if (isContainerIterator(Class))
      continue;
    return false;
  }
  return true;
}

namespace {

// Finds the calls in template instantiations that reach library code, so
// that the dependent call in the template's own text gets its hook.
class InstantiationScan : public RecursiveASTVisitor<InstantiationScan> {
public:
  InstantiationScan(std::function<bool(SourceLocation)> OwnCode,
                    std::function<bool(const CallExpr *)> NeedsHook,
                    std::function<bool(const CallExpr *)> IsAccessorCall,
                    std::function<void(const CallExpr *)> AtCall,
                    std::set<std::pair<unsigned, unsigned>> &Out,
                    std::set<std::pair<unsigned, unsigned>> &AccessorCalls,
                    std::set<unsigned> &ManagedAccesses, std::set<unsigned> &UnmanagedTargets)
      : OwnCode(std::move(OwnCode)), NeedsHook(std::move(NeedsHook)),
        IsAccessorCall(std::move(IsAccessorCall)), AtCall(std::move(AtCall)), Out(Out),
        AccessorCalls(AccessorCalls), ManagedAccesses(ManagedAccesses),
        UnmanagedTargets(UnmanagedTargets) {}
  bool shouldVisitTemplateInstantiations() const { return true; }
  bool TraverseDecl(Decl *D) {
    if (D && !isa<TranslationUnitDecl>(D) && D->getLocation().isValid() &&
        !OwnCode(D->getLocation()))
      return true;
    return RecursiveASTVisitor::TraverseDecl(D);
  }
  // The instantiations of a generic lambda's call operator are not reached
  // through its closure class.
  bool TraverseLambdaExpr(LambdaExpr *L) {
    if (!RecursiveASTVisitor::TraverseLambdaExpr(L))
      return false;
    if (const FunctionTemplateDecl *Generic = L->getDependentCallOperator())
      for (FunctionDecl *Instance : Generic->specializations())
        if (Instance->hasBody() && !TraverseStmt(Instance->getBody()))
          return false;
    return true;
  }
  bool VisitCallExpr(CallExpr *E) {
    if (NeedsHook(E))
      Out.insert(rawRange(E));
    if (IsAccessorCall(E))
      AccessorCalls.insert(rawRange(E));
    AtCall(E);
    return true;
  }
  bool VisitMemberExpr(MemberExpr *E) {
    const Expr *Base = E->getBase();
    Managed M =
        E->isArrow() ? classifyPointee(Base->getType()) : classifyObjectType(Base->getType());
    if (M == Managed::Yes) {
      ManagedAccesses.insert(accessLocation(E).getRawEncoding());
      ManagedAccesses.insert(E->getBeginLoc().getRawEncoding()); // its object
    }
    return true;
  }

  // *p and references of dependent type in the pattern that designate
  // unmanaged memory here: writes through them need a hook.
  bool VisitUnaryOperator(UnaryOperator *E) {
    if (E->getOpcode() == UO_Deref && classifyPointee(E->getSubExpr()->getType()) == Managed::No)
      UnmanagedTargets.insert(E->getBeginLoc().getRawEncoding());
    return true;
  }
  bool VisitDeclRefExpr(DeclRefExpr *E) {
    if (const auto *VD = dyn_cast<VarDecl>(E->getDecl());
        VD && VD->getType()->isReferenceType() && classifyObjectType(VD->getType()) == Managed::No)
      UnmanagedTargets.insert(E->getBeginLoc().getRawEncoding());
    return true;
  }

private:
  std::function<bool(SourceLocation)> OwnCode;
  std::function<bool(const CallExpr *)> NeedsHook, IsAccessorCall;
  std::function<void(const CallExpr *)> AtCall;
  std::set<std::pair<unsigned, unsigned>> &Out, &AccessorCalls;
  std::set<unsigned> &ManagedAccesses;
  std::set<unsigned> &UnmanagedTargets;
};

} // namespace

void Analysis::scanInstantiatedCalls() {
  InstantiationScan Scan(
      [this](SourceLocation L) { return Ctx.inOwnCode(L); },
      [this](const CallExpr *E) {
        const FunctionDecl *Callee = E->getDirectCallee();
        return Callee && classifyCallee(Callee, nullptr) == CallKind::Hook;
      },
      [this](const CallExpr *E) { return isFieldAccessor(E->getDirectCallee()); },
      [this](const CallExpr *E) {
        if (elementsArgument(E))
          InstantiatedLibraryCalls[rawRange(E)].push_back(E);
        if (E->isTypeDependent())
          return; // the template's own pattern
        auto [Access, New] = InstantiatedElementAccesses.try_emplace(rawRange(E), true);
        Access->second = Access->second && isContainerElement(E);
        noteMutableArguments(E);
        if (bool Arrow = false; unmanagedObjectOfMethodCall(E, Arrow))
          UnmanagedMethodCallsInInstantiations.insert(rawRange(E));
        if (const FunctionDecl *Callee = E->getDirectCallee();
            Callee && classifyCallee(Callee, nullptr) == CallKind::Synchronizing)
          SynchronizingCallsInInstantiations.insert(rawRange(E));
      },
      Facts.InstantiatedHooks, Facts.AccessorCallsInInstantiations, Facts.ManagedInInstantiations,
      Facts.UnmanagedInInstantiations);
  Scan.TraverseAST(Ctx.AST);
}

} // namespace stmify
