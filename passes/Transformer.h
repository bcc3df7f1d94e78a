// The entry point shared by the plugin and the tool: instruments one parsed
// translation unit and returns the rewritten text of every file that changed.
#ifndef STMIFY_PASSES_TRANSFORMER_H
#define STMIFY_PASSES_TRANSFORMER_H

#include "Instrumenter.h"

#include "clang/AST/ASTContext.h"
#include "clang/Basic/FileEntry.h"

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
};

TransformResult transformTranslationUnit(clang::ASTContext &AST);

} // namespace stmify

#endif
