// Trace functions for managed classes, their bases, unmanaged structs that
// hold managed references, and class templates.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>
#include <optional>
#include <utility>
#include <variant>

struct Leaf : stm::object {
  long value = 0;
};
// CHECK: struct Leaf : stm::object {
// CHECK: public: using __stmify_traced_type = Leaf; STMIFY_DETAIL_NO_THREAD_SAFETY_ANALYSIS static void __stmify_trace(const void *__stmify_object, stm_visit_fn __stmify_visit, void *__stmify_context) noexcept { (void)__stmify_object; (void)__stmify_visit; (void)__stmify_context; } };

struct Link {
  Leaf *target = nullptr;
  int weight = 0;
};
// CHECK: public: using __stmify_traced_type = Link; {{.*}} ::stm::detail::trace_value(__stmify_self.target, __stmify_visit, __stmify_context); } };

struct Plain {
  int a, b;
};
// CHECK: struct Plain {
// CHECK-NEXT: int a, b;
// CHECK-NEXT: };

struct Branch : Leaf {
  Leaf *kids[2] = {};
  Link link;
  std::pair<Leaf *, long> tagged{};
  Plain plain;
};
// CHECK: public: using __stmify_traced_type = Branch; {{.*}} ::stm::detail::trace_value(static_cast<const ::Leaf &>(__stmify_self), __stmify_visit, __stmify_context); ::stm::detail::trace_value(__stmify_self.kids, __stmify_visit, __stmify_context); ::stm::detail::trace_value(__stmify_self.link, __stmify_visit, __stmify_context); ::stm::detail::trace_value(__stmify_self.tagged, __stmify_visit, __stmify_context); } };

// Members of unnamed struct types have no trace function of their own: their
// fields are visited through the member (or directly, for an anonymous
// struct); std::optional and std::variant are traced by trace_value.
typedef struct {
  Leaf *leaf;
} Slot;
struct Vocabulary : stm::object {
  std::optional<Leaf *> maybe;
  std::variant<long, Leaf *> either;
  struct {
    Leaf *leaf = nullptr;
    long count = 0;
  } group;
  Slot slot{};
};
// CHECK: public: using __stmify_traced_type = Vocabulary; {{.*}} ::stm::detail::trace_value(__stmify_self.maybe, __stmify_visit, __stmify_context); ::stm::detail::trace_value(__stmify_self.either, __stmify_visit, __stmify_context); ::stm::detail::trace_value(__stmify_self.group.leaf, __stmify_visit, __stmify_context); ::stm::detail::trace_value(__stmify_self.slot.leaf, __stmify_visit, __stmify_context); } };
