#include "KnownFunctions.h"

#include "Names.h"

#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"

using namespace clang;

namespace stmify {

KnownFunctions::KnownFunctions() {
#define STMIFY_TX_SAFE(Name) Safe.insert(Name);
#define STMIFY_READ_ONLY(Name) ReadOnly.insert(Name);
#define STMIFY_BLOCKING(Name) Blocking.insert(Name);
#define STMIFY_THREAD_START(Name) ThreadStart.insert(Name);
#define STMIFY_SYNCHRONIZING_CLASS(Name) SynchronizingClasses.insert(Name);
#define STMIFY_SYNCHRONIZING(Name) Synchronizing.insert(Name);
#include "KnownFunctions.def"
}

const KnownFunctions &known() {
  static const KnownFunctions Table;
  return Table;
}

std::string plainName(const NamedDecl *D) {
  std::string Name = D->getDeclName().getAsString();
  for (const DeclContext *DC = D->getDeclContext(); DC; DC = DC->getParent()) {
    if (const auto *NS = dyn_cast<NamespaceDecl>(DC)) {
      if (NS->isInline() || NS->isAnonymousNamespace())
        continue;
      Name = NS->getName().str() + "::" + Name;
    } else if (const auto *R = dyn_cast<RecordDecl>(DC)) {
      if (R->getIdentifier())
        Name = R->getName().str() + "::" + Name;
    }
  }
  return Name;
}

bool isTxSafeAnnotated(const FunctionDecl *F) {
  for (const FunctionDecl *R : F->redecls())
    for (const auto *A : R->specific_attrs<AnnotateAttr>())
      if (A->getAnnotation() == names::TxSafeAnnotation)
        return true;
  return false;
}

bool isThreadClass(QualType T) {
  const auto *R = T.getCanonicalType()->getAsCXXRecordDecl();
  return R && R->getIdentifier() &&
         known().ThreadStart.contains(plainName(R) + "::" + R->getName().str());
}

} // namespace stmify
