#include "EditPlan.h"

#include "Names.h"

#include "clang/Lex/Lexer.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Path.h"

#include <algorithm>

using namespace clang;

namespace stmify {

bool isStmifyHeader(llvm::StringRef Path) {
  return isStmifyApiHeader(Path) ||
         llvm::StringRef(llvm::sys::path::convert_to_slash(Path, llvm::sys::path::Style::windows))
             .ends_with(names::AbiHeader);
}

unsigned markerOffset(llvm::StringRef Text) { return Text.starts_with("\xEF\xBB\xBF") ? 3 : 0; }

bool isInstrumentedText(llvm::StringRef Text) {
  return Text.drop_front(markerOffset(Text)).starts_with(names::InstrumentedMarker);
}

bool EditPlan::isProjectFile(FileID File) const {
  if (File.isInvalid())
    return false;
  SourceLocation Start = SM.getLocForStartOfFile(File);
  OptionalFileEntryRef Entry = SM.getFileEntryRefForID(File);
  return Entry && !SM.isInSystemHeader(Start) && !isStmifyHeader(Entry->getName()) &&
         !SM.isWrittenInBuiltinFile(Start) && !SM.isWrittenInCommandLineFile(Start);
}

bool EditPlan::isRewritable(FileID File) const {
  auto Cached = RewritableCache.find(File);
  if (Cached != RewritableCache.end())
    return Cached->second;
  bool Result = isProjectFile(File) && Api.isApiFile(SM.getFileEntryForID(File)) &&
                !isInstrumentedText(SM.getBufferData(File));
  RewritableCache[File] = Result;
  return Result;
}

// Within a rewritable file, line markers (a preprocessed .ii file holds the
// system headers it included) can still place a location in a system header
// or in stmify's headers.
bool EditPlan::isOwnLocation(SourceLocation FileLoc) const {
  return !isLibraryLocation(FileLoc) && Api.isApiLocation(SM, FileLoc);
}

bool EditPlan::isLibraryLocation(SourceLocation FileLoc) const {
  if (SM.isInSystemHeader(FileLoc))
    return true;
  PresumedLoc P = SM.getPresumedLoc(FileLoc);
  return P.isValid() && isStmifyHeader(P.getFilename());
}

bool EditPlan::isProjectCodeWithoutApi(SourceLocation FileLoc) const {
  return isProjectFile(SM.getFileID(FileLoc)) && !isLibraryLocation(FileLoc) &&
         !Api.isApiLocation(SM, FileLoc);
}

bool EditPlan::isApiCode(SourceLocation FileLoc) const {
  return FileLoc.isValid() && isProjectFile(SM.getFileID(FileLoc)) &&
         Api.isApiLocation(SM, FileLoc);
}

std::optional<FileOffsets> EditPlan::locate(SourceRange TokenRange) const {
  CharSourceRange Range =
      Lexer::makeFileCharRange(CharSourceRange::getTokenRange(TokenRange), SM, LO);
  if (Range.isInvalid())
    return std::nullopt;
  auto [BeginFile, Begin] = SM.getDecomposedLoc(Range.getBegin());
  auto [EndFile, End] = SM.getDecomposedLoc(Range.getEnd());
  if (BeginFile != EndFile || !isRewritable(BeginFile) || End < Begin ||
      !isOwnLocation(Range.getBegin()) || Api.isInMacroDefinition(SM, Range.getBegin()))
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
  if (!isRewritable(File) || !isOwnLocation(Loc) || Api.isInMacroDefinition(SM, Loc))
    return std::nullopt;
  return FileOffsets{File, Offset, Offset};
}

namespace {

// The layers of wrappings, outermost first. The transformer's wrappings are
// told apart by their opening text.
enum class Layer { Statement, HoistedBarriers, CallBefore, Value, Synchronizing };

Layer layerOf(llvm::StringRef Open) {
  if (Open.starts_with(names::HoistedBarriersBlock))
    return Layer::HoistedBarriers;
  if (Open.starts_with("{"))
    return Layer::Statement;
  if (Open.starts_with("(") && Open.drop_front().starts_with(names::InevitableHook))
    return Layer::CallBefore;
  if (Open.starts_with(names::Synchronizing))
    return Layer::Synchronizing;
  return Layer::Value;
}

// The statements of a block of moved barriers: "{ (void)X; (void)Y; " gives
// "(void)X" and "(void)Y".
llvm::SmallVector<llvm::StringRef, 4> hoistedStatements(llvm::StringRef Open) {
  llvm::SmallVector<llvm::StringRef, 4> Statements;
  Open = Open.drop_front(2).rtrim();
  Open.consume_back(";");
  size_t Start = 0;
  while (Start < Open.size()) {
    size_t Next = Open.find("; (void)", Start);
    Statements.push_back(Open.slice(Start, Next));
    Start = Next == llvm::StringRef::npos ? Open.size() : Next + 2;
  }
  return Statements;
}

// The moved barriers of both blocks, each once, A's first.
std::string joinHoistedBarriers(llvm::StringRef A, llvm::StringRef B) {
  std::string Joined = A.str();
  const auto Had = hoistedStatements(A);
  for (llvm::StringRef Statement : hoistedStatements(B))
    if (!llvm::is_contained(Had, Statement))
      Joined += Statement.str() + "; ";
  return Joined;
}

// 0 for conversions that are not barriers.
int barrierStrength(llvm::StringRef Open) {
  return llvm::StringSwitch<int>(Open)
      .Case(names::TranslateBarrier, 1)
      .Case(names::ReadAgain, 2)
      .Case(names::ReadBarrier, 3)
      .Case(names::WriteAgain, 4)
      .Case(names::WriteBarrier, 5)
      .Default(0);
}

} // namespace

bool FileEdits::add(Edit E, std::string *Existing) {
  if (Known.count(E))
    return true; // the same edit again: another inclusion or translation unit
  if (E.What == Kind::Wrap) {
    std::vector<size_t> &Same = Wrapped[{E.Begin, E.End}];
    Layer L = layerOf(E.Open);
    for (size_t Index : Same) {
      Edit &Other = Edits[Index];
      if (layerOf(Other.Open) != L || L == Layer::CallBefore)
        continue; // they nest
      if (L == Layer::HoistedBarriers) {
        // Translation units that know different callees move different
        // barriers out of one loop: each moved one runs where the loop's
        // first statement would run it a moment later, so all of them may.
        Known.erase(Other);
        Other.Open = joinHoistedBarriers(Other.Open, E.Open);
        Known.insert(Other);
        Known.insert(E);
        return true;
      }
      int Strength = barrierStrength(E.Open), OtherStrength = barrierStrength(Other.Open);
      if (Strength == 0 || OtherStrength == 0) {
        if (Existing)
          *Existing = Other.Open;
        return false;
      }
      // The stronger barrier serves both; of two write barriers the first site
      // in text order, so the result does not depend on the order of edits.
      bool Replace =
          Strength > OtherStrength || (Strength == OtherStrength && E.Close < Other.Close);
      if (Replace) {
        Known.erase(Other);
        Other.Open = E.Open;
        Other.Close = E.Close;
        Known.insert(Other);
      }
      Known.insert(E); // a later copy of it is absorbed too
      return true;
    }
    Same.push_back(Edits.size());
  }
  Known.insert(E);
  Edits.push_back(std::move(E));
  return true;
}

bool FileEdits::wrap(unsigned Begin, unsigned End, std::string Prefix, std::string Suffix,
                     std::string *Existing) {
  return add({Kind::Wrap, Begin, End, std::move(Prefix), std::move(Suffix)}, Existing);
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
    int Depth;          // wrappings of one range: openings by layer, then text
    size_t Sequence;    // other ties: openings ascending, closings descending
    const std::string *Text;
    const std::string *Key;
  };
  constexpr unsigned long Outermost = ~0ul;
  std::vector<Piece> Pieces;
  for (size_t I = 0; I < Edits.size(); ++I) {
    const Edit &E = Edits[I];
    switch (E.What) {
    case Kind::Wrap: {
      unsigned long Length = E.End - E.Begin + 1;
      int Depth = static_cast<int>(layerOf(E.Open));
      Pieces.push_back({E.Begin, false, Length, Depth, I, &E.Open, &E.Open});
      Pieces.push_back({E.End, true, Length, Depth, I, &E.Close, &E.Open});
      break;
    }
    case Kind::Statement:
      Pieces.push_back({E.Begin, false, Outermost, 0, I, &E.Open, &E.Open});
      break;
    case Kind::Prefix:
      Pieces.push_back({E.Begin, false, 0, 0, I, &E.Open, &E.Open});
      break;
    case Kind::Closing:
      Pieces.push_back({E.Begin, true, Outermost, 0, I, &E.Open, &E.Open});
      break;
    }
  }
  std::sort(Pieces.begin(), Pieces.end(), [this](const Piece &A, const Piece &B) {
    if (A.Offset != B.Offset)
      return A.Offset < B.Offset;
    if (A.Closing != B.Closing)
      return A.Closing;
    if (A.Rank != B.Rank)
      return A.Closing ? A.Rank < B.Rank : A.Rank > B.Rank;
    bool Wraps = Edits[A.Sequence].What == Kind::Wrap && Edits[B.Sequence].What == Kind::Wrap;
    if (Wraps && (A.Depth != B.Depth || *A.Key != *B.Key))
      return A.Closing ? std::tie(B.Depth, *B.Key) < std::tie(A.Depth, *A.Key)
                       : std::tie(A.Depth, *A.Key) < std::tie(B.Depth, *B.Key);
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
