// Reports the transformer's diagnostics through clang's DiagnosticsEngine, so
// they carry file:line:col, respect -Werror/-verify and print like clang's own.
#ifndef STMIFY_PASSES_DIAGNOSTICS_H
#define STMIFY_PASSES_DIAGNOSTICS_H

#include "clang/Basic/Diagnostic.h"
#include "llvm/ADT/StringRef.h"

#include <initializer_list>
#include <string>

namespace stmify {

enum class Diag {
#define STMIFY_DIAGNOSTIC(Enum, Id, Level, Message, Fix) Enum,
#include "Diagnostics.def"
};

class DiagnosticReporter {
public:
  explicit DiagnosticReporter(clang::DiagnosticsEngine &Engine) : Engine(Engine) {}

  void report(Diag D, clang::SourceLocation Loc, std::initializer_list<std::string> Args = {},
              clang::SourceRange Range = {});
  unsigned errorCount() const { return Errors; }

private:
  clang::DiagnosticsEngine &Engine;
  unsigned Errors = 0;
};

} // namespace stmify

#endif
