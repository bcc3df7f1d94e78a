#pragma once
#include <stmify/stm.hpp>

struct Node : stm::object {
  long value = 0;
  Node *next = nullptr;
  long sum() const { return value + (next ? next->sum() : 0); }
};
