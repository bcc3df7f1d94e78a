// Field reads and writes through pointers, references and dereferences.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>

struct Node : stm::object {
  long value = 0;
};

long read(Node *p) { return p->value; }
// CHECK: long read(Node *p) { return stm::rd(p)->value; }

void write(Node *p, long v) { p->value = v; }
// CHECK: void write(Node *p, long v) { stm::wr(p, "{{[^"]*}}")->value = v; }

long by_reference(Node &n) { return n.value; }
// CHECK: long by_reference(Node &n) { return stm::rd(n).value; }

void write_reference(Node &n) { n.value = 3; }
// CHECK: void write_reference(Node &n) { stm::wr(n, "{{[^"]*}}").value = 3; }

long dereference(Node *p) { return (*p).value; }
// CHECK: long dereference(Node *p) { return (*stm::rd(p)).value; }

void copy_object(Node *to, Node *from) { *to = *from; }
// CHECK: void copy_object(Node *to, Node *from) { stm::detail::safe_point(); *stm::wr(to, "{{[^"]*}}") = *stm::rd(from); }

Node &keep_reference(Node *p) { return *p; }
// CHECK: Node &keep_reference(Node *p) { return *p; }

long through_member_pointer(Node *p, long Node::*field) { p->*field += 1; return (*p).*field; }
// CHECK: long through_member_pointer(Node *p, long Node::*field) { stm::wr(p, "{{[^"]*}}")->*field += 1; return stm::rd((*stm::rd(p))).*field; }
