#include "ManagedTypes.h"

#include "Names.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/ExprCXX.h"
#include "clang/Basic/SourceManager.h"

#include <set>

using namespace clang;

namespace stmify {

bool isApiDeclaration(const NamedDecl *D) {
  const auto *NS = dyn_cast<NamespaceDecl>(D->getDeclContext());
  return NS && NS->getName() == names::ApiNamespace && NS->getParent()->isTranslationUnit();
}

bool isStmClass(const CXXRecordDecl *Record, llvm::StringRef Name) {
  return Record && Record->getIdentifier() && Record->getName() == Name && isApiDeclaration(Record);
}

bool isStmObjectClass(const CXXRecordDecl *Record) {
  return isStmClass(Record, names::ObjectClass);
}

static bool forbidsCopies(const CXXRecordDecl *R) {
  R = R ? R->getDefinition() : nullptr;
  if (!R)
    return false;
  for (const CXXMethodDecl *M : R->methods()) {
    const auto *Ctor = dyn_cast<CXXConstructorDecl>(M);
    if (M->isDeleted() && (Ctor ? Ctor->isCopyConstructor() : M->isCopyAssignmentOperator()))
      return true;
  }
  for (const CXXBaseSpecifier &B : R->bases())
    if (forbidsCopies(B.getType()->getAsCXXRecordDecl()))
      return true;
  for (const FieldDecl *F : R->fields())
    if (forbidsCopies(F->getType()->getBaseElementTypeUnsafe()->getAsCXXRecordDecl()))
      return true;
  return false;
}

bool isRestorableByCopy(QualType T, const ASTContext &AST) {
  return T.isTriviallyCopyableType(AST) &&
         !forbidsCopies(T->getBaseElementTypeUnsafe()->getAsCXXRecordDecl());
}

bool isStmContainer(QualType T) {
  const CXXRecordDecl *Record = T.getNonReferenceType()->getAsCXXRecordDecl();
  return Record && llvm::any_of(names::ContainerClasses,
                                [&](llvm::StringRef Name) { return isStmClass(Record, Name); });
}

bool isStmContainerIterator(const CXXRecordDecl *Class) {
  const auto *Detail = dyn_cast<NamespaceDecl>(Class->getDeclContext());
  return Class->getIdentifier() && Detail && Detail->getName() == names::DetailNamespace &&
         isApiDeclaration(Detail) &&
         llvm::is_contained(names::ContainerIterators, Class->getName());
}

// A class template of namespace std with a type argument that satisfies
// Test (std::reverse_iterator<It>, std::pair<const T &, const T &>).
static bool anyStdTypeArgument(QualType T, llvm::function_ref<bool(QualType)> Test) {
  const auto *R = dyn_cast_or_null<ClassTemplateSpecializationDecl>(T->getAsCXXRecordDecl());
  return R && R->isInStdNamespace() &&
         llvm::any_of(R->getTemplateArgs().asArray(), [&](const TemplateArgument &A) {
           return A.getKind() == TemplateArgument::Type && Test(A.getAsType());
         });
}

// An argument that hands a library function elements of a container of
// stmify's library: the container (a range), one of its iterators (also
// inside std::reverse_iterator and the like), or an element by reference.
bool carriesContainerElements(QualType T) {
  T = T.getNonReferenceType();
  if (isStmContainer(T))
    return true;
  const CXXRecordDecl *R = T->getAsCXXRecordDecl();
  if (!R)
    return false;
  if (isStmContainerIterator(R))
    return true;
  return anyStdTypeArgument(T, carriesContainerElements);
}

bool mayReturnGivenReference(QualType Result) {
  if (Result->isReferenceType())
    return true;
  const CXXRecordDecl *R = Result->getAsCXXRecordDecl();
  if (R && R->isInStdNamespace() && R->getName() == "reference_wrapper")
    return true;
  return anyStdTypeArgument(Result, [](QualType A) { return A->isReferenceType(); });
}

bool returnsContainerElement(const CXXMethodDecl *M) {
  if (!M || M->isStatic() ||
      !(M->getReturnType()->isReferenceType() ||
        (M->getOverloadedOperator() == OO_Arrow && M->getReturnType()->isPointerType())))
    return false;
  const CXXRecordDecl *Class = M->getParent();
  return isStmContainer(QualType(Class->getTypeForDecl(), 0)) || isStmContainerIterator(Class);
}

static Managed classifyRecordImpl(const CXXRecordDecl *Record,
                                  std::set<const CXXRecordDecl *> &Seen) {
  if (!Record)
    return Managed::No;
  Record = Record->getDefinition() ? Record->getDefinition() : Record;
  if (!Seen.insert(Record).second)
    return Managed::No;
  if (isStmObjectClass(Record))
    return Managed::Yes;
  if (!Record->hasDefinition())
    return Managed::No;
  Managed Result = Managed::No;
  for (const CXXBaseSpecifier &Base : Record->bases()) {
    QualType T = Base.getType();
    if (T->isDependentType()) {
      const auto *Spec = T->getAs<TemplateSpecializationType>();
      // A dependent base that names a known template can still be classified.
      if (Spec)
        if (const TemplateDecl *TD = Spec->getTemplateName().getAsTemplateDecl())
          if (const auto *CTD = dyn_cast<ClassTemplateDecl>(TD)) {
            Managed M = classifyRecordImpl(CTD->getTemplatedDecl(), Seen);
            if (M == Managed::Yes)
              return Managed::Yes;
            if (M == Managed::Maybe)
              Result = Managed::Maybe;
            continue;
          }
      Result = Managed::Maybe;
      continue;
    }
    Managed M = classifyRecordImpl(T->getAsCXXRecordDecl(), Seen);
    if (M == Managed::Yes)
      return Managed::Yes;
    if (M == Managed::Maybe)
      Result = Managed::Maybe;
  }
  return Result;
}

Managed classifyRecord(const CXXRecordDecl *Record) {
  std::set<const CXXRecordDecl *> Seen;
  return classifyRecordImpl(Record, Seen);
}

Managed classifyObjectType(QualType T) {
  if (T.isNull())
    return Managed::No;
  T = T.getNonReferenceType();
  if (T->isDependentType()) {
    if (const auto *Record = T->getAsCXXRecordDecl())
      return classifyRecord(Record);
    if (T->isPointerType() || T->isArithmeticType())
      return Managed::No;
    return Managed::Maybe;
  }
  if (const auto *Record = T->getAsCXXRecordDecl())
    return classifyRecord(Record);
  return Managed::No;
}

Managed classifyPointee(QualType T) {
  if (T.isNull())
    return Managed::No;
  T = T.getNonReferenceType();
  if (const auto *P = T->getAs<PointerType>())
    return classifyObjectType(P->getPointeeType());
  if (T->isDependentType() && !T->isArithmeticType())
    return Managed::Maybe;
  return Managed::No;
}

bool isTracedStdWrapper(const NamedDecl *D) {
  if (!D || !D->isInStdNamespace() || !D->getIdentifier())
    return false;
  return llvm::is_contained(names::TracedStdWrappers, D->getName());
}

static bool mayHoldImpl(QualType T, std::set<const CXXRecordDecl *> &Seen);

static bool anyArgumentMayHold(llvm::ArrayRef<TemplateArgument> Args,
                               std::set<const CXXRecordDecl *> &Seen) {
  for (const TemplateArgument &A : Args) {
    if (A.getKind() == TemplateArgument::Pack) {
      if (anyArgumentMayHold(A.pack_elements(), Seen))
        return true;
    } else if (A.getKind() == TemplateArgument::Type && mayHoldImpl(A.getAsType(), Seen)) {
      return true;
    }
  }
  return false;
}

static bool recordMayHold(const CXXRecordDecl *Record, std::set<const CXXRecordDecl *> &Seen) {
  if (!Record || !Record->hasDefinition())
    return false;
  Record = Record->getDefinition();
  if (!Seen.insert(Record).second)
    return false;
  for (const FieldDecl *F : Record->fields())
    if (mayHoldImpl(F->getType(), Seen))
      return true;
  for (const CXXBaseSpecifier &B : Record->bases())
    if (mayHoldImpl(B.getType(), Seen))
      return true;
  return false;
}

static bool mayHoldImpl(QualType T, std::set<const CXXRecordDecl *> &Seen) {
  T = T.getCanonicalType();
  if (const auto *A = dyn_cast<ArrayType>(T.getTypePtr()))
    return mayHoldImpl(A->getElementType(), Seen);
  if (const auto *P = T->getAs<PointerType>())
    return classifyObjectType(P->getPointeeType()) != Managed::No;
  if (T->isDependentType()) {
    // A specialization of a known template is judged by the template.
    const auto *Spec = T->getAs<TemplateSpecializationType>();
    const TemplateDecl *Template = Spec ? Spec->getTemplateName().getAsTemplateDecl() : nullptr;
    const auto *Class = dyn_cast_or_null<ClassTemplateDecl>(Template);
    if (!Class)
      return true; // a parameter, or a member type of one: anything
    if (isTracedStdWrapper(Class->getTemplatedDecl()))
      return anyArgumentMayHold(Spec->template_arguments(), Seen);
    if (Class->getTemplatedDecl()->getASTContext().getSourceManager().isInSystemHeader(
            Class->getLocation()))
      return false; // the collector does not look inside library classes
    return recordMayHold(Class->getTemplatedDecl(), Seen);
  }
  const CXXRecordDecl *Record = T->getAsCXXRecordDecl();
  if (!Record || !Record->hasDefinition())
    return false;
  if (classifyRecord(Record) == Managed::Yes)
    return false; // a managed object held by value is diagnosed elsewhere
  if (const auto *Spec = dyn_cast<ClassTemplateSpecializationDecl>(Record);
      Spec && isTracedStdWrapper(Spec))
    return anyArgumentMayHold(Spec->getTemplateArgs().asArray(), Seen);
  // The collector only follows what trace functions visit: library classes
  // (std::vector's buffer, say) are not traced; their heap memory is scanned.
  if (Record->getASTContext().getSourceManager().isInSystemHeader(Record->getLocation()))
    return false;
  return recordMayHold(Record, Seen);
}

bool mayHoldManagedReferences(QualType T) {
  std::set<const CXXRecordDecl *> Seen;
  return mayHoldImpl(T, Seen);
}

SourceLocation accessLocation(const Expr *Access) {
  if (const auto *M = dyn_cast<MemberExpr>(Access))
    return M->getMemberLoc();
  if (const auto *D = dyn_cast<CXXDependentScopeMemberExpr>(Access))
    return D->getMemberLoc();
  return Access->getBeginLoc();
}

bool ownsUnmanagedMemory(QualType T) {
  T = T.getCanonicalType();
  while (const auto *A = dyn_cast<ArrayType>(T.getTypePtr()))
    T = A->getElementType().getCanonicalType();
  if (T->isDependentType())
    return false;
  const CXXRecordDecl *Record = T->getAsCXXRecordDecl();
  if (!Record || !Record->hasDefinition())
    return false;
  if (classifyRecord(Record) != Managed::No)
    return false;
  return !Record->hasTrivialDestructor();
}

Managed classifyBase(const Expr *Base, bool Arrow) {
  if (!Base)
    return Managed::No;
  // A field of an unmanaged base, reached through a managed object: the
  // derived-to-base conversion hides that the object is managed.
  Managed Result = Managed::No;
  for (const Expr *E = Base; E;) {
    Managed M = Arrow ? classifyPointee(E->getType()) : classifyObjectType(E->getType());
    if (M == Managed::Yes)
      return M;
    if (M == Managed::Maybe)
      Result = M;
    const auto *Cast = dyn_cast<ImplicitCastExpr>(E->IgnoreParens());
    if (!Cast ||
        (Cast->getCastKind() != CK_DerivedToBase &&
         Cast->getCastKind() != CK_UncheckedDerivedToBase && Cast->getCastKind() != CK_NoOp))
      break;
    E = Cast->getSubExpr();
  }
  return Result;
}

const Expr *strip(const Expr *E) {
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

bool isManagedFieldAccess(const Expr *E) {
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

Managed classifyMemberPointerObject(const BinaryOperator *E) {
  QualType T = E->getLHS()->getType();
  return E->getOpcode() == BO_PtrMemI ? classifyPointee(T) : classifyObjectType(T);
}

namespace {

// stm::atomic, stm::atomic_cancel or stm::exclusive_atomic (also named
// through a using-declaration).
bool isAtomicEntry(const NamedDecl *D) {
  D = D->getUnderlyingDecl();
  if (!D->getIdentifier())
    return false;
  return llvm::is_contained(names::AtomicFunctions, D->getName()) && isApiDeclaration(D);
}

// stm::transaction_queue::add: its first argument runs as a task, an atomic
// block of its own on a worker thread.
bool isTaskAdd(const NamedDecl *D) {
  const auto *Method = dyn_cast_or_null<CXXMethodDecl>(D->getUnderlyingDecl()->getAsFunction());
  if (!Method || !Method->getIdentifier() || Method->getName() != names::QueueAdd)
    return false;
  return isStmClass(Method->getParent(), names::QueueClass);
}

bool isHandlerRegistration(const NamedDecl *D) {
  D = D->getUnderlyingDecl();
  return D->getIdentifier() && llvm::is_contained(names::HandlerFunctions, D->getName()) &&
         isApiDeclaration(D);
}

// Whether a call's callee is one that Is accepts. In a template, a call
// whose arguments are dependent is resolved only when the template is
// instantiated: what it names is the set of candidates, all of which must be.
bool calls(const CallExpr *E, bool (*Is)(const NamedDecl *)) {
  if (const FunctionDecl *F = E->getDirectCallee())
    return Is(F);
  const auto *Candidates = dyn_cast<OverloadExpr>(E->getCallee()->IgnoreParenImpCasts());
  return Candidates && Candidates->getNumDecls() > 0 && llvm::all_of(Candidates->decls(), Is);
}

} // namespace

bool isTaskCall(const CallExpr *E) { return calls(E, isTaskAdd); }

bool isAtomicCall(const CallExpr *E) { return calls(E, isAtomicEntry); }

bool isHandlerCall(const CallExpr *E) { return calls(E, isHandlerRegistration); }

bool isTransactionControl(const CallExpr *E) {
  const FunctionDecl *F = E->getDirectCallee();
  const IdentifierInfo *Id = F ? F->getIdentifier() : nullptr;
  return Id && llvm::is_contained(names::TransactionControlFunctions, Id->getName());
}

bool controlsTransactions(const Stmt *S) {
  if (!S || isa<LambdaExpr>(S))
    return false;
  if (const auto *Call = dyn_cast<CallExpr>(S); Call && isTransactionControl(Call))
    return true;
  for (const Stmt *Child : S->children())
    if (controlsTransactions(Child))
      return true;
  return false;
}

// A loop over an array field of a managed object that only reads its
// elements reads each one when it reaches it (stm::detail::elements_of): the
// range would otherwise be a reference into one thread's view of the object,
// held across the loop's safe points.
bool readsFieldElementsOneByOne(const CXXForRangeStmt *S) {
  const Expr *Range = S->getRangeInit();
  if (!Range || !(isManagedFieldAccess(Range) || isStmContainer(Range->getType())))
    return false;
  if (Range->getType()->isArrayType() &&
      Range->getType()->getAsArrayTypeUnsafe()->getElementType()->isArrayType())
    return false;
  QualType Element = S->getLoopVariable()->getType();
  return !Element->isReferenceType() || Element.getNonReferenceType().isConstQualified();
}

} // namespace stmify
