// The library functions the transformer knows by name (KnownFunctions.def),
// and how it names a function to look it up.
#ifndef STMIFY_PASSES_KNOWNFUNCTIONS_H
#define STMIFY_PASSES_KNOWNFUNCTIONS_H

#include "clang/AST/Decl.h"
#include "llvm/ADT/StringSet.h"

#include <string>

namespace stmify {

// KnownFunctions.def as sets of plain names, one per kind.
struct KnownFunctions {
  llvm::StringSet<> Safe, ReadOnly, Blocking, ThreadStart, SynchronizingClasses, Synchronizing;
  KnownFunctions();
};
const KnownFunctions &known();

// "std::vector::push_back": namespaces and classes without template
// arguments, inline and anonymous namespaces left out.
std::string plainName(const clang::NamedDecl *D);
// Declared safe in transactions by the program (STM_TX_SAFE).
bool isTxSafeAnnotated(const clang::FunctionDecl *F);
// A class whose constructor starts a thread (std::thread, std::jthread).
bool isThreadClass(clang::QualType T);

} // namespace stmify

#endif
