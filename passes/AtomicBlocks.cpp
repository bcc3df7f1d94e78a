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

void AtomicBlockRule::atCall(const CallExpr *E) {
  if (isTaskCall(E)) {
    siteTask(E);
    return;
  }
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

// transaction_queue::add(f, args...) gets the call's site as a last
// argument, which the task keeps apart from f's arguments.
void AtomicBlockRule::siteTask(const CallExpr *E) {
  if (E->getNumArgs() == 0 ||
      llvm::any_of(E->arguments(), [](const Expr *A) { return isa<PackExpansionExpr>(A); }))
    return;
  if (const auto *Last = E->getArg(E->getNumArgs() - 1)->getType()->getAsCXXRecordDecl();
      Last && Last->getIdentifier() && Last->getName() == names::TaskSiteClass)
    return; // sited already
  if (auto Where = Ctx.Edits.locatePoint(E->getRParenLoc()))
    Ctx.Edits.insertClosing(Where->File, Where->Begin,
                            ", " + names::TaskSite.str() + Ctx.quoted(Ctx.site(E->getBeginLoc())) +
                                "}");
}

void AtomicBlockRule::atBlockBody(const LambdaExpr *L) {
  auto Found = Ctx.Facts.OuterLocalWrites.find(L);
  if (Found == Ctx.Facts.OuterLocalWrites.end())
    return;
  std::set<const VarDecl *> Done;
  std::set<std::string> DoneText;
  std::string Statements;
  for (const auto &[VD, LValue] : Found->second) {
    if (VD && isRestorableByCopy(VD->getType(), Ctx.AST) && !isa<DecompositionDecl>(VD)) {
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
