// Code stmify does not instrument that would still touch managed objects: the
// instantiations of templates from project headers that do not use the API
// (their text is compiled as written, without barriers).
#ifndef STMIFY_PASSES_UNINSTRUMENTEDCODE_H
#define STMIFY_PASSES_UNINSTRUMENTEDCODE_H

#include "Diagnostics.h"
#include "EditPlan.h"

#include "clang/AST/ASTContext.h"

namespace stmify {

// Reports (uninstrumented-template) each template of a header that does not
// use the API whose instantiations in this translation unit access managed
// objects.
void reportUninstrumentedTemplates(clang::ASTContext &AST, const EditPlan &Plan,
                                   DiagnosticReporter &Diags);

} // namespace stmify

#endif
