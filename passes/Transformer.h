// The entry point shared by the plugin and the tool: instruments one parsed
// translation unit and returns the rewritten text of every file that changed.
#ifndef STMIFY_PASSES_TRANSFORMER_H
#define STMIFY_PASSES_TRANSFORMER_H

#include "ApiFiles.h"
#include "Instrumenter.h"

#include "clang/AST/ASTContext.h"
#include "clang/Basic/FileEntry.h"

#include <functional>
#include <string>
#include <vector>

namespace stmify {

struct RewrittenFile {
  clang::FileEntryRef File;
  std::string Original;
  FileEdits Edits;
  std::string Text; // Original with Edits applied
  bool MainFile;
};

struct TransformResult {
  std::vector<RewrittenFile> Files;
  InstrumentationCounts Counts;
  unsigned Errors = 0;
  // Whether the main file uses the API (else nothing was instrumented), and
  // whether it is stmify's output already (then it is left alone).
  bool UsesApi = false;
  bool AlreadyInstrumented = false;
};

// Api must have recorded the preprocessing of the translation unit.
TransformResult transformTranslationUnit(clang::ASTContext &AST, ApiFiles &Api,
                                         const TransformOptions &Options = {});

// How a file is named in site strings: relative to Root when it lies below
// it (after the compile's -fmacro-prefix-map / -ffile-prefix-map, which win),
// so that two checkouts of a project produce the same text.
std::string sitePath(llvm::StringRef File, llvm::StringRef Root, const clang::LangOptions &LO);

} // namespace stmify

#endif
