#include "Transformer.h"

#include "Names.h"

#include "UninstrumentedCode.h"

#include "clang/Basic/SourceManager.h"
#include "llvm/Support/Path.h"

#include <map>

using namespace clang;

namespace stmify {

static llvm::SmallVector<llvm::StringRef, 16> components(llvm::StringRef Path) {
  llvm::SmallVector<llvm::StringRef, 16> Parts;
  for (auto It = llvm::sys::path::begin(Path), End = llvm::sys::path::end(Path); It != End; ++It)
    if (*It != ".")
      Parts.push_back(*It);
  return Parts;
}

std::string sitePath(llvm::StringRef File, llvm::StringRef Root, const LangOptions &LO) {
  llvm::SmallString<256> Path(File);
  llvm::sys::path::remove_dots(Path, /*remove_dot_dot=*/true);
  llvm::SmallString<256> Mapped(Path);
  LO.remapPathPrefix(Mapped);
  if (Mapped != Path || !llvm::sys::path::is_absolute(Path) || Root.empty())
    return std::string(Mapped);
  llvm::SmallString<256> Base(Root);
  llvm::sys::path::remove_dots(Base, /*remove_dot_dot=*/true);
  auto PathParts = components(Path), RootParts = components(Base);
  size_t Common = 0;
  while (Common < PathParts.size() && Common < RootParts.size() &&
         PathParts[Common] == RootParts[Common])
    ++Common;
  if (Common <= 1)
    return std::string(Path); // only "/" in common: another tree
  // The path from Root to File, going up with ".." where they part.
  llvm::SmallString<256> Relative;
  for (size_t I = Common; I < RootParts.size(); ++I)
    llvm::sys::path::append(Relative, "..");
  for (size_t I = Common; I < PathParts.size(); ++I)
    llvm::sys::path::append(Relative, PathParts[I]);
  return std::string(Relative);
}

TransformResult transformTranslationUnit(ASTContext &AST, ApiFiles &Api,
                                         const TransformOptions &Options) {
  TransformResult Result;
  SourceManager &SM = AST.getSourceManager();
  if (!AST.getLangOpts().CPlusPlus)
    return Result; // C passes through
  if (isInstrumentedText(SM.getBufferData(SM.getMainFileID()))) {
    Result.AlreadyInstrumented = true;
    return Result;
  }
  Api.classify(AST);
  if (!Api.isMainFileApi(SM))
    return Result;
  Result.UsesApi = true;
  DiagnosticReporter Diags(AST.getDiagnostics());
  EditPlan Plan(SM, AST.getLangOpts(), Api);
  Instrumenter Pass(AST, Plan, Diags, Options);
  Pass.run();
  reportUninstrumentedTemplates(AST, Plan, Diags);

  Result.Counts = Pass.counts();
  // A header included twice is one file with two FileIDs: their edits merge
  // (the generic barriers and the hooks suit every inclusion) unless they
  // wrap one range differently.
  std::map<const FileEntry *, size_t> Index;
  const FileEntry *Main = SM.getFileEntryForID(SM.getMainFileID());
  for (const auto &[File, Edits] : Plan.files()) {
    OptionalFileEntryRef Entry = SM.getFileEntryRefForID(File);
    if (!Entry || Edits.empty())
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
  for (RewrittenFile &F : Result.Files) {
    F.Edits.insertStatement(markerOffset(F.Original), names::InstrumentedMarker.str());
    F.Text = F.Edits.render(F.Original);
  }
  Result.Errors = Diags.errorCount();
  return Result;
}

} // namespace stmify
