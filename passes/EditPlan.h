// The text edits of one translation unit: wrappings of source ranges and
// insertions at points, applied together per file. Edits compose whatever the
// order the passes record them in: at one offset, closings come before
// openings; of two wrappings the longer (outer) one opens first and closes
// last; statements inserted at an offset precede every wrapping that opens
// there, and prefixes inserted at an offset follow them. No edit inserts a
// newline, so line numbers of the rewritten text equal the original's.
#ifndef STMIFY_PASSES_EDITPLAN_H
#define STMIFY_PASSES_EDITPLAN_H

#include "clang/Basic/LangOptions.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/ADT/DenseMap.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace stmify {

struct FileOffsets {
  clang::FileID File;
  unsigned Begin = 0, End = 0; // [Begin, End) in the file's buffer
};

class EditPlan {
public:
  EditPlan(clang::SourceManager &SM, const clang::LangOptions &LO) : SM(SM), LO(LO) {}

  // Where a token range of the AST lies in a rewritable file, if it does (a
  // range inside a macro body does not; one inside a macro argument does).
  std::optional<FileOffsets> locate(clang::SourceRange TokenRange) const;
  std::optional<FileOffsets> locatePoint(clang::SourceLocation Loc) const;

  // Returns false when the same range was already wrapped differently.
  bool wrap(const FileOffsets &Where, std::string Prefix, std::string Suffix);
  // A statement (or declaration) placed before whatever starts at Offset.
  void insertStatement(clang::FileID File, unsigned Offset, std::string Text);
  // Text that belongs to the expression starting at Offset (innermost).
  void insertPrefix(clang::FileID File, unsigned Offset, std::string Text);
  // Text placed after everything that closes at Offset (outermost).
  void insertClosing(clang::FileID File, unsigned Offset, std::string Text);

  bool isRewritable(clang::FileID File) const;
  bool isOwnLocation(clang::SourceLocation FileLoc) const;
  bool empty() const { return Edits.empty(); }

  // The rewritten text of every file that has edits.
  std::map<clang::FileID, std::string> render() const;

private:
  struct Edit {
    unsigned Offset;
    bool Closing;       // closings come before openings at one offset
    unsigned long Rank; // openings: descending; closings: ascending
    long Sequence;      // ties: openings ascending, closings descending
    std::string Text;
  };
  clang::SourceManager &SM;
  const clang::LangOptions &LO;
  std::map<clang::FileID, std::vector<Edit>> Edits;
  std::map<std::tuple<clang::FileID, unsigned, unsigned>, std::pair<std::string, std::string>>
      Wrapped;
  long NextSequence = 0;
  mutable llvm::DenseMap<clang::FileID, bool> RewritableCache;
};

// True for stmify's own public headers, which are never instrumented.
bool isStmifyHeader(llvm::StringRef Path);

} // namespace stmify

#endif
