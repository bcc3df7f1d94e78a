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

bool FileEdits::add(Edit E) {
  if (!Known.insert(E).second)
    return true; // the same edit again: another inclusion or translation unit
  if (E.What == Kind::Wrap) {
    auto [It, Inserted] =
        Wrapped.emplace(std::make_pair(E.Begin, E.End), std::make_pair(E.Open, E.Close));
    if (!Inserted) {
      Known.erase(E);
      return false;
    }
  }
  Edits.push_back(std::move(E));
  return true;
}

bool FileEdits::wrap(unsigned Begin, unsigned End, std::string Prefix, std::string Suffix) {
  return add({Kind::Wrap, Begin, End, std::move(Prefix), std::move(Suffix)});
}

void FileEdits::insertStatement(unsigned Offset, std::string Text) {
  add({Kind::Statement, Offset, Offset, std::move(Text), {}});
}

void FileEdits::insertPrefix(unsigned Offset, std::string Text) {
  add({Kind::Prefix, Offset, Offset, std::move(Text), {}});
}

void FileEdits::insertClosing(unsigned Offset, std::string Text) {
  add({Kind::Closing, Offset, Offset, std::move(Text), {}});
}

bool FileEdits::merge(const FileEdits &Other) {
  bool Ok = true;
  for (const Edit &E : Other.Edits)
    Ok &= add(E);
  return Ok;
}

std::string FileEdits::render(llvm::StringRef Original) const {
  struct Piece {
    unsigned Offset;
    bool Closing;       // closings come before openings at one offset
    unsigned long Rank; // openings: descending; closings: ascending
    size_t Sequence;    // ties: openings ascending, closings descending
    const std::string *Text;
  };
  constexpr unsigned long Outermost = ~0ul;
  std::vector<Piece> Pieces;
  for (size_t I = 0; I < Edits.size(); ++I) {
    const Edit &E = Edits[I];
    switch (E.What) {
    case Kind::Wrap: {
      unsigned long Length = E.End - E.Begin + 1;
      Pieces.push_back({E.Begin, false, Length, I, &E.Open});
      Pieces.push_back({E.End, true, Length, I, &E.Close});
      break;
    }
    case Kind::Statement:
      Pieces.push_back({E.Begin, false, Outermost, I, &E.Open});
      break;
    case Kind::Prefix:
      Pieces.push_back({E.Begin, false, 0, I, &E.Open});
      break;
    case Kind::Closing:
      Pieces.push_back({E.Begin, true, Outermost, I, &E.Open});
      break;
    }
  }
  std::sort(Pieces.begin(), Pieces.end(), [](const Piece &A, const Piece &B) {
    if (A.Offset != B.Offset)
      return A.Offset < B.Offset;
    if (A.Closing != B.Closing)
      return A.Closing;
    if (A.Rank != B.Rank)
      return A.Closing ? A.Rank < B.Rank : A.Rank > B.Rank;
    return A.Closing ? A.Sequence > B.Sequence : A.Sequence < B.Sequence;
  });
  std::string Out;
  Out.reserve(Original.size() + Pieces.size() * 16);
  unsigned Copied = 0;
  for (const Piece &P : Pieces) {
    Out.append(Original.data() + Copied, P.Offset - Copied);
    Copied = P.Offset;
    Out += *P.Text;
  }
  Out.append(Original.data() + Copied, Original.size() - Copied);
  return Out;
}

} // namespace stmify
