// A binary search tree filled by queued tasks with distinct keys; its in-order
// contents and shape statistics are the same in every serial order.
#include <stmify/stm.hpp>

#include <cstdio>

struct TreeNode : stm::object {
  long key;
  long value;
  TreeNode *left = nullptr;
  TreeNode *right = nullptr;
  TreeNode(long k, long v) : key(k), value(v) {}
};

struct Tree : stm::object {
  TreeNode *root = nullptr;

  void insert(long key, long value) {
    TreeNode *fresh = stm::make<TreeNode>(key, value);
    if (!root) {
      root = fresh;
      return;
    }
    TreeNode *n = root;
    for (;;) {
      TreeNode *next = key < n->key ? n->left : n->right;
      if (!next)
        break;
      n = next;
    }
    if (key < n->key)
      n->left = fresh;
    else
      n->right = fresh;
  }
};

long sum_in_order(TreeNode *n, long &count, long &previous, bool &ordered) {
  if (!n)
    return 0;
  long s = sum_in_order(n->left, count, previous, ordered);
  ordered = ordered && n->key > previous;
  previous = n->key;
  ++count;
  s += n->value;
  return s + sum_in_order(n->right, count, previous, ordered);
}

int main() {
  Tree *tree = stm::make<Tree>();
  stm::transaction_queue tq;
  for (long i = 0; i < 3000; ++i) {
    long key = (i * 7919) % 3001; // a permutation of 0..3000 minus one value
    tq.add([tree, key] { tree->insert(key, key * 3); });
  }
  tq.run();
  long count = 0, previous = -1;
  bool ordered = true;
  long sum = sum_in_order(tree->root, count, previous, ordered);
  std::printf("count %ld sum %ld ordered %s\n", count, sum, ordered ? "yes" : "no");
  return ordered && count == 3000 ? 0 : 1;
}
