// Barriers the running transaction no longer needs (docs/architecture.md
// §12, "Barriers left out"). A read barrier gives the transaction a read
// marker on the object, which lasts as long as the atomic block's attempt; a
// write barrier gives it a backup, which lasts until the transaction
// publishes. So a second barrier on the same object, on every path after the
// first, only translates — stm::detail::read_again after a read or write
// barrier, write_again after a write barrier with nothing in between that
// may publish. "The same object" is a pointer variable nothing can change
// between the two (or `this`).
//
// The walk is over statements, in the order they run: what every path to a
// statement holds is what the statements before it in its block, and the
// conditions of the statements around it, gave; a branch gives what both of
// its arms give; a loop keeps, from before it, what none of its iterations
// can take away; a case holds nothing. A body with a goto, or with a case
// inside a nested statement, is not walked. A `for` loop that surely runs
// gets the barrier of its first statement's access before it, once.
#include "Analysis.h"

#include "ManagedTypes.h"

#include "clang/AST/ExprCXX.h"
#include "clang/AST/ExprConcepts.h"
#include "clang/AST/StmtCXX.h"
#include "clang/Basic/Builtins.h"
#include "llvm/ADT/MapVector.h"

using namespace clang;

namespace stmify {

namespace {

// The key of `this` in Holdings (the others are variables).
const int ThisKeyAnchor = 0;
const void *const ThisObject = &ThisKeyAnchor;

} // namespace

auto Analysis::BarrierScan::intersect(const Holdings &A, const Holdings &B) -> Holdings {
  Holdings Both;
  for (const auto &[Key, H] : A)
    if (auto Found = B.find(Key); Found != B.end()) {
      Held Common{H.Read && Found->second.Read, H.Write && Found->second.Write};
      if (Common.Read || Common.Write)
        Both[Key] = Common;
    }
  return Both;
}

namespace {

// A candidate variable: a local pointer (or parameter) that only its own
// function can change.
const VarDecl *pointerVariable(const Expr *E) {
  const auto *Ref = dyn_cast<DeclRefExpr>(E->IgnoreParenImpCasts());
  const auto *VD = Ref ? dyn_cast<VarDecl>(Ref->getDecl()) : nullptr;
  if (!VD || !VD->hasLocalStorage() || !VD->getType()->isPointerType() ||
      VD->getType().isVolatileQualified())
    return nullptr;
  return VD;
}

bool isUnevaluatingBuiltin(const CallExpr *Call) {
  switch (Call->getBuiltinCallee()) {
  case Builtin::BI__builtin_constant_p:
  case Builtin::BI__builtin_assume:
  case Builtin::BI__builtin_object_size:
  case Builtin::BI__builtin_dynamic_object_size:
    return true;
  default:
    return false;
  }
}

} // namespace

// Where each local pointer variable is changed: only by assignments
// (`p = q`) in known bodies, or otherwise (its address taken, a reference or
// a non-const capture bound to it, ++) — then it is never the same object.
void Analysis::BarrierScan::noteVariableUses(const Stmt *S, const Stmt *Body, const Stmt *Parent) {
  if (!S)
    return;
  if (const auto *L = dyn_cast<LambdaExpr>(S)) {
    auto Capture = L->capture_begin();
    for (const Expr *Init : L->capture_inits()) {
      const LambdaCapture &C = *Capture++;
      if (!Init)
        continue;
      // A variable captured by reference is judged by the uses in the
      // body; one an init-capture binds a reference to (`[&q = p]`) may
      // change through it.
      if (isa<DeclRefExpr>(Init) && C.capturesVariable() &&
          !cast<VarDecl>(C.getCapturedVar())->isInitCapture())
        continue;
      noteVariableUses(Init, Body, L);
    }
    noteVariableUses(L->getBody(), L->getBody(), nullptr);
    return;
  }
  if (const auto *Ref = dyn_cast<DeclRefExpr>(S)) {
    if (const VarDecl *VD = pointerVariable(Ref)) {
      const auto *Cast = dyn_cast_or_null<ImplicitCastExpr>(Parent);
      const auto *Assign = dyn_cast_or_null<BinaryOperator>(Parent);
      if (Cast && Cast->getCastKind() == CK_LValueToRValue)
        ; // read
      else if (Assign && Assign->getOpcode() == BO_Assign &&
               Assign->getLHS()->IgnoreParens() == Ref &&
               !Ref->refersToEnclosingVariableOrCapture())
        AssignedIn[VD].insert(Body);
      // (Assigned through a capture, it may change in a call of the same
      // closure from the body itself.)
      else
        Unstable.insert(VD);
    }
    return;
  }
  for (const Stmt *Child : S->children()) {
    // Parentheses do not change how the variable is used.
    const Stmt *P = S;
    if (isa<ParenExpr>(S))
      P = Parent;
    noteVariableUses(Child, Body, P);
  }
}

bool Analysis::BarrierScan::sameObjectIn(const VarDecl *VD, const Stmt *Body) const {
  if (Unstable.contains(VD))
    return false;
  auto Found = AssignedIn.find(VD);
  if (Found == AssignedIn.end())
    return true;
  for (const Stmt *Other : Found->second)
    if (Other != Body)
      return false;
  return true;
}

void Analysis::noteBarrierBody() {
  const FunctionScope *Scope = Ctx.scope();
  if (!Scope || Scope->BodyInMacro)
    return;
  const Stmt *Body = Scope->Lambda ? Scope->Lambda->getBody() : Scope->Function->getBody();
  if (!Body || isa<CoroutineBodyStmt>(Body))
    return;
  // Variables of the function are changed only in it and in its lambdas;
  // a local class's methods are functions of their own.
  const FunctionScope *Owner = &Ctx.scopes().front();
  for (const FunctionScope &Around : llvm::reverse(Ctx.scopes()))
    if (!Around.Lambda) {
      Owner = &Around;
      break;
    }
  const Stmt *Outermost = Owner->Lambda ? Owner->Lambda->getBody() : Owner->Function->getBody();
  const auto *Constructor = Owner->Lambda ? nullptr : dyn_cast<CXXConstructorDecl>(Owner->Function);
  BarrierBodies.push_back({Body, Outermost, Scope->AtomicBody || Scope->TaskBody, Constructor});
}

// A goto, or a case label below the top of its switch's body (Duff's
// device), reaches a statement inside a loop or a block past what the walk
// assumes ran before it: such a body is left as it is.
static bool jumpsIntoStatements(const Stmt *S) {
  if (!S || isa<LambdaExpr>(S))
    return false;
  if (isa<GotoStmt>(S) || isa<IndirectGotoStmt>(S))
    return true;
  if (const auto *Switch = dyn_cast<SwitchStmt>(S)) {
    const auto *Body = dyn_cast_or_null<CompoundStmt>(Switch->getBody());
    if (!Body)
      return jumpsIntoStatements(Switch->getBody());
    for (const Stmt *Child : Body->body()) {
      while (const auto *Case = dyn_cast_or_null<SwitchCase>(Child))
        Child = Case->getSubStmt(); // cases at the top of the body
      if (jumpsIntoStatements(Child))
        return true;
    }
    return jumpsIntoStatements(Switch->getInit()) || jumpsIntoStatements(Switch->getCond());
  }
  if (isa<SwitchCase>(S))
    return true; // not at the top of its switch's body
  for (const Stmt *Child : S->children())
    if (jumpsIntoStatements(Child))
      return true;
  return false;
}

// `member(variable)` in a template's pattern, where the member cannot be a
// reference: the variable is only read, though the pattern has no
// conversion that says so.
static bool copiesVariable(const CXXCtorInitializer *Init) {
  const FieldDecl *Member = Init->getMember();
  if (!Member)
    return false;
  QualType T = Member->getType();
  if (T->isReferenceType() || (T->isDependentType() && !T->isPointerType()))
    return false;
  const Expr *Value = Init->getInit()->IgnoreParens();
  if (const auto *List = dyn_cast<ParenListExpr>(Value); List && List->getNumExprs() == 1)
    Value = List->getExpr(0)->IgnoreParens();
  return isa<DeclRefExpr>(Value);
}

void Analysis::findRedundantBarriers() {
  llvm::DenseMap<const Stmt *, std::unique_ptr<BarrierScan>> Scans;
  for (const BarrierBody &B : BarrierBodies) {
    std::unique_ptr<BarrierScan> &Scan = Scans[B.Outermost];
    if (!Scan) {
      Scan = std::make_unique<BarrierScan>(*this);
      Scan->noteVariableUses(B.Outermost, B.Outermost, nullptr);
      // A member initialiser may change a parameter, or bind a reference
      // or pointer to it that the body changes it through (and a block in
      // one is a body of the constructor's). Each counts as a body of its
      // own: an assignment there makes the variable unknown in the body.
      if (B.Constructor)
        for (const CXXCtorInitializer *Init : B.Constructor->inits())
          if (Init->isWritten() && !copiesVariable(Init))
            Scan->noteVariableUses(Init->getInit(), Init->getInit(), nullptr);
    }
    if (jumpsIntoStatements(B.Body))
      continue;
    Scan->Body = B.Body;
    Scan->FixedSegment = B.FixedSegment;
    BarrierScan::Holdings Start;
    Scan->statement(B.Body, Start);
  }
}

// The object an access to a field designates, as a key of Holdings, when
// the access gets a barrier of its own that the rules may leave out.
const void *Analysis::BarrierScan::objectKey(const Expr *Access) const {
  if (!Access->getBeginLoc().isFileID() || !Access->getEndLoc().isFileID() ||
      A.Facts.ElementBarriers.count(Access))
    return nullptr;
  const Expr *Base = nullptr;
  bool Arrow = false;
  if (const auto *M = dyn_cast<MemberExpr>(Access)) {
    if (!isa<FieldDecl>(M->getMemberDecl()) && !isa<IndirectFieldDecl>(M->getMemberDecl()))
      return nullptr;
    Base = M->getBase();
    Arrow = M->isArrow();
  } else if (const auto *D = dyn_cast<CXXDependentScopeMemberExpr>(Access)) {
    if (D->isImplicitAccess())
      return nullptr;
    Base = D->getBase();
    Arrow = D->isArrow();
  } else {
    return nullptr;
  }
  if (!Arrow || !Base)
    return nullptr;
  if (const auto *This = dyn_cast<CXXThisExpr>(Base->IgnoreParenImpCasts())) {
    if (classifyPointee(This->getType()) == Managed::No)
      return nullptr;
    return ThisObject;
  }
  const VarDecl *VD = pointerVariable(Base);
  if (!VD || classifyBase(Base, true) == Managed::No || !sameObjectIn(VD, Body))
    return nullptr;
  return VD;
}

// The field accesses of an expression and whether each runs whenever the
// expression does (not in an arm of ?:, or right of && or ||). Nested
// lambdas' bodies, unevaluated operands and default arguments (whose text is
// elsewhere) are not the expression's.
void Analysis::BarrierScan::accesses(const Stmt *S, bool Conditional,
                                     llvm::SmallVectorImpl<Access> &Out, const Stmt *Parent) const {
  if (!S || isa<LambdaExpr>(S) || isa<UnaryExprOrTypeTraitExpr>(S) || isa<CXXNoexceptExpr>(S) ||
      isa<CXXDefaultArgExpr>(S) || isa<CXXDefaultInitExpr>(S) || isa<StmtExpr>(S))
    return;
  if (const auto *Typeid = dyn_cast<CXXTypeidExpr>(S); Typeid && !Typeid->isPotentiallyEvaluated())
    return;
  if (isa<RequiresExpr>(S))
    return;
  if (const auto *Choose = dyn_cast<ChooseExpr>(S)) {
    if (!Choose->isConditionDependent())
      accesses(Choose->getChosenSubExpr(), Conditional, Out, S);
    return;
  }
  if (const auto *Generic = dyn_cast<GenericSelectionExpr>(S)) {
    if (!Generic->isResultDependent())
      accesses(Generic->getResultExpr(), Conditional, Out, S);
    return;
  }
  // Some builtins do not evaluate their operands (__builtin_constant_p,
  // __builtin_assume): what they are given gives nothing.
  if (const auto *Builtin = dyn_cast<CallExpr>(S); Builtin && isUnevaluatingBuiltin(Builtin)) {
    for (const Stmt *Child : S->children())
      accesses(Child, true, Out, S);
    return;
  }
  // A static local's initialiser runs at the first call only.
  if (const auto *Declarations = dyn_cast<DeclStmt>(S)) {
    for (const Decl *D : Declarations->decls())
      if (const auto *VD = dyn_cast<VarDecl>(D); VD && VD->getInit())
        accesses(VD->getInit(), Conditional || !VD->hasLocalStorage(), Out, S);
    return;
  }
  const auto *Call = dyn_cast_or_null<CallExpr>(Parent);
  const bool Called = Call && Call->getCallee()->IgnoreParens() == S; // gets stm::loc
  if (const auto *E = dyn_cast<Expr>(S); E && !Called)
    if (const void *Key = objectKey(E))
      Out.push_back({E, Key, Conditional, A.Facts.WrittenAccesses.contains(E)});
  if (const auto *C = dyn_cast<AbstractConditionalOperator>(S)) {
    accesses(C->getCond(), Conditional, Out, S);
    if (const auto *Binary = dyn_cast<BinaryConditionalOperator>(C))
      accesses(Binary->getCommon(), Conditional, Out, S);
    else
      accesses(C->getTrueExpr(), true, Out, S);
    accesses(C->getFalseExpr(), true, Out, S);
    return;
  }
  if (const auto *B = dyn_cast<BinaryOperator>(S); B && B->isLogicalOp()) {
    accesses(B->getLHS(), Conditional, Out, S);
    accesses(B->getRHS(), true, Out, S);
    return;
  }
  for (const Stmt *Child : S->children())
    accesses(Child, Conditional, Out, isa<ParenExpr>(S) ? Parent : S);
}

// Variables an assignment anywhere in S changes (also in a nested lambda
// that is the body being walked: those are Unstable already).
void Analysis::BarrierScan::assignedIn(const Stmt *S, llvm::DenseSet<const void *> &Out) const {
  if (!S || isa<LambdaExpr>(S))
    return;
  if (const auto *Assign = dyn_cast<BinaryOperator>(S); Assign && Assign->getOpcode() == BO_Assign)
    if (const auto *Ref = dyn_cast<DeclRefExpr>(Assign->getLHS()->IgnoreParens()))
      if (const VarDecl *VD = pointerVariable(Ref))
        Out.insert(VD);
  for (const Stmt *Child : S->children())
    assignedIn(Child, Out);
}

// Does S declare an object whose destructor runs code (at the end of the
// block, or of the if, switch or loop whose init or condition it is)?
static bool declaresDestructible(const Stmt *S, const ASTContext &AST) {
  const auto *Declarations = dyn_cast_or_null<DeclStmt>(S);
  if (!Declarations)
    return false;
  for (const Decl *D : Declarations->decls())
    if (const auto *VD = dyn_cast<VarDecl>(D); VD && !VD->getType()->isReferenceType()) {
      const QualType T = AST.getBaseElementType(VD->getType());
      const CXXRecordDecl *R = T->getAsCXXRecordDecl();
      if (T->isDependentType() || (R && (!R->hasDefinition() || !R->hasTrivialDestructor())))
        return true;
    }
  return false;
}

// At the end of a statement whose parts' objects are destroyed there: a
// destructor may publish.
void Analysis::BarrierScan::destroyAtEnd(std::initializer_list<const Stmt *> Parts,
                                         Holdings &H) const {
  for (const Stmt *Part : Parts)
    if (Part && (declaresDestructible(Part, A.Ctx.AST) ||
                 (isa<Expr>(Part) && A.firstSegmentChange(Part, nullptr))))
      for (auto &[Key, Object] : H)
        Object.Write = false;
}

// What S (run whole, in a straight line, or as a loop's iterations) takes
// away: the variables it changes, every backup when it may publish, and
// everything when it starts or ends transactions itself.
void Analysis::BarrierScan::loseWhatChanges(const Stmt *S, bool MayPublish, Holdings &H) const {
  if (controlsTransactions(S)) {
    H.clear();
    return;
  }
  llvm::DenseSet<const void *> Assigned;
  assignedIn(S, Assigned);
  for (const void *Key : Assigned)
    H.erase(Key);
  if (MayPublish)
    for (auto &[Key, Object] : H)
      Object.Write = false;
}

// A statement whose parts all run, in some order, whenever it runs (an
// expression, a declaration, a return).
void Analysis::BarrierScan::straightLine(const Stmt *S, Holdings &H) {
  if (!S)
    return;
  llvm::SmallVector<Access, 8> Found;
  accesses(S, false, Found, nullptr);
  llvm::DenseSet<const void *> Assigned;
  assignedIn(S, Assigned);
  // `v = e`: e runs before v changes (C++17 sequences the right operand of
  // an assignment first), so through v it reads the object v pointed to.
  const void *Target = nullptr;
  if (const auto *Assign = dyn_cast<BinaryOperator>(S); Assign && Assign->getOpcode() == BO_Assign)
    if (const VarDecl *VD = pointerVariable(Assign->getLHS())) {
      llvm::DenseSet<const void *> InValue;
      assignedIn(Assign->getRHS(), InValue);
      if (!InValue.contains(VD))
        Target = VD;
    }
  const bool Controls = controlsTransactions(S);
  const bool MayPublish = Controls || A.firstSegmentChange(S, nullptr) != nullptr;
  // What was held before S is held throughout S, except for what S changes
  // in an order the walk does not follow.
  if (!Controls)
    for (const Access &X : Found) {
      if (Assigned.contains(X.Key) && X.Key != Target)
        continue;
      auto Before = H.find(X.Key);
      if (Before == H.end())
        continue;
      if (X.Write && Before->second.Write && !MayPublish)
        A.Facts.RewrittenAccesses.insert(X.E);
      else if (!X.Write && Before->second.Read)
        A.Facts.RereadAccesses.insert(X.E);
    }
  for (const Access &X : Found)
    if (!X.Conditional && !Assigned.contains(X.Key)) {
      Held &Object = H[X.Key];
      Object.Read = true;
      Object.Write = Object.Write || X.Write;
    }
  loseWhatChanges(S, MayPublish, H);
}

// On entry to a loop: what its iterations may take away is lost before the
// first one. Its back-edge safe point may publish, except in an atomic
// block's or a task's own body.
void Analysis::BarrierScan::enterLoop(const Stmt *Loop, Holdings &H) const {
  bool MayPublish =
      !FixedSegment || A.firstSegmentChange(Loop, Loop) != nullptr || controlsTransactions(Loop);
  // A range-for also calls begin, end, !=, ++ and *, and makes and destroys
  // its variable, in every iteration.
  if (const auto *Range = dyn_cast<CXXForRangeStmt>(Loop))
    for (const Stmt *Part :
         {static_cast<const Stmt *>(Range->getRangeStmt()),
          static_cast<const Stmt *>(Range->getBeginStmt()),
          static_cast<const Stmt *>(Range->getEndStmt()),
          static_cast<const Stmt *>(Range->getCond()), static_cast<const Stmt *>(Range->getInc()),
          static_cast<const Stmt *>(Range->getLoopVarStmt())})
      MayPublish = MayPublish || A.firstSegmentChange(Part, nullptr) != nullptr;
  loseWhatChanges(Loop, MayPublish, H);
}

// for (int i = 0; i < 64; ++i): the body runs at least once, as the
// condition is true for the initial value (constants both). The counter is
// compared as it is, in its own type (`i < 4u` converts it: not taken).
static bool runsBodyOnce(const ForStmt *For, const ASTContext &AST) {
  const auto *Init = dyn_cast_or_null<DeclStmt>(For->getInit());
  const auto *Cond =
      dyn_cast_or_null<BinaryOperator>(For->getCond() ? For->getCond()->IgnoreParens() : nullptr);
  if (!Init || !Init->isSingleDecl() || !Cond || !Cond->isComparisonOp())
    return false;
  const auto *Counter = dyn_cast<VarDecl>(Init->getSingleDecl());
  if (!Counter || !Counter->getType()->isIntegerType() || !Counter->getInit() ||
      Counter->getInit()->isValueDependent() || Counter->getType().isVolatileQualified())
    return false;
  // The counter read as it is: an lvalue-to-rvalue conversion of its name.
  auto isCounter = [&](const Expr *E) {
    const auto *Load = dyn_cast<ImplicitCastExpr>(E->IgnoreParens());
    const auto *Ref = Load && Load->getCastKind() == CK_LValueToRValue
                          ? dyn_cast<DeclRefExpr>(Load->getSubExpr()->IgnoreParens())
                          : nullptr;
    return Ref && Ref->getDecl() == Counter;
  };
  const bool CounterLeft = isCounter(Cond->getLHS());
  if (!CounterLeft && !isCounter(Cond->getRHS()))
    return false;
  const Expr *Bound = CounterLeft ? Cond->getRHS() : Cond->getLHS();
  if (!AST.hasSameUnqualifiedType(Bound->getType(), Counter->getType()))
    return false;
  Expr::EvalResult Start, Limit;
  // The initialiser converts to the counter's type in the AST already.
  if (!Counter->getInit()->EvaluateAsInt(Start, AST) || Bound->isValueDependent() ||
      !Bound->EvaluateAsInt(Limit, AST))
    return false;
  const llvm::APSInt &L = CounterLeft ? Start.Val.getInt() : Limit.Val.getInt();
  const llvm::APSInt &R = CounterLeft ? Limit.Val.getInt() : Start.Val.getInt();
  const int Order = llvm::APSInt::compareValues(L, R);
  switch (Cond->getOpcode()) {
  case BO_LT:
    return Order < 0;
  case BO_LE:
    return Order <= 0;
  case BO_GT:
    return Order > 0;
  case BO_GE:
    return Order >= 0;
  case BO_NE:
    return Order != 0;
  default:
    return false;
  }
}

// Can S stop before its end, other than by the accesses themselves: a call
// (it may throw, exit or wait), a throw, an allocation, a construction?
static bool mayStopEarly(const Stmt *S) {
  if (!S)
    return false;
  if (isa<CallExpr>(S) || isa<CXXThrowExpr>(S) || isa<CXXNewExpr>(S) || isa<CXXDeleteExpr>(S) ||
      isa<CXXConstructExpr>(S) || isa<LambdaExpr>(S) || isa<StmtExpr>(S) ||
      isa<CoroutineSuspendExpr>(S) || isa<CXXDependentScopeMemberExpr>(S) ||
      isa<UnresolvedLookupExpr>(S) || isa<UnresolvedMemberExpr>(S) ||
      isa<CXXUnresolvedConstructExpr>(S))
    return true;
  for (const Stmt *Child : S->children())
    if (mayStopEarly(Child))
      return true;
  return false;
}

// A loop whose body runs at least once and whose first statement, which
// nothing can stop before its accesses run, accesses an object the loop does
// not change: the barrier goes before the loop, and the body's are left out
// by the rules. Only where the barrier would run anyway, soon after: a read
// anywhere, a write only where the loop cannot publish (an atomic block's or
// a task's own body, nothing in the loop on the list).
void Analysis::BarrierScan::hoistOutOf(const ForStmt *For, Holdings &H) {
  if (!runsBodyOnce(For, A.Ctx.AST) || controlsTransactions(For))
    return;
  const bool KeepsBackups = FixedSegment && A.firstSegmentChange(For, For) == nullptr;
  llvm::DenseSet<const void *> Changed;
  assignedIn(For, Changed);
  const Stmt *First = For->getBody();
  if (const auto *Block = dyn_cast_or_null<CompoundStmt>(First))
    First = Block->body_empty() ? nullptr : Block->body_front();
  if (!First || (!isa<Expr>(First) && !isa<DeclStmt>(First)) || mayStopEarly(First))
    return;
  llvm::MapVector<const void *, const Expr *> Hoisted; // the first access of each, in order
  llvm::SmallVector<Access, 8> Found;
  accesses(First, false, Found, nullptr);
  for (const Access &X : Found) {
    if (X.Conditional || Changed.contains(X.Key))
      continue;
    if (X.Key != ThisObject &&
        !A.Ctx.SM.isBeforeInTranslationUnit(static_cast<const VarDecl *>(X.Key)->getLocation(),
                                            For->getBeginLoc()))
      continue; // declared in the loop: before it, the name is another's
    const Held Before = H.lookup(X.Key);
    if (X.Write ? (Before.Write || !KeepsBackups) : Before.Read)
      continue;
    const Expr *&Chosen = Hoisted[X.Key];
    if (!Chosen || (X.Write && !A.Facts.WrittenAccesses.contains(Chosen)))
      Chosen = X.E;
  }
  for (const auto &[Key, Access] : Hoisted) {
    const bool Write = A.Facts.WrittenAccesses.contains(Access);
    A.Facts.HoistedBarriers[For].push_back(Access);
    Held &Object = H[Key];
    Object.Read = true;
    Object.Write = Object.Write || Write;
  }
}

void Analysis::BarrierScan::statement(const Stmt *S, Holdings &H) {
  if (!S)
    return;
  if (const auto *Block = dyn_cast<CompoundStmt>(S)) {
    for (const Stmt *Child : Block->body()) {
      InBlock = Child;
      statement(Child, H);
    }
    for (const Stmt *Child : Block->body())
      if (isa<DeclStmt>(Child))
        destroyAtEnd({Child}, H);
    return;
  }
  if (isa<LabelStmt>(S) || isa<SwitchCase>(S)) {
    H.clear(); // reached from wherever jumps to it
    for (const Stmt *Child : S->children())
      statement(Child, H);
    return;
  }
  if (const auto *Attributed = dyn_cast<AttributedStmt>(S)) {
    statement(Attributed->getSubStmt(), H);
    return;
  }
  if (const auto *If = dyn_cast<IfStmt>(S)) {
    statement(If->getInit(), H);
    straightLine(If->getConditionVariableDeclStmt(), H);
    straightLine(If->getCond(), H);
    Holdings Then = H, Else = H;
    statement(If->getThen(), Then);
    statement(If->getElse(), Else);
    H = intersect(Then, Else);
    destroyAtEnd({If->getInit(), If->getConditionVariableDeclStmt()}, H);
    return;
  }
  // A loop's condition runs before each iteration of its body, so what it
  // gives is held there; after the loop (a break may follow a change in the
  // body) and at the increment, only what was held at the entry.
  if (const auto *While = dyn_cast<WhileStmt>(S)) {
    enterLoop(S, H);
    Holdings Body = H;
    straightLine(While->getConditionVariableDeclStmt(), Body);
    straightLine(While->getCond(), Body);
    LoopBody = While->getBody();
    statement(While->getBody(), Body);
    return;
  }
  if (const auto *For = dyn_cast<ForStmt>(S)) {
    // A loop that is another loop's body, unbraced, gets braces around it and
    // the barriers: they need its end.
    const bool BodyOfLoop = LoopBody == S;
    const bool Hoistable =
        S->getBeginLoc().isFileID() &&
        (InBlock == S ||
         (BodyOfLoop && A.Ctx.statementEnd(S, A.Ctx.SM.getFileID(S->getBeginLoc()))));
    statement(For->getInit(), H);
    if (Hoistable) {
      hoistOutOf(For, H);
      if (BodyOfLoop && A.Facts.HoistedBarriers.count(For))
        A.Facts.HoistedFromLoopBodies.insert(For);
    }
    enterLoop(S, H);
    Holdings Body = H;
    straightLine(For->getConditionVariableDeclStmt(), Body);
    straightLine(For->getCond(), Body);
    LoopBody = For->getBody();
    statement(For->getBody(), Body);
    Holdings Increment = H;
    straightLine(For->getInc(), Increment);
    destroyAtEnd({For->getInit()}, H);
    return;
  }
  if (const auto *Do = dyn_cast<DoStmt>(S)) {
    enterLoop(S, H);
    Holdings Body = H;
    LoopBody = Do->getBody();
    statement(Do->getBody(), Body);
    Holdings Condition = H;
    straightLine(Do->getCond(), Condition);
    return;
  }
  if (const auto *Range = dyn_cast<CXXForRangeStmt>(S)) {
    statement(Range->getInit(), H);
    straightLine(Range->getRangeInit(), H);
    enterLoop(S, H);
    Holdings Body = H;
    LoopBody = Range->getBody();
    statement(Range->getBody(), Body);
    destroyAtEnd({Range->getInit(), Range->getRangeInit()}, H);
    return;
  }
  if (const auto *Switch = dyn_cast<SwitchStmt>(S)) {
    statement(Switch->getInit(), H);
    straightLine(Switch->getConditionVariableDeclStmt(), H);
    straightLine(Switch->getCond(), H);
    Holdings Body;
    statement(Switch->getBody(), Body);
    loseWhatChanges(Switch->getBody(), A.firstSegmentChange(Switch->getBody(), nullptr) != nullptr,
                    H);
    destroyAtEnd({Switch->getInit(), Switch->getConditionVariableDeclStmt()}, H);
    return;
  }
  if (const auto *Try = dyn_cast<CXXTryStmt>(S)) {
    Holdings Inside = H;
    statement(Try->getTryBlock(), Inside);
    for (unsigned I = 0; I < Try->getNumHandlers(); ++I) {
      Holdings Handler;
      statement(Try->getHandler(I)->getHandlerBlock(), Handler);
    }
    loseWhatChanges(S, A.firstSegmentChange(S, nullptr) != nullptr, H);
    return;
  }
  if (isa<Expr>(S) || isa<DeclStmt>(S) || isa<ReturnStmt>(S) || isa<NullStmt>(S) ||
      isa<BreakStmt>(S) || isa<ContinueStmt>(S) || isa<GotoStmt>(S)) {
    straightLine(S, H);
    return;
  }
  H.clear(); // anything else (asm, a coroutine's statements): nothing held
}

} // namespace stmify
