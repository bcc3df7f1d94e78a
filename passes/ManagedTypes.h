// Which types are managed: classes derived from stm::object, and pointers and
// references to them. Inside templates a type may depend on a parameter; such
// types are "maybe managed" and get the generic barriers, which are the
// identity for unmanaged instantiations. Also what the API's declarations
// and calls look like, for the analysis and the rules alike.
#ifndef STMIFY_PASSES_MANAGEDTYPES_H
#define STMIFY_PASSES_MANAGEDTYPES_H

#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/StmtCXX.h"
#include "clang/AST/Type.h"

namespace stmify {

enum class Managed { No, Maybe, Yes };

// A class derived from stm::object (or stm::object itself).
Managed classifyRecord(const clang::CXXRecordDecl *Record);
// The type of an object: managed class, or dependent.
Managed classifyObjectType(clang::QualType T);
// The pointee of a pointer type (or No for non-pointers).
Managed classifyPointee(clang::QualType PointerType);

// Declared directly in the API's namespace (names::ApiNamespace).
bool isApiDeclaration(const clang::NamedDecl *D);
// stm::<Name> (stm::object, stm::array, stm::transaction_queue).
bool isStmClass(const clang::CXXRecordDecl *Record, llvm::StringRef Name);
bool isStmObjectClass(const clang::CXXRecordDecl *Record);
// Whether copying a value's bytes back restores it, as an aborted atomic
// block restores the outer locals it wrote: trivially copyable, and
// copyable at all. A class that forbids copies (std::atomic, std::mutex,
// std::atomic_flag, and anything holding one) is state other threads share,
// which a restore would overwrite.
bool isRestorableByCopy(clang::QualType T, const clang::ASTContext &AST);
// A container of stmify's library (names::ContainerClasses), by value or
// behind a reference.
bool isStmContainer(clang::QualType T);
// An iterator class of such a container (names::ContainerIterators).
bool isStmContainerIterator(const clang::CXXRecordDecl *Class);
// A type that hands library code a container's elements: the container, one
// of its iterators, or a class of namespace std made of one (the iterator of
// std::reverse_iterator).
bool carriesContainerElements(clang::QualType T);
// A result type that may be, or hold, a reference the function was given:
// a reference, std::reference_wrapper, or a std::pair or std::tuple of
// references (std::minmax).
bool mayReturnGivenReference(clang::QualType Result);
// A method of such a container or of its iterators that returns an element
// by reference (v[i], v.front(), *it), or its address (it->).
bool returnsContainerElement(const clang::CXXMethodDecl *M);

// stm::atomic, stm::atomic_cancel or stm::exclusive_atomic.
bool isAtomicCall(const clang::CallExpr *E);
// stm::transaction_queue::add: its first argument runs as a task, an atomic
// block of its own on a worker thread.
bool isTaskCall(const clang::CallExpr *E);
// stm::on_commit or stm::on_abort: its argument runs when the enclosing
// atomic block has ended, outside any atomic block.
bool isHandlerCall(const clang::CallExpr *E);
// stm_start_transaction, stm_commit_transaction or stm_abort_transaction:
// a transaction begun or ended by hand through the C interface, which ends
// what the running one held.
bool isTransactionControl(const clang::CallExpr *E);
// Whether S makes such a call (outside the lambdas it defines).
bool controlsTransactions(const clang::Stmt *S);

// A range-for over an array field of a managed object, or over a container
// of stmify's library, that reads its elements one by one, each when the
// loop reaches it (not through a reference held across the loop, nor, for a
// container, through iterators that back its elements up for writing).
bool readsFieldElementsOneByOne(const clang::CXXForRangeStmt *S);

// Whether values of this type may hold managed references, so that a trace
// function must visit them: pointers to managed classes; arrays, std::pair,
// std::tuple, std::array, std::optional and std::variant of such; the
// program's classes that hold such; dependent types that may be such. Other
// library classes never (the collector does not trace them; memory they
// allocate is scanned).
bool mayHoldManagedReferences(clang::QualType T);

// The object of a member access whose base is Base (a pointer when Arrow):
// managed also when a derived-to-base conversion hides that it is (a field of
// an unmanaged base reached through a managed object).
Managed classifyBase(const clang::Expr *Base, bool Arrow);

// A field of a managed object (or of a dependent object that may be one),
// through `.`, `->` or implicit `this`.
bool isManagedFieldAccess(const clang::Expr *E);
// The object of p->*member or object.*member.
Managed classifyMemberPointerObject(const clang::BinaryOperator *E);

// An expression without what does not change the object it designates:
// parentheses, no-op and derived-to-base conversions, array-to-pointer
// decay, temporaries' materialisation.
const clang::Expr *strip(const clang::Expr *E);

// Where an access is recorded when template instantiations are matched to
// their pattern: the member name of a member access (b->pos and b->pos.x
// begin at the same token), else the expression's start.
clang::SourceLocation accessLocation(const clang::Expr *Access);

// std::pair, std::tuple, std::array, std::optional, std::variant: library
// classes whose elements are traced.
bool isTracedStdWrapper(const clang::NamedDecl *D);

// Class types with a non-trivial destructor that are not managed: members of
// such types own memory the collector never frees.
bool ownsUnmanagedMemory(clang::QualType T);

} // namespace stmify

#endif
