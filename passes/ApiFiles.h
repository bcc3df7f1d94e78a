// API files: the files of a translation unit that use stmify's C++ API. Only
// they are instrumented; every other file keeps its text, so each translation
// unit of a program compiles the same text of a header that does not use
// stmify (no two versions of its inline functions).
//
// A file is an API file when it includes <stmify/stm.hpp> (directly or through
// another API file: inclusions an include guard or #pragma once skips count
// too, so the answer does not depend on the order of includes), when it uses
// a declaration or macro of stmify's headers (a header that derives from
// stm::object relying on an earlier include), or when it accesses a member of
// a managed object. Each of these is a property of the file's text, the same
// in every translation unit.
#ifndef STMIFY_PASSES_APIFILES_H
#define STMIFY_PASSES_APIFILES_H

#include "clang/AST/ASTContext.h"
#include "clang/Basic/FileEntry.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Lex/PPCallbacks.h"
#include "clang/Lex/Preprocessor.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"

#include <memory>

namespace stmify {

class ApiFiles {
public:
  // A preprocessed input (-save-temps) is one file whose line markers name
  // the files it came from: then those names are the files.
  explicit ApiFiles(bool PreprocessedInput = false) : Preprocessed(PreprocessedInput) {}
  // Every project file counts as an API file: to try stmify on code that
  // does not use it (with stm.hpp included from the command line).
  void assumeEverywhere() { Everywhere = true; }

  // Records the inclusions and the uses of stmify's macros while the
  // preprocessor runs. With ReportModes, an inclusion of stm.hpp in a
  // language mode the API does not support is reported (unsupported-mode)
  // and hides the errors it would cause inside the header.
  std::unique_ptr<clang::PPCallbacks> recorder(clang::Preprocessor &PP, bool ReportModes);

  // After parsing: adds the files that use stmify's declarations or access
  // managed objects, then every file that includes an API file.
  void classify(clang::ASTContext &AST);

  bool isApiFile(const clang::FileEntry *File) const;
  // Whether the code at a location of an API file belongs to an API file (a
  // preprocessed input holds the text of other files too).
  bool isApiLocation(const clang::SourceManager &SM, clang::SourceLocation FileLoc) const;
  bool isMainFileApi(const clang::SourceManager &SM) const;
  // Whether <stmify/stm.hpp> was reached at all (before classify: whether any
  // file can be an API file).
  bool reachesApi() const { return ReachesApi; }
  // Whether a file location lies in the body of a #define: an argument of a
  // macro can be spelled there (passed on by another macro), and an edit
  // there would change every expansion of the macro.
  bool isInMacroDefinition(const clang::SourceManager &SM, clang::SourceLocation FileLoc) const;
  bool unsupportedMode() const { return UnsupportedMode; }

private:
  friend class ApiRecorder;
  // A file: its FileEntry, or in a preprocessed input the name a line marker
  // gives it.
  using Node = const void *;
  Node node(const clang::SourceManager &SM, clang::SourceLocation Loc) const;
  Node nodeNamed(llvm::StringRef PresumedName);

  bool Preprocessed;
  bool Everywhere = false;
  llvm::StringMap<char> PresumedNames; // their keys are the nodes of a preprocessed input
  llvm::DenseMap<Node, llvm::SmallVector<Node, 4>> IncludedBy;
  llvm::DenseSet<Node> Users; // use the API directly
  llvm::DenseSet<Node> Api;
  // The extents of #define directives, by file.
  llvm::DenseMap<clang::FileID, llvm::SmallVector<std::pair<unsigned, unsigned>, 8>> Definitions;
  Node MainPresumed = nullptr;
  bool ReachesApi = false;
  bool UnsupportedMode = false;
};

// True for <stmify/stm.hpp> and the headers it includes from stmify/detail.
bool isStmifyApiHeader(llvm::StringRef Path);

// Preprocesses the translation unit CI is set up for, without parsing it, to
// learn whether it reaches <stmify/stm.hpp> at all: most files of a project
// do not, and need not be parsed. When preprocessing fails the answer is
// yes (the parse will report why). OnFiles sees the source manager after a
// scan that found no API, with every file the translation unit reads.
bool scanReachesApi(clang::CompilerInstance &CI,
                    llvm::function_ref<void(clang::SourceManager &)> OnFiles = {});

// Whether the input is preprocessed already (a .ii): files are then known by
// the names its line markers give.
bool isPreprocessedInput(const clang::CompilerInstance &CI);

// Whether the command line defines __STMIFY__ itself: the translation unit
// is then written against the transactional build of the API already (the
// runtime, code instrumented by hand, stmify's own output compiled as the
// user guide says) and passes through unchanged.
bool alreadyInstrumented(const clang::PreprocessorOptions &Options);

// Preprocesses the whole translation unit and shows OnFiles the source
// manager with every file it reads (unless preprocessing fails).
void scanFiles(clang::CompilerInstance &CI,
               llvm::function_ref<void(clang::SourceManager &)> OnFiles);

} // namespace stmify

#endif
