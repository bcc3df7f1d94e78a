#include "Diagnostics.h"

using namespace clang;

namespace stmify {
namespace {

struct DiagnosticText {
  const char *Id;
  DiagnosticsEngine::Level Level;
  const char *Message;
  const char *Fix;
};

constexpr DiagnosticText Texts[] = {
#define STMIFY_DIAGNOSTIC(Enum, Id, Level, Message, Fix)                                           \
  {Id, DiagnosticsEngine::Level, Message, Fix},
#include "Diagnostics.def"
};

} // namespace

static void addArguments(DiagnosticBuilder &B, std::initializer_list<DiagArg> Args) {
  for (const DiagArg &A : Args) {
    if (A.IsNumber)
      B << A.Number;
    else
      B << A.Text;
  }
}

void DiagnosticReporter::report(Diag D, SourceLocation Loc, std::initializer_list<DiagArg> Args,
                                SourceRange Range) {
  const DiagnosticText &T = Texts[static_cast<int>(D)];
  std::string Message = std::string(T.Message) + " [stmify:" + T.Id + "]";
  DiagnosticIDs &IDs = *Engine.getDiagnosticIDs();
  unsigned MainId = IDs.getCustomDiagID(static_cast<DiagnosticIDs::Level>(T.Level), Message);
  unsigned FixId = IDs.getCustomDiagID(DiagnosticIDs::Note, std::string("fix: ") + T.Fix);
  {
    DiagnosticBuilder B = Engine.Report(Loc, MainId);
    addArguments(B, Args);
    if (Range.isValid())
      B << Range;
  }
  if (T.Level >= DiagnosticsEngine::Error)
    ++Errors;
  DiagnosticBuilder N = Engine.Report(Loc, FixId);
  addArguments(N, Args);
}

void DiagnosticReporter::note(SourceLocation Loc, const std::string &Text) {
  DiagnosticIDs &IDs = *Engine.getDiagnosticIDs();
  Engine.Report(Loc, IDs.getCustomDiagID(DiagnosticIDs::Note, "%0")) << Text;
}

} // namespace stmify
