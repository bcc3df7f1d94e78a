// A preprocessed input (-save-temps; ccache compiles one too) holds stmify's
// headers, and their templates instantiated for the program, in its main
// file: they are library code there as well, not a header that forgot to
// include the API.
// RUN: rm -rf %t && mkdir -p %t
// RUN: cd %t && %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -save-temps -c %s -o %t/st.o
// RUN: test -s %t/st.o
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -E %s -o %t/direct.ii
// RUN: %clangxx -fplugin=%plugin -std=c++17 -c %t/direct.ii -o %t/direct.o 2>&1 | FileCheck --allow-empty --check-prefix=DIRECT %s
// RUN: test -s %t/direct.o
#include <stmify/stm.hpp>

struct Customer : stm::object {
  stm::string name;
  stm::array<long> *visits = nullptr;
};

long visits_of(Customer *c, unsigned day) {
  return c->visits->get(day);
}

void visit(Customer *c, unsigned day) {
  c->visits->set(day, c->visits->get(day) + 1);
  c->name = c->name + "*";
}

// DIRECT-NOT: error:
