// Atomic blocks: stm::atomic / stm::atomic_cancel / stm::exclusive_atomic
// calls get the block's site id, and the locals outside the block that the
// block writes are saved at its start so that an abort restores them.
#include "Instrumenter.h"

#include <set>

using namespace clang;

namespace stmify {

bool Instrumenter::isAtomicCall(const CallExpr *E) const {
  const FunctionDecl *F = E->getDirectCallee();
  if (!F || !F->getIdentifier())
    return false;
  llvm::StringRef Name = F->getName();
  if (Name != "atomic" && Name != "atomic_cancel" && Name != "exclusive_atomic")
    return false;
  const auto *NS = dyn_cast<NamespaceDecl>(F->getDeclContext());
  return NS && NS->getName() == "stm" && NS->getParent()->isTranslationUnit();
}

void Instrumenter::instrumentAtomicCall(const CallExpr *E) {
  ++Counts.AtomicBlocks;
  if (E->getNumArgs() < 2 || !isa<CXXDefaultArgExpr>(E->getArg(1)))
    return; // the program names the site itself
  if (auto Where = Edits.locatePoint(E->getRParenLoc()))
    Edits.insertClosing(Where->File, Where->Begin, ", " + quoted(site(E->getBeginLoc())));
}

void Instrumenter::preserveOuterLocals(const LambdaExpr *L) {
  auto Found = OuterLocalWrites.find(L);
  if (Found == OuterLocalWrites.end())
    return;
  std::set<const VarDecl *> Done;
  std::set<std::string> DoneText;
  std::string Statements;
  for (const auto &[VD, LValue] : Found->second) {
    if (VD && VD->getType().isTriviallyCopyableType(AST) && !isa<DecompositionDecl>(VD)) {
      if (Done.insert(VD).second)
        Statements += "stm::detail::preserve(" + VD->getNameAsString() + "); ";
      continue;
    }
    // A trivially copyable member of a local that is not, of `*this`, or a
    // structured binding (restorableByCopy).
    std::string Text = sourceText(strip(LValue));
    if (!Text.empty() && DoneText.insert(Text).second)
      Statements += "stm::detail::preserve(" + Text + "); ";
  }
  if (!Statements.empty()) {
    Statements.pop_back();
    SourceLocation Brace = L->getCompoundStmtBody()->getLBracLoc();
    if (!insertStatementAfterBrace(Brace, Statements))
      Diags.report(Diag::HookInMacro, Brace, {"saving of outer locals"});
  }
}

} // namespace stmify
