// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -fsyntax-only -Xclang -verify %s
#include <stmify/stm.hpp>

struct Node : stm::object {
  long value = 0;
};

Node global_node; // expected-error {{variable of managed type Node is not on the managed heap; managed objects are created with stm::make and used through pointers and references [stmify:managed-by-value]}} expected-note {{fix: declare a pointer and create the object with stm::make<Node>(...)}}

struct Holder {
  Node inner; // expected-error {{member of managed type Node is not on the managed heap}} expected-note {{fix: declare a pointer}}
  Node *fine = nullptr;
};

long by_value(Node copy) { // expected-error {{parameter of managed type Node is not on the managed heap}} expected-note {{fix: declare a pointer}}
  return copy.value;
}

long local() {
  Node n; // expected-error {{variable of managed type Node is not on the managed heap}} expected-note {{fix: declare a pointer}}
  Node &ok = *stm::make<Node>();
  return n.value + ok.value;
}

struct Shape : stm::object {
  long area = 0;
  long copied() const { return [*this] { return area; }(); } // expected-error {{capture [*this] of managed type Shape is not on the managed heap}} expected-note {{fix: declare a pointer}}
  long shared() const { return [this] { return area; }(); } // capturing the pointer: fine
};
