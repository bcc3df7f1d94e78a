// The text edits of one translation unit: wrappings of source ranges and
// insertions at points, applied together per file. Edits compose whatever the
// order the passes record them in: at one offset, closings come before
// openings; of two wrappings the longer (outer) one opens first and closes
// last; statements inserted at an offset precede every wrapping that opens
// there, and prefixes inserted at an offset follow them. No edit inserts a
// newline, so line numbers of the rewritten text equal the original's.
//
// Two wrappings of one range compose by layer, outermost first: a statement
// block (`{ safe point; statement }`), a block of barriers moved out of the
// loop it holds (`{ (void)stm::rd(p); loop }`), calls made before the value
// (`(stm::detail::inevitable_hook(...), X)`, ambient boundaries), conversions
// of the value (barriers, stm::canon, copies), then synchronisation points. Two
// barriers of one range become the stronger (stm::wr over stm::rd over
// stm::loc): a read through a write barrier is a read. Two blocks of moved
// barriers of one range join their barriers. Other pairs of one layer cannot
// be combined.
#ifndef STMIFY_PASSES_EDITPLAN_H
#define STMIFY_PASSES_EDITPLAN_H

#include "ApiFiles.h"

#include "clang/Basic/LangOptions.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/ADT/DenseMap.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace stmify {

struct FileOffsets {
  clang::FileID File;
  unsigned Begin = 0, End = 0; // [Begin, End) in the file's buffer
};

// The edits of one file, by offset in its original text: independent of any
// SourceManager, so the edits several inclusions or translation units make to
// one header can be merged.
class FileEdits {
public:
  // Returns false when the range is already wrapped in a way this wrapping
  // cannot be combined with; Existing then receives that wrapping's opening.
  bool wrap(unsigned Begin, unsigned End, std::string Prefix, std::string Suffix,
            std::string *Existing = nullptr);
  void insertStatement(unsigned Offset, std::string Text);
  void insertPrefix(unsigned Offset, std::string Text);
  void insertClosing(unsigned Offset, std::string Text);
  // Adds Other's edits (identical ones once); false on a conflicting wrap.
  bool merge(const FileEdits &Other);
  bool empty() const { return Edits.empty(); }
  std::string render(llvm::StringRef Original) const;

private:
  enum class Kind { Wrap, Statement, Prefix, Closing };
  struct Edit {
    Kind What;
    unsigned Begin, End;
    std::string Open, Close;
    bool operator<(const Edit &O) const {
      return std::tie(What, Begin, End, Open, Close) <
             std::tie(O.What, O.Begin, O.End, O.Open, O.Close);
    }
  };
  bool add(Edit E, std::string *Existing = nullptr);
  std::vector<Edit> Edits;
  std::set<Edit> Known;
  // The wrappings of each range, as indices into Edits.
  std::map<std::pair<unsigned, unsigned>, std::vector<size_t>> Wrapped;
};

class EditPlan {
public:
  EditPlan(clang::SourceManager &SM, const clang::LangOptions &LO, const ApiFiles &Api)
      : SM(SM), LO(LO), Api(Api) {}

  // Where a token range of the AST lies in a rewritable file, if it does (a
  // range inside a macro body does not; one inside a macro argument does).
  std::optional<FileOffsets> locate(clang::SourceRange TokenRange) const;
  std::optional<FileOffsets> locatePoint(clang::SourceLocation Loc) const;

  // Returns false when the range is already wrapped in a way this wrapping
  // cannot be combined with (Existing receives its opening).
  bool wrap(const FileOffsets &Where, std::string Prefix, std::string Suffix,
            std::string *Existing = nullptr) {
    return Files[Where.File].wrap(Where.Begin, Where.End, std::move(Prefix), std::move(Suffix),
                                  Existing);
  }
  // A statement (or declaration) placed before whatever starts at Offset.
  void insertStatement(clang::FileID File, unsigned Offset, std::string Text) {
    Files[File].insertStatement(Offset, std::move(Text));
  }
  // Text that belongs to the expression starting at Offset (innermost).
  void insertPrefix(clang::FileID File, unsigned Offset, std::string Text) {
    Files[File].insertPrefix(Offset, std::move(Text));
  }
  // Text placed after everything that closes at Offset (outermost).
  void insertClosing(clang::FileID File, unsigned Offset, std::string Text) {
    Files[File].insertClosing(Offset, std::move(Text));
  }

  // A file of the project (not a system header, not stmify's, not the
  // command line), whether it uses the API or not.
  bool isProjectFile(clang::FileID File) const;
  // A project file that uses the API and has not been instrumented already.
  bool isRewritable(clang::FileID File) const;
  bool isOwnLocation(clang::SourceLocation FileLoc) const;
  // Code stmify instruments (or has instrumented): in a project file that
  // uses the API.
  bool isApiCode(clang::SourceLocation FileLoc) const;
  // Code of a project file that does not use the API: compiled as written.
  // Not a header that a preprocessed input holds (a system header, or
  // stmify's), which is library code there too.
  bool isProjectCodeWithoutApi(clang::SourceLocation FileLoc) const;

  // The edits of every file that has some.
  const std::map<clang::FileID, FileEdits> &files() const { return Files; }

private:
  // Within a project file, a location that line markers (a preprocessed .ii
  // file holds the headers it included) place in a system header or in
  // stmify's headers.
  bool isLibraryLocation(clang::SourceLocation FileLoc) const;

  clang::SourceManager &SM;
  const clang::LangOptions &LO;
  const ApiFiles &Api;
  std::map<clang::FileID, FileEdits> Files;
  mutable llvm::DenseMap<clang::FileID, bool> RewritableCache;
};

// True for stmify's own public headers, which are never instrumented.
bool isStmifyHeader(llvm::StringRef Path);

// Where the marker goes: after a byte order mark.
unsigned markerOffset(llvm::StringRef Text);
bool isInstrumentedText(llvm::StringRef Text);

} // namespace stmify

#endif
