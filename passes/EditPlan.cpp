#include "EditPlan.h"

#include "clang/Lex/Lexer.h"
#include "llvm/Support/Path.h"

#include <algorithm>

using namespace clang;

namespace stmify {

bool isStmifyHeader(llvm::StringRef Path) {
  std::string Normal = Path.str();
  std::replace(Normal.begin(), Normal.end(), '\\', '/');
  llvm::StringRef P(Normal);
  return P.ends_with("stmify/stm.hpp") || P.ends_with("stmify/stm.h") ||
         P.contains("stmify/detail/");
}

bool EditPlan::isRewritable(FileID File) const {
  auto Cached = RewritableCache.find(File);
  if (Cached != RewritableCache.end())
    return Cached->second;
  bool Result = false;
  if (File.isValid()) {
    SourceLocation Start = SM.getLocForStartOfFile(File);
    OptionalFileEntryRef Entry = SM.getFileEntryRefForID(File);
    Result = Entry && !SM.isInSystemHeader(Start) && !isStmifyHeader(Entry->getName()) &&
             !SM.isWrittenInBuiltinFile(Start) && !SM.isWrittenInCommandLineFile(Start);
  }
  RewritableCache[File] = Result;
  return Result;
}

// Within a rewritable file, line markers (a preprocessed .ii file holds the
// system headers it included) can still place a location in a system header
// or in stmify's headers.
bool EditPlan::isOwnLocation(SourceLocation FileLoc) const {
  if (SM.isInSystemHeader(FileLoc))
    return false;
  PresumedLoc P = SM.getPresumedLoc(FileLoc);
  return P.isInvalid() || !isStmifyHeader(P.getFilename());
}

std::optional<FileOffsets> EditPlan::locate(SourceRange TokenRange) const {
  CharSourceRange Range =
      Lexer::makeFileCharRange(CharSourceRange::getTokenRange(TokenRange), SM, LO);
  if (Range.isInvalid())
    return std::nullopt;
  auto [BeginFile, Begin] = SM.getDecomposedLoc(Range.getBegin());
  auto [EndFile, End] = SM.getDecomposedLoc(Range.getEnd());
  if (BeginFile != EndFile || !isRewritable(BeginFile) || End < Begin ||
      !isOwnLocation(Range.getBegin()))
    return std::nullopt;
  return FileOffsets{BeginFile, Begin, End};
}

std::optional<FileOffsets> EditPlan::locatePoint(SourceLocation Loc) const {
  if (Loc.isMacroID()) {
    if (!SM.isMacroArgExpansion(Loc))
      return std::nullopt;
    Loc = SM.getSpellingLoc(Loc);
    if (Loc.isMacroID())
      return std::nullopt;
  }
  auto [File, Offset] = SM.getDecomposedLoc(Loc);
  if (!isRewritable(File) || !isOwnLocation(Loc))
    return std::nullopt;
  return FileOffsets{File, Offset, Offset};
}

bool EditPlan::wrap(const FileOffsets &Where, std::string Prefix, std::string Suffix) {
  auto Key = std::make_tuple(Where.File, Where.Begin, Where.End);
  auto Found = Wrapped.find(Key);
  if (Found != Wrapped.end())
    return Found->second == std::make_pair(Prefix, Suffix);
  Wrapped.emplace(Key, std::make_pair(Prefix, Suffix));
  long Sequence = NextSequence++;
  std::vector<Edit> &List = Edits[Where.File];
  unsigned long Length = Where.End - Where.Begin + 1;
  List.push_back({Where.Begin, false, Length, Sequence, std::move(Prefix)});
  List.push_back({Where.End, true, Length, Sequence, std::move(Suffix)});
  return true;
}

static constexpr unsigned long Outermost = ~0ul;

void EditPlan::insertStatement(FileID File, unsigned Offset, std::string Text) {
  Edits[File].push_back({Offset, false, Outermost, NextSequence++, std::move(Text)});
}

void EditPlan::insertPrefix(FileID File, unsigned Offset, std::string Text) {
  Edits[File].push_back({Offset, false, 0, NextSequence++, std::move(Text)});
}

void EditPlan::insertClosing(FileID File, unsigned Offset, std::string Text) {
  Edits[File].push_back({Offset, true, Outermost, NextSequence++, std::move(Text)});
}

std::map<FileID, std::string> EditPlan::render() const {
  std::map<FileID, std::string> Result;
  for (const auto &[File, List] : Edits) {
    std::vector<const Edit *> Sorted;
    for (const Edit &E : List)
      Sorted.push_back(&E);
    std::sort(Sorted.begin(), Sorted.end(), [](const Edit *A, const Edit *B) {
      if (A->Offset != B->Offset)
        return A->Offset < B->Offset;
      if (A->Closing != B->Closing)
        return A->Closing;
      if (A->Rank != B->Rank)
        return A->Closing ? A->Rank < B->Rank : A->Rank > B->Rank;
      return A->Closing ? A->Sequence > B->Sequence : A->Sequence < B->Sequence;
    });
    llvm::StringRef Buffer = SM.getBufferData(File);
    std::string Out;
    Out.reserve(Buffer.size() + Sorted.size() * 16);
    unsigned Copied = 0;
    for (const Edit *E : Sorted) {
      Out.append(Buffer.data() + Copied, E->Offset - Copied);
      Copied = E->Offset;
      Out += E->Text;
    }
    Out.append(Buffer.data() + Copied, Buffer.size() - Copied);
    Result.emplace(File, std::move(Out));
  }
  return Result;
}

} // namespace stmify
