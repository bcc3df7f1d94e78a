#include "Transformer.h"

#include "clang/Basic/SourceManager.h"

#include <map>

using namespace clang;

namespace stmify {

TransformResult transformTranslationUnit(ASTContext &AST) {
  SourceManager &SM = AST.getSourceManager();
  DiagnosticReporter Diags(AST.getDiagnostics());
  EditPlan Edits(SM, AST.getLangOpts());
  Instrumenter Pass(AST, Edits, Diags);
  Pass.run();

  TransformResult Result;
  Result.Counts = Pass.counts();
  // A header included twice is one file with two FileIDs: its rewrites must
  // agree.
  std::map<const FileEntry *, std::pair<FileEntryRef, std::string>> ByFile;
  for (auto &[File, Text] : Edits.render()) {
    OptionalFileEntryRef Entry = SM.getFileEntryRefForID(File);
    if (!Entry)
      continue;
    auto [It, Inserted] = ByFile.emplace(&Entry->getFileEntry(), std::make_pair(*Entry, Text));
    if (!Inserted && It->second.second != Text)
      Diags.report(Diag::HeaderIncludedTwice, SM.getIncludeLoc(File), {Entry->getName().str()});
  }
  const FileEntry *Main = SM.getFileEntryForID(SM.getMainFileID());
  for (auto &[Entry, Pair] : ByFile)
    Result.Files.push_back({Pair.first, std::move(Pair.second), Entry == Main});
  Result.Errors = Diags.errorCount();
  return Result;
}

} // namespace stmify
