// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -fsyntax-only -Xclang -verify %s
#include <memory>
#include <stmify/stm.hpp>
#include <string>
#include <vector>

struct Person : stm::object {
  std::string name; // expected-error {{managed class Person has member 'name' of type std::string, which owns memory outside the managed heap; the collector frees managed objects without running destructors [stmify:unmanaged-member]}} expected-note {{fix: hold text in a stm::string, a sequence in a stm::vector, a map in a stm::dict, a set in a stm::set and other data in managed objects (stm::array, a managed class), or keep it outside the managed object}}
  std::vector<int> scores; // expected-error {{managed class Person has member 'scores' of type std::vector<int>, which owns memory outside the managed heap}} expected-note {{fix: hold text in a stm::string}}
  std::unique_ptr<int> extra; // expected-error {{member 'extra' of type std::unique_ptr<int>}} expected-note {{fix: hold text in a stm::string}}
  long age = 0;
  Person *friend_ = nullptr;
};

// Unmanaged classes may own whatever they like.
struct Registry {
  std::vector<Person *> people;
};
