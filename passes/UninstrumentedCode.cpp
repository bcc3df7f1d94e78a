#include "UninstrumentedCode.h"

#include "ManagedTypes.h"

#include "clang/AST/RecursiveASTVisitor.h"
#include "llvm/ADT/DenseSet.h"

using namespace clang;

namespace stmify {
namespace {

class InstantiationAccesses : public RecursiveASTVisitor<InstantiationAccesses> {
public:
  InstantiationAccesses(ASTContext &AST, const EditPlan &Plan, DiagnosticReporter &Diags)
      : AST(AST), SM(AST.getSourceManager()), Plan(Plan), Diags(Diags) {}

  bool shouldVisitTemplateInstantiations() const { return true; }
  bool shouldVisitImplicitCode() const { return false; }

  // Only declarations of project files that do not use the API: the others
  // are instrumented, or library code (also in a preprocessed input, where
  // stmify's and the system's headers are part of the main file).
  bool TraverseDecl(Decl *D) {
    if (!D)
      return true;
    if (!isa<TranslationUnitDecl>(D) && D->getLocation().isValid()) {
      SourceLocation Loc = SM.getExpansionLoc(D->getLocation());
      if (!Plan.isProjectCodeWithoutApi(Loc))
        return true;
    }
    const auto *F = dyn_cast<FunctionDecl>(D);
    if (!F || !F->isTemplateInstantiation() || !F->doesThisDeclarationHaveABody())
      return RecursiveASTVisitor::TraverseDecl(D);
    Instantiations.push_back(F);
    bool Result = RecursiveASTVisitor::TraverseDecl(D);
    Instantiations.pop_back();
    return Result;
  }

  bool VisitMemberExpr(MemberExpr *E) {
    if (Instantiations.empty())
      return true;
    QualType Base = E->getBase()->getType();
    QualType Object = E->isArrow() ? Base->getPointeeType() : Base;
    if (Object.isNull() || classifyObjectType(Object) != Managed::Yes)
      return true;
    const FunctionDecl *F = Instantiations.back();
    const FunctionDecl *Pattern = F->getTemplateInstantiationPattern();
    if (!Reported.insert(Pattern ? Pattern : F).second)
      return true;
    PrintingPolicy Policy(AST.getLangOpts());
    Policy.SuppressTagKeyword = true;
    std::string Header = "this header";
    PresumedLoc P = SM.getPresumedLoc(SM.getExpansionLoc((Pattern ? Pattern : F)->getLocation()));
    if (P.isValid())
      Header = P.getFilename();
    SourceLocation Where = F->getPointOfInstantiation();
    if (Where.isInvalid())
      Where = E->getExprLoc();
    Diags.report(
        Diag::UninstrumentedTemplate, Where,
        {F->getQualifiedNameAsString(), Header, Object.getUnqualifiedType().getAsString(Policy)});
    return true;
  }

private:
  ASTContext &AST;
  const SourceManager &SM;
  const EditPlan &Plan;
  DiagnosticReporter &Diags;
  std::vector<const FunctionDecl *> Instantiations;
  llvm::DenseSet<const FunctionDecl *> Reported;
};

} // namespace

void reportUninstrumentedTemplates(ASTContext &AST, const EditPlan &Plan,
                                   DiagnosticReporter &Diags) {
  InstantiationAccesses(AST, Plan, Diags).TraverseAST(AST);
}

} // namespace stmify
