// Runtime settings a test binary needs, applied before the runtime starts (it
// reads them lazily) unless already set, so a test run by hand behaves as
// under ctest.
#ifndef STMIFY_TEST_RUNTIME_TEST_ENVIRONMENT_H
#define STMIFY_TEST_RUNTIME_TEST_ENVIRONMENT_H

#include <cstdlib>
#include <initializer_list>
#include <utility>

#define STMIFY_TEST_ENVIRONMENT(...)                                           \
  static const bool stmify_test_environment_applied = [] {                     \
    for (auto [name, value] :                                                  \
         std::initializer_list<std::pair<const char *, const char *>>{__VA_ARGS__}) \
      setenv(name, value, /*overwrite=*/0);                                    \
    return true;                                                               \
  }()

#endif
