// Atomic blocks: stm::atomic / stm::atomic_cancel / stm::exclusive_atomic
// calls (and the tasks of stm::transaction_queue) are recognised; blocks get
// the block's site id, and the locals outside the block that the
// block writes are saved at its start so that an abort restores them.
#include "AtomicBlocks.h"

#include "ManagedTypes.h"
#include "Names.h"

#include <set>

using namespace clang;

namespace stmify {

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

void AtomicBlockRule::atCall(const CallExpr *E) {
  if (!isAtomicCall(E))
    return;
  ++Ctx.Counts.AtomicBlocks;
  // A resolved call has its default site as an argument; a dependent one
  // has only the arguments written, and a pack expansion may hold the site.
  if (E->getNumArgs() >= 2 && !isa<CXXDefaultArgExpr>(E->getArg(1)))
    return; // the program names the site itself
  if (llvm::any_of(E->arguments(), [](const Expr *A) { return isa<PackExpansionExpr>(A); }))
    return;
  if (auto Where = Ctx.Edits.locatePoint(E->getRParenLoc()))
    Ctx.Edits.insertClosing(Where->File, Where->Begin,
                            ", " + Ctx.quoted(Ctx.site(E->getBeginLoc())));
}

void AtomicBlockRule::atBlockBody(const LambdaExpr *L) {
  auto Found = Ctx.Facts.OuterLocalWrites.find(L);
  if (Found == Ctx.Facts.OuterLocalWrites.end())
    return;
  std::set<const VarDecl *> Done;
  std::set<std::string> DoneText;
  std::string Statements;
  for (const auto &[VD, LValue] : Found->second) {
    if (VD && VD->getType().isTriviallyCopyableType(Ctx.AST) && !isa<DecompositionDecl>(VD)) {
      if (Done.insert(VD).second)
        Statements += names::Preserve.str() + VD->getNameAsString() + "); ";
      continue;
    }
    // A trivially copyable member of a local that is not, of `*this`, or a
    // structured binding (restorableByCopy).
    std::string Text = Ctx.sourceText(strip(LValue));
    if (!Text.empty() && DoneText.insert(Text).second)
      Statements += names::Preserve.str() + Text + "); ";
  }
  if (!Statements.empty()) {
    Statements.pop_back();
    SourceLocation Brace = L->getCompoundStmtBody()->getLBracLoc();
    if (!Ctx.insertStatementAfterBrace(Brace, Statements))
      Ctx.Diags.report(Diag::HookInMacro, Brace, {"saving of outer locals"});
  }
}

} // namespace stmify
