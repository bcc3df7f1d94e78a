#include "Transformer.h"

#include "clang/Basic/SourceManager.h"

#include <map>

using namespace clang;

namespace stmify {

TransformResult transformTranslationUnit(ASTContext &AST) {
  SourceManager &SM = AST.getSourceManager();
  DiagnosticReporter Diags(AST.getDiagnostics());
  EditPlan Plan(SM, AST.getLangOpts());
  Instrumenter Pass(AST, Plan, Diags);
  Pass.run();

  TransformResult Result;
  Result.Counts = Pass.counts();
  // A header included twice is one file with two FileIDs: their edits merge
  // (the generic barriers and the hooks suit every inclusion) unless they
  // wrap one range differently.
  std::map<const FileEntry *, size_t> Index;
  const FileEntry *Main = SM.getFileEntryForID(SM.getMainFileID());
  for (const auto &[File, Edits] : Plan.files()) {
    OptionalFileEntryRef Entry = SM.getFileEntryRefForID(File);
    if (!Entry)
      continue;
    auto [It, Inserted] = Index.emplace(&Entry->getFileEntry(), Result.Files.size());
    if (Inserted) {
      Result.Files.push_back(
          {*Entry, SM.getBufferData(File).str(), Edits, {}, &Entry->getFileEntry() == Main});
      continue;
    }
    if (!Result.Files[It->second].Edits.merge(Edits))
      Diags.report(Diag::HeaderIncludedTwice, SM.getIncludeLoc(File), {Entry->getName().str()});
  }
  for (RewrittenFile &F : Result.Files)
    F.Text = F.Edits.render(F.Original);
  Result.Errors = Diags.errorCount();
  return Result;
}

} // namespace stmify
