// Bases are named fully qualified in the trace function, which sits inside
// the class: there a name of the base-specifier may mean an inherited member
// (here `kind`, the base's own member type).
// RUN: rm -rf %t && mkdir -p %t && %blank_directives %s %t
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only %s
// RUN: %stmify --stdout %t/trace-qualified-bases.cpp -- -std=c++17 -I%stmify_include > %t/out.cpp
// RUN: FileCheck %s < %t/out.cpp
// RUN: %gxx -std=c++17 -Wall -Wextra -Werror -D__STMIFY__=1 -I%stmify_include -fsyntax-only %t/out.cpp
#include <stmify/stm.hpp>

struct Node : stm::object {
  long value = 0;
};

namespace shapes {
enum class kind { plain, custom };
template <class K, K Tag> struct tagged {
  using kind = tagged; // inside a class derived from it, `kind` is this
  Node *owner = nullptr;
};
struct custom_shape : tagged<kind, kind::custom> {};
// CHECK: struct custom_shape : tagged<kind, kind::custom> { {{.*}}static_cast<const ::shapes::tagged<{{ ?}}::shapes::kind, shapes::kind::custom> &>(__stmify_self)
} // namespace shapes

struct Holder : stm::object {
  shapes::custom_shape shape;
};
long owner_value(Holder *h) { return h->shape.owner->value; }
