// What the transformer's rules share: the translation unit, the edits and
// diagnostics they make, where the traversal stands (the functions and
// statements around the node being visited) and how source text is named.
// A rule reads the AST and the traversal's position and writes only edits,
// diagnostics and counts.
#ifndef STMIFY_PASSES_TRANSFORMCONTEXT_H
#define STMIFY_PASSES_TRANSFORMCONTEXT_H

#include "AnalysisFacts.h"
#include "Diagnostics.h"
#include "EditPlan.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"
#include "clang/AST/ExprCXX.h"
#include "llvm/ADT/ArrayRef.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace stmify {

struct InstrumentationCounts {
  unsigned Reads = 0, Writes = 0, Translations = 0, Hooks = 0, Synchronizing = 0, SafePoints = 0,
           TraceFunctions = 0, AtomicBlocks = 0;
  // Of the read and write barriers, those on objects the transaction already
  // holds, which only translate.
  unsigned Held = 0;
};

// One line: what the transformer put into a translation unit (--stats).
std::string describeCounts(const InstrumentationCounts &C);

struct TransformOptions {
  // How site strings name a file, given its presumed name.
  std::function<std::string(llvm::StringRef)> SitePath;
  // A remark at each place that can make an atomic block inevitable.
  bool RemarkInevitable = false;
  // Read barriers carry their site too, so that a write-read conflict names
  // the read (runtime: STMIFY_REPORT, STMIFY_LOG, STMIFY_VERBOSE).
  bool ReadSites = false;
};

// The function (or lambda) whose body is being traversed.
struct FunctionScope {
  const clang::FunctionDecl *Function = nullptr;
  const clang::LambdaExpr *Lambda = nullptr;
  bool NoThrow = false;
  bool ConstructorOrDestructor = false;
  bool Constexpr = false;
  bool AtomicBody = false;
  bool TaskBody = false;    // a lambda queued by transaction_queue::add
  bool HandlerBody = false; // a lambda given to stm::on_commit or stm::on_abort
  // A body whose braces a macro writes cannot be edited: its callers are
  // hooked instead (compiledWithStmify).
  bool BodyInMacro = false;
  size_t StmtDepth = 0; // StmtStack entries outside the body
};

class TransformContext {
public:
  TransformContext(clang::ASTContext &AST, EditPlan &Edits, DiagnosticReporter &Diags,
                   TransformOptions Options, const AnalysisFacts &Facts);

  // Code the transformer edits: the main file and the project's headers
  // that use the API, outside stmify's own headers.
  bool inOwnCode(clang::SourceLocation Loc) const;
  // "file:line:col (in function)", the file named by
  // TransformOptions::SitePath, the function the innermost one around Loc
  // that is not a lambda (none outside functions).
  std::string site(clang::SourceLocation Loc) const;
  // A function's name in a site: qualified, without template arguments.
  std::string functionName(const clang::FunctionDecl *F) const;
  // Text as a C++ string literal on one line.
  std::string quoted(const std::string &Text) const;
  const FunctionScope *scope() const { return Scopes.empty() ? nullptr : &Scopes.back(); }
  bool inFunctionBody() const { return scope() != nullptr; }
  // The statement Up levels above the one being visited (0: itself).
  const clang::Stmt *parentStmt(unsigned Up = 1) const;
  std::optional<unsigned> offsetAfter(clang::SourceLocation TokenLoc) const;
  // The offset just after statement S (its semicolon or closing brace), if
  // that is in File (a statement can end in a file it includes).
  std::optional<unsigned> statementEnd(const clang::Stmt *S, clang::FileID File) const;
  bool insertStatementAfterBrace(clang::SourceLocation LBrace, llvm::StringRef Text);
  std::string sourceText(const clang::Expr *E) const;
  // A type as diagnostics name it: unqualified, without `struct`.
  std::string typeName(clang::QualType T) const;
  // Wraps E's source text in Prefix and Suffix; false, with a diagnostic
  // where one is due, when E cannot be edited (written by a macro) or
  // another wrapping of the same text conflicts. ManagedType names the
  // object for the diagnostic.
  bool wrapExpr(const clang::Expr *E, llvm::StringRef Prefix, llvm::StringRef Suffix,
                clang::QualType ManagedType);

  // A function body whose braces a macro writes (not one passed to a macro
  // as an argument): it cannot be edited.
  bool bodyWrittenInMacro(const clang::Stmt *Body) const;

  // The functions and statements around the node being visited, innermost
  // last.
  llvm::ArrayRef<FunctionScope> scopes() const { return Scopes; }
  llvm::ArrayRef<clang::Stmt *> statements() const { return StmtStack; }

  enum class Phase { Analyze, Rewrite };

  clang::ASTContext &AST;
  clang::SourceManager &SM;
  EditPlan &Edits;
  DiagnosticReporter &Diags;
  const TransformOptions Options;
  const AnalysisFacts &Facts;
  InstrumentationCounts Counts;

protected:
  // Kept by the traversal; the rules read them through the functions above.
  Phase CurrentPhase = Phase::Analyze;
  std::vector<FunctionScope> Scopes;
  std::vector<clang::Stmt *> StmtStack;
};

// A rule of the transformer: it reads the AST, the context and the facts,
// and writes only edits, diagnostics and counts.
class Rule {
public:
  explicit Rule(TransformContext &Ctx) : Ctx(Ctx) {}

protected:
  TransformContext &Ctx;
};

} // namespace stmify

#endif
