// GoogleTest and GoogleMock macros in a file that uses stmify's API: ON_CALL
// in a class template (reported as conflicting-rewrite), MATCHER and
// INSTANTIATE_TEST_SUITE_P (hooks placed at namespace and class scope) and
// MOCK_METHOD compile, and the tests pass.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror %s %stmify_runtime -lgmock -lgtest -pthread -o %t/gtests
// RUN: %t/gtests --gtest_brief=1 | FileCheck --check-prefix=OUTPUT %s
// RUN: %stmify --stdout %s -- -std=c++17 -I%stmify_include > %t/gtests.cpp
// RUN: %gxx -std=c++17 -Wall -Wextra -Werror -D__STMIFY__=1 -I%stmify_include -fsyntax-only %t/gtests.cpp
#include <stmify/stm.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

struct Cell : stm::object {
  long value = 0;
};

template <typename T> struct MockVisitor {
  MockVisitor() { ON_CALL(*this, visit(testing::_)).WillByDefault(testing::Return(7)); }
  MOCK_METHOD(int, visit, (T));
};

MATCHER(IsPositive, "") { return arg > 0; }

TEST(Macros, OnCallInClassTemplate) {
  testing::NiceMock<MockVisitor<long>> visitor;
  Cell *c = stm::make<Cell>();
  stm::atomic([&] { c->value = visitor.visit(1); });
  EXPECT_EQ(c->value, 7);
}

TEST(Macros, Matcher) { EXPECT_THAT(3, IsPositive()); }

class Values : public testing::TestWithParam<int> {};
TEST_P(Values, Positive) { EXPECT_THAT(GetParam(), IsPositive()); }
INSTANTIATE_TEST_SUITE_P(Small, Values, testing::Values(1, 2, 3));

int main(int argc, char **argv) {
  testing::InitGoogleMock(&argc, argv);
  return RUN_ALL_TESTS();
}
// OUTPUT: [  PASSED  ] 5 tests.
