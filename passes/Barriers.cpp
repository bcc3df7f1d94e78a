// A method call gets stm::loc only: the method body carries its own
// barriers, and the call itself may read the vptr.
#include "Barriers.h"

#include "ManagedTypes.h"
#include "Names.h"

using namespace clang;

namespace stmify {

// The site, for a conflict report: of every write barrier, and of read
// barriers in a build with read sites.
static bool barrierTakesSite(llvm::StringRef Open, bool ReadSites) {
  return Open == names::WriteBarrier || (Open == names::ReadBarrier && ReadSites);
}

void BarrierRule::atCall(const CallExpr *E) {
  const Expr *Callee = E->getCallee()->IgnoreParenImpCasts();
  if (isa<MemberExpr>(Callee) || isa<CXXDependentScopeMemberExpr>(Callee) ||
      isa<UnresolvedMemberExpr>(Callee))
    Callees.insert(Callee);
  siteArrayAccess(E);
  readElementThroughConstAccessor(E);
}

// Does the class have a const overload of the method (what read_only calls)?
static bool hasConstOverload(const CXXMethodDecl *Method) {
  for (const NamedDecl *Found : Method->getParent()->lookup(Method->getDeclName()))
    if (const auto *M = dyn_cast<CXXMethodDecl>(Found->getUnderlyingDecl()); M && M->isConst())
      return true;
  return false;
}

// *it or it->x on a container's iterator that can write the element.
static bool isWritableIteratorAccess(const CXXMethodDecl *Method) {
  const OverloadedOperatorKind Op = Method->getOverloadedOperator();
  if ((Op != OO_Star && Op != OO_Arrow) || !isStmContainerIterator(Method->getParent()))
    return false;
  const QualType Result = Method->getReturnType();
  const QualType Element =
      Result->isReferenceType() ? Result.getNonReferenceType() : Result->getPointeeType();
  return !Element.isNull() && !Element.isConstQualified();
}

// v[i] (at, front, back) on a container that is not const, or *it and
// it->x on an iterator that can write, where the element is only read: the
// const overload, or the constant iterator, which reads, instead of what
// backs the element up for a write that never comes.
void BarrierRule::readElementThroughConstAccessor(const CallExpr *E) {
  const auto *Method = dyn_cast_or_null<CXXMethodDecl>(E->getDirectCallee());
  if (!Method || !Ctx.inOwnCode(E->getBeginLoc()))
    return;
  const bool Iterator = isWritableIteratorAccess(Method);
  if (!Iterator && (Method->isConst() || !Method->getReturnType()->isReferenceType() ||
                    !isStmContainer(QualType(Method->getParent()->getTypeForDecl(), 0)) ||
                    !hasConstOverload(Method)))
    return;
  const Expr *Object = nullptr;
  if (const auto *Member = dyn_cast<CXXMemberCallExpr>(E))
    Object = Member->getImplicitObjectArgument();
  else if (isa<CXXOperatorCallExpr>(E) && E->getNumArgs() > 0)
    Object = E->getArg(0);
  const auto *Callee = dyn_cast<MemberExpr>(E->getCallee()->IgnoreParenImpCasts());
  if (!Object || (Callee && Callee->isArrow()))
    return;
  // Up through parentheses and members of the element: read as a value,
  // or the object of a const method.
  const Expr *Child = E;
  for (unsigned Up = 1;; ++Up) {
    const Stmt *P = Ctx.parentStmt(Up);
    if (!P)
      return;
    if (const auto *Paren = dyn_cast<ParenExpr>(P)) {
      Child = Paren;
      continue;
    }
    if (const auto *M = dyn_cast<MemberExpr>(P)) {
      // it->x: the arrow of the iterator's operator-> names a member of
      // the element.
      const bool ElementArrow =
          Child == E && Iterator && Method->getOverloadedOperator() == OO_Arrow;
      if ((M->isArrow() && !ElementArrow) || M->getBase()->IgnoreParens() != Child->IgnoreParens())
        return;
      if (const auto *Called = dyn_cast<CXXMethodDecl>(M->getMemberDecl())) {
        if (Called->isConst())
          break;
        return;
      }
      Child = M;
      continue;
    }
    if (const auto *Cast = dyn_cast<ImplicitCastExpr>(P)) {
      if (Cast->getCastKind() == CK_LValueToRValue)
        break;
      if (Cast->getCastKind() == CK_NoOp) { // made const, for a copy
        Child = Cast;
        continue;
      }
      return;
    }
    // A copy of a whole struct (`Point a = v[i]`, `a = it->second`): the
    // element's trivial copy, which only reads it.
    if (const auto *Construct = dyn_cast<CXXConstructExpr>(P)) {
      const CXXConstructorDecl *Copy = Construct->getConstructor();
      if (Copy->isCopyOrMoveConstructor() && Copy->isTrivial())
        break;
      return;
    }
    if (const auto *Assign = dyn_cast<CXXOperatorCallExpr>(P);
        Assign && Assign->getOperator() == OO_Equal && Assign->getNumArgs() == 2 &&
        Assign->getArg(1) == Child) {
      const auto *Copy = dyn_cast_or_null<CXXMethodDecl>(Assign->getDirectCallee());
      if (Copy && (Copy->isCopyAssignmentOperator() || Copy->isMoveAssignmentOperator()) &&
          Copy->isTrivial())
        break;
    }
    return;
  }
  Ctx.wrapExpr(Object, names::ReadOnlyAccess, ")", QualType());
}

// stm::array<T>::set(i, value) gets its site, which the write barrier of the
// element's card records, as a write through stm::wr does, and get(i) too in
// a build with read sites; also in a template, where the array's element
// type is a parameter. A call through a type that is a template parameter
// itself is left as written: it may not be an stm::array.
void BarrierRule::siteArrayAccess(const CallExpr *E) {
  const Expr *Callee = E->getCallee()->IgnoreParenImpCasts();
  llvm::StringRef Name;
  bool Resolved = false;
  if (const auto *Member = dyn_cast<MemberExpr>(Callee)) {
    const auto *Method = dyn_cast<CXXMethodDecl>(Member->getMemberDecl());
    if (!Method || !Method->getIdentifier() || !isStmClass(Method->getParent(), names::ArrayClass))
      return;
    Name = Method->getName();
    Resolved = true;
  } else if (const auto *Dependent = dyn_cast<CXXDependentScopeMemberExpr>(Callee)) {
    if (!Dependent->getMember().isIdentifier() || Dependent->isImplicitAccess())
      return;
    QualType Base = Dependent->getBaseType();
    if (Dependent->isArrow())
      Base = Base->getPointeeType();
    const auto *Specialization =
        Base.isNull() ? nullptr : Base->getAs<TemplateSpecializationType>();
    const TemplateDecl *Template =
        Specialization ? Specialization->getTemplateName().getAsTemplateDecl() : nullptr;
    const auto *Class = Template ? dyn_cast<CXXRecordDecl>(Template->getTemplatedDecl()) : nullptr;
    if (!isStmClass(Class, names::ArrayClass))
      return;
    Name = Dependent->getMember().getAsIdentifierInfo()->getName();
  } else {
    return;
  }
  // The arguments a call without a site has: set's site is a default
  // argument of the resolved call; get's is another overload.
  unsigned Written = E->getNumArgs();
  if (Name == names::ArraySet) {
    if (Resolved && (Written != 3 || !isa<CXXDefaultArgExpr>(E->getArg(2))))
      return;
    if (!Resolved && Written != 2)
      return;
  } else if (Name == names::ArrayGet && Ctx.Options.ReadSites) {
    if (Written != 1)
      return;
  } else {
    return;
  }
  if (auto Where = Ctx.Edits.locatePoint(E->getRParenLoc()))
    Ctx.Edits.insertClosing(Where->File, Where->Begin,
                            ", " + Ctx.quoted(Ctx.site(E->getBeginLoc())));
}

void BarrierRule::atMember(const MemberExpr *E) {
  const ValueDecl *Member = E->getMemberDecl();
  if (const auto *Method = dyn_cast<CXXMethodDecl>(Member)) {
    if (!Method->isStatic() && Callees.contains(E))
      barrierForMember(E, E->getBase(), E->isArrow(), E->isImplicitAccess(), true);
    return;
  }
  if (isa<FieldDecl>(Member) || isa<IndirectFieldDecl>(Member))
    barrierForMember(E, E->getBase(), E->isArrow(), E->isImplicitAccess(), false);
}

void BarrierRule::atDependentMember(const CXXDependentScopeMemberExpr *E) {
  bool Method = Callees.contains(E);
  barrierForMember(E, E->isImplicitAccess() ? nullptr : E->getBase(), E->isArrow(),
                   E->isImplicitAccess(), Method);
}

void BarrierRule::atUnresolvedMember(const UnresolvedMemberExpr *E) {
  if (!E->isImplicitAccess())
    barrierForMember(E, E->getBase(), E->isArrow(), false, true);
}

void BarrierRule::atPointerToMember(const BinaryOperator *E) {
  if (classifyMemberPointerObject(E) == Managed::No)
    return;
  const Expr *Object = E->getLHS();
  QualType T =
      E->getOpcode() == BO_PtrMemI ? Object->getType()->getPointeeType() : Object->getType();
  // this->*member: the barrier translates `this`, which is then not a
  // value to make canonical.
  if (const auto *This = dyn_cast<CXXThisExpr>(Object->IgnoreParenImpCasts()))
    ConsumedThis.insert(This);
  wrapWithBarrier(Object, E, false, T);
}

// The barriers the analysis moved before a loop (RedundantBarriers.cpp):
// each on the object of an access in the loop's first statement, which
// the body then leaves out. Before a loop that is another loop's unbraced
// body, they and the loop are put in braces.
void BarrierRule::atLoop(const Stmt *Loop) {
  auto Found = Ctx.Facts.HoistedBarriers.find(Loop);
  if (Found == Ctx.Facts.HoistedBarriers.end())
    return;
  auto Where = Ctx.Edits.locatePoint(Loop->getBeginLoc());
  if (!Where)
    return;
  std::string Text;
  for (const Expr *Access : Found->second) {
    const Expr *Base = nullptr;
    if (const auto *M = dyn_cast<MemberExpr>(Access))
      Base = M->getBase();
    else if (const auto *D = dyn_cast<CXXDependentScopeMemberExpr>(Access))
      Base = D->getBase();
    const Expr *Object = Base ? Base->IgnoreParenImpCasts() : nullptr;
    std::string Name = "this";
    if (const auto *Ref = dyn_cast_or_null<DeclRefExpr>(Object))
      Name = Ref->getDecl()->getName().str();
    else if (!isa_and_nonnull<CXXThisExpr>(Object))
      continue;
    const bool Write = Ctx.Facts.WrittenAccesses.contains(Access);
    const llvm::StringRef Open = Write ? names::WriteBarrier : names::ReadBarrier;
    const std::string Site = barrierTakesSite(Open, Ctx.Options.ReadSites)
                                 ? ", " + Ctx.quoted(Ctx.site(Access->getBeginLoc()))
                                 : "";
    Text += "(void)" + Open.str() + Name + Site + "); ";
    countBarrier(Open);
  }
  if (Text.empty())
    return;
  if (!Ctx.Facts.HoistedFromLoopBodies.contains(Loop)) {
    Ctx.Edits.insertStatement(Where->File, Where->Begin, Text);
    return;
  }
  // Inside the block the outer loop's safe point opens, if it has one there
  // (EditPlan.h: the layers). The analysis moved them only after it found
  // the loop's end.
  std::optional<unsigned> End = Ctx.statementEnd(Loop, Where->File);
  const std::string Open = "{ " + Text;
  assert(llvm::StringRef(Open).starts_with(names::HoistedBarriersBlock));
  std::string Existing;
  if (!End || !Ctx.Edits.wrap(FileOffsets{Where->File, Where->Begin, *End}, Open, " }", &Existing))
    Ctx.Diags.report(Diag::ConflictingRewrite, Loop->getBeginLoc(),
                     {llvm::StringRef(Existing)
                          .ltrim("({ ")
                          .take_until([](char C) { return C == '(' || C == ' '; })
                          .str(),
                      "barriers before the loop", 0, ""});
}

void BarrierRule::atRangeFor(const CXXForRangeStmt *S) {
  if (readsFieldElementsOneByOne(S))
    Ctx.wrapExpr(S->getRangeInit(), names::ElementsOf, ")", QualType());
}

// typeid of a polymorphic managed object reads its vptr.
void BarrierRule::atTypeidOperand(const Expr *Operand) {
  Ctx.wrapExpr(Operand, names::VptrView, ")", Operand->getType());
}

// A barrier whose object the transaction already holds only translates
// (RedundantBarriers.cpp).
llvm::StringRef BarrierRule::barrierOpen(const Expr *Access, bool Method) const {
  if (Method)
    return names::TranslateBarrier;
  if (Ctx.Facts.WrittenAccesses.contains(Access))
    return Ctx.Facts.RewrittenAccesses.contains(Access) ? names::WriteAgain : names::WriteBarrier;
  return Ctx.Facts.RereadAccesses.contains(Access) ? names::ReadAgain : names::ReadBarrier;
}

std::string BarrierRule::barrierClose(const Expr *Access, bool Method) const {
  if (!barrierTakesSite(barrierOpen(Access, Method), Ctx.Options.ReadSites))
    return ")";
  return ", " + Ctx.quoted(Ctx.site(Access->getBeginLoc())) + ")";
}

void BarrierRule::countBarrier(llvm::StringRef Open) {
  if (Open == names::TranslateBarrier)
    ++Ctx.Counts.Translations;
  else if (Open == names::ReadBarrier || Open == names::ReadAgain)
    ++Ctx.Counts.Reads;
  else
    ++Ctx.Counts.Writes;
  if (Open == names::ReadAgain || Open == names::WriteAgain)
    ++Ctx.Counts.Held;
}

void BarrierRule::barrierForMember(const Expr *E, const Expr *Base, bool Arrow, bool ImplicitThis,
                                   bool Method) {
  if (ImplicitThis) {
    if (Method)
      return; // `this` already points into the caller's segment
    QualType ThisType = Base ? Base->IgnoreImpCasts()->getType() : QualType();
    if (const auto *D = dyn_cast<CXXDependentScopeMemberExpr>(E))
      ThisType = D->getBaseType();
    if (classifyPointee(ThisType) == Managed::No)
      return;
    auto Where = Ctx.Edits.locatePoint(E->getBeginLoc());
    if (!Where) {
      if (Ctx.inOwnCode(E->getBeginLoc()) &&
          Ctx.Facts.reportableAccess(E, classifyPointee(ThisType)))
        Ctx.Diags.report(Diag::AccessInMacro, E->getBeginLoc(),
                         {Ctx.typeName(ThisType->getPointeeType())}, E->getSourceRange());
      return;
    }
    if (!Method && wrapElementAfterIndex(E))
      return;
    llvm::StringRef Open = barrierOpen(E, false);
    const bool Site = barrierTakesSite(Open, Ctx.Options.ReadSites);
    Ctx.Edits.insertPrefix(Where->File, Where->Begin,
                           Open.str() + "this" +
                               (Site ? ", " + Ctx.quoted(Ctx.site(E->getBeginLoc())) : "") + ")->");
    countBarrier(Open);
    return;
  }
  Managed M = classifyBase(Base, Arrow);
  if (M == Managed::No)
    return;
  const Expr *Stripped = Base->IgnoreParenImpCasts();
  if (!Arrow) {
    if (const auto *U = dyn_cast<UnaryOperator>(Stripped); U && U->getOpcode() == UO_Deref)
      return; // the dereference carries the barrier
    if (const auto *Ref = dyn_cast<DeclRefExpr>(Stripped))
      if (const auto *VD = dyn_cast<VarDecl>(Ref->getDecl());
          VD && !VD->getType()->isReferenceType())
        return; // a managed object by value: diagnosed at its declaration
  }
  if (!Method && wrapElementAfterIndex(E))
    return;
  if (const auto *This = dyn_cast<CXXThisExpr>(Stripped))
    ConsumedThis.insert(This);
  wrapWithBarrier(Base, E, Method, Arrow ? Base->getType()->getPointeeType() : Base->getType());
}

// p->data[f()] outside atomic blocks, where f() may move the thread: the
// barrier on the element's address, once the index is computed
// (ElementBarriers). The address is computed from p as it is (canonical, or
// `this` in some segment) without reading through it.
bool BarrierRule::wrapElementAfterIndex(const Expr *Access) {
  auto Found = Ctx.Facts.ElementBarriers.find(Access);
  if (Found == Ctx.Facts.ElementBarriers.end())
    return false;
  const Expr *Element = Found->second;
  bool Write = Ctx.Facts.WrittenAccesses.contains(Access);
  std::string Close = Write || Ctx.Options.ReadSites
                          ? ", " + Ctx.quoted(Ctx.site(Access->getBeginLoc())) + "))"
                          : "))";
  const auto *Member = cast<MemberExpr>(Access);
  QualType Object = Member->isArrow() ? Member->getBase()->getType()->getPointeeType()
                                      : Member->getBase()->getType();
  if (!Ctx.wrapExpr(Element, Write ? names::WriteElement : names::ReadElement, Close, Object))
    return true;
  ++(Write ? Ctx.Counts.Writes : Ctx.Counts.Reads);
  return true;
}

// Wraps the expression that designates the object of Access in the barrier
// Access needs: a translation for a method call, else a read or a write.
void BarrierRule::wrapWithBarrier(const Expr *Object, const Expr *Access, bool Method,
                                  QualType ObjectType) {
  const llvm::StringRef Open = barrierOpen(Access, Method);
  if (Ctx.wrapExpr(Object, Open, barrierClose(Access, Method), ObjectType))
    countBarrier(Open);
}

void BarrierRule::atDeref(const UnaryOperator *E) {
  const Expr *Pointer = E->getSubExpr();
  if (classifyPointee(Pointer->getType()) == Managed::No)
    return;
  const auto *This = dyn_cast<CXXThisExpr>(Pointer->IgnoreParenImpCasts());
  if (This)
    ConsumedThis.insert(This);
  if (Ctx.Facts.BoundDerefs.contains(E)) {
    // A reference to the whole object stays canonical, like a pointer.
    if (This)
      Ctx.wrapExpr(Pointer, names::Canonical, ")", Pointer->getType()->getPointeeType());
    return;
  }
  // (*p).f: the member access decides between reading, writing and calling.
  const Expr *Access = E;
  bool Method = false;
  for (unsigned Up = 1;; ++Up) {
    const Stmt *P = Ctx.parentStmt(Up);
    // (*p).f() of a const or inherited method converts the object first.
    if (P && (isa<ParenExpr>(P) || isa<ImplicitCastExpr>(P)))
      continue;
    if (const auto *M = dyn_cast_or_null<MemberExpr>(P); M && !M->isArrow()) {
      Access = M;
      Method = isa<CXXMethodDecl>(M->getMemberDecl());
    } else if (const auto *D = dyn_cast_or_null<CXXDependentScopeMemberExpr>(P);
               D && !D->isArrow()) {
      Access = D;
      Method = Callees.contains(D);
    }
    break;
  }
  wrapWithBarrier(Pointer, Access, Method, Pointer->getType()->getPointeeType());
}

// dynamic_cast reads the object's vptr: the operand is translated, and a
// pointer result made canonical again.
void BarrierRule::atDynamicCast(const CXXDynamicCastExpr *E) {
  const Expr *Operand = E->getSubExprAsWritten();
  bool Pointer = E->getType()->isPointerType();
  Managed M =
      Pointer ? classifyPointee(Operand->getType()) : classifyObjectType(Operand->getType());
  if (M == Managed::No)
    return;
  if (const auto *U = dyn_cast<UnaryOperator>(Operand->IgnoreParens());
      !Pointer && U && U->getOpcode() == UO_Deref)
    return; // the dereference carries the barrier
  QualType Object = Pointer ? Operand->getType()->getPointeeType() : Operand->getType();
  if (!Ctx.wrapExpr(Operand, names::TranslateBarrier, ")", Object))
    return;
  ++Ctx.Counts.Translations;
  if (Pointer)
    Ctx.wrapExpr(E, names::Canonical, ")", Object);
}

void BarrierRule::atThis(const CXXThisExpr *E) {
  if (E->isImplicit() || ConsumedThis.contains(E))
    return;
  if (const Stmt *Parent = Ctx.parentStmt(1); Parent && isa<LambdaExpr>(Parent))
    return; // a [this] capture: uses inside the lambda are instrumented there
  if (classifyPointee(E->getType()) == Managed::No)
    return;
  Ctx.wrapExpr(E, names::Canonical, ")", E->getType()->getPointeeType());
}

// A member pointer into a managed class, or a class template instantiated
// with one (std::mem_fn's result): library code applies it to the objects it
// is given, without barriers. The kind of member decides which barrier.
static const MemberPointerType *managedMemberPointer(QualType T) {
  const auto *M = T.getNonReferenceType()->getAs<MemberPointerType>();
  if (!M || classifyObjectType(QualType(M->getClass(), 0)) == Managed::No)
    return nullptr;
  return M;
}

static const MemberPointerType *managedMemberPointerIn(const CXXRecordDecl *C) {
  for (; C; C = dyn_cast<CXXRecordDecl>(C->getDeclContext())) {
    if (const auto *Spec = dyn_cast<ClassTemplateSpecializationDecl>(C))
      for (const TemplateArgument &A : Spec->getTemplateArgs().asArray())
        if (A.getKind() == TemplateArgument::Type)
          if (const MemberPointerType *M = managedMemberPointer(A.getAsType()))
            return M;
    bool Found = false;
    const MemberPointerType *Result = nullptr;
    if (C->hasDefinition())
      C->forallBases([&](const CXXRecordDecl *B) {
        if (!Found)
          if ((Result = managedMemberPointerIn(B)))
            Found = true;
        return true;
      });
    if (Found)
      return Result;
  }
  return nullptr;
}

// std::invoke(&Node::value, n), std::mem_fn(&Node::value)(n): the library
// reads (or writes) the field through n, so n is passed translated, with a
// write barrier unless the object is const (the result may be written), or
// translated only for a member function (its body has its barriers).
void BarrierRule::atCallArguments(const CallExpr *E) {
  const FunctionDecl *Callee = E->getDirectCallee();
  if (!Callee || !Ctx.SM.isInSystemHeader(Ctx.SM.getExpansionLoc(Callee->getLocation())))
    return;
  const MemberPointerType *Member = nullptr;
  for (const Expr *Arg : E->arguments())
    if ((Member = managedMemberPointer(Arg->getType())))
      break;
  if (!Member)
    if (const auto *Method = dyn_cast<CXXMethodDecl>(Callee))
      Member = managedMemberPointerIn(Method->getParent());
  if (!Member)
    return;
  unsigned First = isa<CXXOperatorCallExpr>(E) && isa<CXXMethodDecl>(Callee) ? 1 : 0;
  for (unsigned I = First; I < E->getNumArgs(); ++I) {
    const Expr *Arg = E->getArg(I)->IgnoreParenImpCasts();
    QualType T = Arg->getType();
    if (!T->isPointerType() || classifyPointee(T) == Managed::No)
      continue;
    llvm::StringRef Open = names::TranslateBarrier;
    std::string Close = ")";
    if (!Member->isMemberFunctionPointer()) {
      bool Const = T->getPointeeType().isConstQualified();
      Open = Const ? names::ReadBarrier : names::WriteBarrier;
      Close = Const && !Ctx.Options.ReadSites
                  ? ")"
                  : ", " + Ctx.quoted(Ctx.site(Arg->getBeginLoc())) + ")";
    }
    if (Ctx.wrapExpr(Arg, Open, Close, T->getPointeeType()))
      ++(Open == names::TranslateBarrier ? Ctx.Counts.Translations
         : Open == names::ReadBarrier    ? Ctx.Counts.Reads
                                         : Ctx.Counts.Writes);
  }
}

} // namespace stmify
