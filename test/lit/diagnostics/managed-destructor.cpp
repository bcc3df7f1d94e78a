// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -fsyntax-only -Xclang -verify %s
#include <stmify/stm.hpp>

void release(long);

struct Handle : stm::object {
  long fd = -1;
  ~Handle() { release(fd); } // expected-error {{managed class Handle has a user-provided destructor, which never runs: the collector frees managed objects without running destructors [stmify:managed-destructor]}} expected-note {{fix: remove the destructor, or release what it releases explicitly}}
};

struct Shape : stm::object {
  virtual ~Shape() = default; // a defaulted destructor does nothing: fine
  virtual long area() const { return 0; }
};
