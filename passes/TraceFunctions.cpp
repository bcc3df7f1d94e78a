// Trace functions: every managed class (and every class that can hold
// managed references, so a managed class can hold it by value) gets
//   using __stmify_traced_type = C;
//   static void __stmify_trace(const void *, stm_visit_fn, void *) noexcept
// which visits each field that may hold a managed reference and each base.
// The collector finds them through the type descriptor stm::make registers.
// Inserted on one line before the class's closing brace.
#include "Instrumenter.h"

#include "clang/Lex/Lexer.h"

#include <functional>

using namespace clang;

namespace stmify {

void Instrumenter::traceFunction(const CXXRecordDecl *D) {
  if (!D->isThisDeclarationADefinition() || D->isLambda() || D->isUnion() || D->isImplicit() ||
      !D->getIdentifier())
    return;
  if (const auto *Spec = dyn_cast<ClassTemplateSpecializationDecl>(D))
    if (!isa<ClassTemplatePartialSpecializationDecl>(D) &&
        Spec->getSpecializationKind() != TSK_ExplicitSpecialization)
      return; // an instantiation: its pattern has the trace function
  bool ManagedClass = classifyRecord(D) != Managed::No;
  std::vector<std::string> Visits;
  const std::string Self = "__stmify_self";
  const std::string Args = ", __stmify_visit, __stmify_context);";
  for (const CXXBaseSpecifier &B : D->bases()) {
    QualType T = B.getType();
    if (const auto *R = T->getAsCXXRecordDecl(); R && isStmObjectClass(R))
      continue;
    if (classifyObjectType(T) == Managed::No && !mayHoldManagedReferences(T))
      continue;
    CharSourceRange Range = Lexer::makeFileCharRange(
        CharSourceRange::getTokenRange(B.getTypeSourceInfo()->getTypeLoc().getSourceRange()), SM,
        AST.getLangOpts());
    std::string Written = Lexer::getSourceText(Range, SM, AST.getLangOpts()).str();
    if (Written.empty())
      Written = T.getAsString(AST.getPrintingPolicy());
    Visits.push_back("::stm::detail::trace_value(static_cast<const " + Written + " &>(" + Self +
                     ")" + Args);
  }
  // A member of an unnamed struct type has no trace function of its own
  // (there is no name to give it one): its fields are visited here, through
  // the member (s.m.f), or directly for an anonymous struct (s.f).
  std::function<void(const RecordDecl *, const std::string &)> VisitFields =
      [&](const RecordDecl *R, const std::string &Path) {
        for (const FieldDecl *F : R->fields()) {
          if (F->isBitField() || F->getType()->isReferenceType())
            continue;
          const RecordDecl *Unnamed = F->getType()->getAsRecordDecl();
          if (Unnamed && !Unnamed->getIdentifier() && !Unnamed->isUnion()) {
            VisitFields(Unnamed, F->getIdentifier() ? Path + F->getNameAsString() + "." : Path);
            continue;
          }
          if (!F->getIdentifier() || !mayHoldManagedReferences(F->getType()))
            continue;
          Visits.push_back("::stm::detail::trace_value(" + Path + F->getNameAsString() + Args);
        }
      };
  VisitFields(D, Self + ".");
  if (!ManagedClass && Visits.empty())
    return;
  std::string Name = D->getNameAsString();
  std::string Text = " public: using __stmify_traced_type = " + Name +
                     "; static void __stmify_trace(const void *__stmify_object, stm_visit_fn "
                     "__stmify_visit, void *__stmify_context) noexcept {";
  if (Visits.empty()) {
    Text += " (void)__stmify_object; (void)__stmify_visit; (void)__stmify_context;";
  } else {
    Text +=
        " const " + Name + " &" + Self + " = *static_cast<const " + Name + " *>(__stmify_object);";
    for (const std::string &V : Visits)
      Text += " " + V;
  }
  Text += " } ";
  SourceLocation RBrace = D->getBraceRange().getEnd();
  if (RBrace.isInvalid() || RBrace.isMacroID())
    return;
  FileID File = SM.getFileID(RBrace);
  if (!Edits.isRewritable(File))
    return;
  Edits.insertStatement(File, SM.getFileOffset(RBrace), Text);
  ++Counts.TraceFunctions;
}

} // namespace stmify
