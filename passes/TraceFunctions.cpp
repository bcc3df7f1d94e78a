// Trace functions: every managed class (and every class that can hold
// managed references, so a managed class can hold it by value) gets
//   using __stmify_traced_type = C;
//   STMIFY_DETAIL_NO_THREAD_SAFETY_ANALYSIS
//   static void __stmify_trace(const void *, stm_visit_fn, void *) noexcept
// which visits each field that may hold a managed reference and each base.
// The collector finds them through the type descriptor stm::make registers,
// and calls them while every thread is stopped: they read fields whatever
// lock guards them, so clang's thread safety analysis is kept out.
// Inserted on one line before the class's closing brace, where a name
// written in the class head may mean something else (an inherited member):
// bases are named fully qualified, or as written when they depend on a
// template parameter.
#include "TraceFunctions.h"

#include "ManagedTypes.h"
#include "Names.h"

#include "clang/AST/QualTypeNames.h"
#include "clang/Lex/Lexer.h"

#include <functional>

using namespace clang;

namespace stmify {
namespace {

// The class from a project file that does not use the API whose references
// a value of type T would hold (it gets no trace function), if any.
const CXXRecordDecl *untracedClass(QualType T, const EditPlan &Edits, const SourceManager &SM) {
  T = T.getCanonicalType();
  while (const auto *A = dyn_cast<ArrayType>(T.getTypePtr()))
    T = A->getElementType().getCanonicalType();
  const auto *Record = T->getAsCXXRecordDecl();
  if (!Record || !Record->hasDefinition() || T->isDependentType())
    return nullptr;
  if (const auto *Spec = dyn_cast<ClassTemplateSpecializationDecl>(Record);
      Spec && isTracedStdWrapper(Spec)) {
    for (const TemplateArgument &A : Spec->getTemplateArgs().asArray())
      if (A.getKind() == TemplateArgument::Type)
        if (const CXXRecordDecl *Inner = untracedClass(A.getAsType(), Edits, SM))
          return Inner;
    return nullptr;
  }
  SourceLocation Where = SM.getExpansionLoc(Record->getLocation());
  if (Edits.isProjectCodeWithoutApi(Where) && mayHoldManagedReferences(T))
    return Record;
  return nullptr;
}

} // namespace

void TraceFunctionRule::addTraceFunction(const CXXRecordDecl *D) {
  if (!D->isThisDeclarationADefinition() || D->isLambda() || D->isUnion() || D->isImplicit() ||
      !D->getIdentifier())
    return;
  if (const auto *Spec = dyn_cast<ClassTemplateSpecializationDecl>(D))
    if (!isa<ClassTemplatePartialSpecializationDecl>(D) &&
        Spec->getSpecializationKind() != TSK_ExplicitSpecialization)
      return; // an instantiation: its pattern has the trace function
  if (!D->lookup(&Ctx.AST.Idents.get(names::TraceFunction)).empty())
    return; // traced by hand (stm::array), or stmify's output
  bool ManagedClass = classifyRecord(D) != Managed::No;
  std::vector<std::string> Visits;
  const std::string Self = names::TraceSelf.str();
  const std::string ObjectParam = names::TraceObject.str(), VisitParam = names::TraceVisit.str(),
                    ContextParam = names::TraceContext.str();
  const std::string Args = ", " + VisitParam + ", " + ContextParam + ")";
  auto CheckTraced = [&](QualType T, const char *What, const std::string &Name,
                         SourceLocation Loc) {
    if (const CXXRecordDecl *Untraced = untracedClass(T, Ctx.Edits, Ctx.SM)) {
      PresumedLoc P = Ctx.SM.getPresumedLoc(Ctx.SM.getExpansionLoc(Untraced->getLocation()));
      Ctx.Diags.report(Diag::UntracedMember, Loc,
                       {What, Name, Ctx.typeName(Ctx.AST.getRecordType(D)), Ctx.typeName(T),
                        P.isValid() ? P.getFilename() : "its header"});
    }
  };
  for (const CXXBaseSpecifier &B : D->bases()) {
    QualType T = B.getType();
    if (const auto *R = T->getAsCXXRecordDecl(); R && isStmObjectClass(R))
      continue;
    if (classifyObjectType(T) == Managed::No && !mayHoldManagedReferences(T))
      continue;
    std::string Name;
    if (T->isDependentType()) {
      CharSourceRange Range = Lexer::makeFileCharRange(
          CharSourceRange::getTokenRange(B.getTypeSourceInfo()->getTypeLoc().getSourceRange()),
          Ctx.SM, Ctx.AST.getLangOpts());
      Name = Lexer::getSourceText(Range, Ctx.SM, Ctx.AST.getLangOpts()).str();
      if (Name.empty())
        Name = T.getAsString(Ctx.AST.getPrintingPolicy());
      // A member of a dependent type names a type only with `typename`.
      if (isa<DependentNameType>(T.getTypePtr()) ||
          isa<DependentTemplateSpecializationType>(T.getTypePtr()))
        Name = "typename " + Name;
    } else {
      CheckTraced(T, "base", T.getAsString(Ctx.AST.getPrintingPolicy()), B.getBeginLoc());
      PrintingPolicy Policy(Ctx.AST.getLangOpts());
      Policy.SuppressTagKeyword = true;
      Policy.SuppressUnwrittenScope = true;
      Name = TypeName::getFullyQualifiedName(T.getCanonicalType(), Ctx.AST, Policy,
                                             /*WithGlobalNsPrefix=*/true);
    }
    std::string Visit =
        names::TraceValue.str() + "static_cast<const " + Name + " &>(" + Self + ")" + Args;
    // A pack of bases (struct S : Base<I>...) is visited with a fold.
    Visits.push_back(B.isPackExpansion() ? "(" + Visit + ", ...)" : Visit);
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
          CheckTraced(F->getType(), "member", F->getNameAsString(), F->getLocation());
          Visits.push_back(names::TraceValue.str() + Path + F->getNameAsString() + Args);
        }
      };
  VisitFields(D, Self + ".");
  if (!ManagedClass && Visits.empty())
    return;
  std::string Name = D->getNameAsString();
  // A preprocessed input (-save-temps) has no macros left; it is compiled by
  // clang.
  llvm::StringRef NoAnalysis = names::NoThreadSafetyAnalysis;
  if (!Ctx.AST.Idents.get(NoAnalysis).hasMacroDefinition())
    NoAnalysis = "__attribute__((no_thread_safety_analysis))";
  // In a class local to a function, an unused alias is warned about.
  std::string Text = " public: using " + names::TracedType.str() +
                     (D->isLocalClass() ? " [[maybe_unused]]" : "") + " = " + Name + "; " +
                     NoAnalysis.str() + " static void " + names::TraceFunction.str() +
                     "(const void *" + ObjectParam + ", " + names::VisitFunctionType.str() + " " +
                     VisitParam + ", void *" + ContextParam + ") noexcept {";
  if (Visits.empty()) {
    Text += " (void)" + ObjectParam + "; (void)" + VisitParam + "; (void)" + ContextParam + ";";
  } else {
    Text += " const " + Name + " &" + Self + " = *static_cast<const " + Name + " *>(" +
            ObjectParam + ");";
    for (const std::string &V : Visits)
      Text += " " + V + ";";
  }
  Text += " } ";
  SourceLocation RBrace = D->getBraceRange().getEnd();
  if (RBrace.isInvalid() || RBrace.isMacroID())
    return;
  FileID File = Ctx.SM.getFileID(RBrace);
  if (!Ctx.Edits.isRewritable(File))
    return;
  Ctx.Edits.insertStatement(File, Ctx.SM.getFileOffset(RBrace), Text);
  ++Ctx.Counts.TraceFunctions;
}

} // namespace stmify
