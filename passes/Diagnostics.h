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

// A diagnostic argument: text, or a number for a %select.
struct DiagArg {
  DiagArg(std::string Text) : Text(std::move(Text)) {}
  DiagArg(const char *Text) : Text(Text) {}
  DiagArg(int Number) : Number(Number), IsNumber(true) {}
  std::string Text;
  int Number = 0;
  bool IsNumber = false;
};

class DiagnosticReporter {
public:
  explicit DiagnosticReporter(clang::DiagnosticsEngine &Engine) : Engine(Engine) {}

  void report(Diag D, clang::SourceLocation Loc, std::initializer_list<DiagArg> Args = {},
              clang::SourceRange Range = {});
  // A note on the diagnostic just reported.
  void note(clang::SourceLocation Loc, const std::string &Text);
  unsigned errorCount() const { return Errors; }

private:
  clang::DiagnosticsEngine &Engine;
  unsigned Errors = 0;
};

} // namespace stmify

#endif
