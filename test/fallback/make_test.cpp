#include <stmify/stm.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

struct Point : stm::object {
  Point(int x, int y) : x(x), y(y) {}
  int x, y;
};

struct Shape : stm::object {
  virtual ~Shape() = default;
  virtual int sides() const = 0;
};

struct Square : Shape {
  int sides() const override { return 4; }
};

struct Node : stm::object {
  int value = 0;
  Node *next = nullptr;
};

TEST(Make, ConstructsWithArguments) {
  Point *p = stm::make<Point>(3, 4);
  EXPECT_EQ(p->x, 3);
  EXPECT_EQ(p->y, 4);
}

TEST(Make, ValueInitialisesWithoutArguments) {
  Node *n = stm::make<Node>();
  EXPECT_EQ(n->value, 0);
  EXPECT_EQ(n->next, nullptr);
}

TEST(Make, PolymorphicClassesWork) {
  Shape *s = stm::make<Square>();
  EXPECT_EQ(s->sides(), 4);
}

TEST(Make, LinkedStructures) {
  Node *head = nullptr;
  for (int i = 0; i < 10; ++i) {
    Node *n = stm::make<Node>();
    n->value = i;
    n->next = head;
    head = n;
  }
  int sum = 0;
  for (Node *n = head; n; n = n->next)
    sum += n->value;
  EXPECT_EQ(sum, 45);
}

static_assert(stm::is_managed_v<Node>);
static_assert(stm::is_managed_v<Square>);
static_assert(!stm::is_managed_v<std::string>);
static_assert(!stm::instrumented);

} // namespace

namespace {

TEST(Array, HoldsValuesAndReferences) {
  stm::array<long> *numbers = stm::make_array<long>(1000);
  EXPECT_EQ(numbers->size(), 1000u);
  EXPECT_EQ(numbers->get(999), 0);
  numbers->set(999, 7);
  EXPECT_EQ(numbers->get(999), 7);

  stm::array<Node *> *nodes = stm::make_array<Node *>(3);
  Node *n = stm::make<Node>();
  n->value = 5;
  nodes->set(1, n);
  EXPECT_EQ(nodes->get(0), nullptr);
  EXPECT_EQ(nodes->get(1)->value, 5);
  stm::atomic([&] { nodes->set(2, nodes->get(1)); });
  EXPECT_EQ(nodes->get(2), n);
}

} // namespace
