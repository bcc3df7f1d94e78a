// rbtree KEYS UPDATE%: a red-black tree set of keys below KEYS (16384), half
// full at the start; an operation is an insert or a remove (each UPDATE% / 2
// of them) or a lookup. Colours are written only when they change. Check:
// search order, parent links, no red node with a red child, the same number
// of black nodes on every path, and the size.
#include "harness.h"

struct TreeNode : stm::object {
  long key;
  bool red = true;
  TreeNode *left = nullptr, *right = nullptr, *parent;
  TreeNode(long Key, TreeNode *Parent) : key(Key), parent(Parent) {}
};

struct Tree : stm::object {
  TreeNode *root = nullptr;
};

namespace {

bool isRed(const TreeNode *N) { return N && N->red; }

void paint(TreeNode *N, bool Red) {
  if (N->red != Red)
    N->red = Red;
}

void rotateLeft(Tree *T, TreeNode *X) {
  TreeNode *Y = X->right;
  X->right = Y->left;
  if (Y->left)
    Y->left->parent = X;
  Y->parent = X->parent;
  if (!X->parent)
    T->root = Y;
  else if (X == X->parent->left)
    X->parent->left = Y;
  else
    X->parent->right = Y;
  Y->left = X;
  X->parent = Y;
}

void rotateRight(Tree *T, TreeNode *X) {
  TreeNode *Y = X->left;
  X->left = Y->right;
  if (Y->right)
    Y->right->parent = X;
  Y->parent = X->parent;
  if (!X->parent)
    T->root = Y;
  else if (X == X->parent->right)
    X->parent->right = Y;
  else
    X->parent->left = Y;
  Y->right = X;
  X->parent = Y;
}

bool has(const Tree *T, long Key) {
  const TreeNode *N = T->root;
  while (N && N->key != Key)
    N = Key < N->key ? N->left : N->right;
  return N != nullptr;
}

bool add(Tree *T, long Key) {
  TreeNode *Parent = nullptr, *Cur = T->root;
  while (Cur) {
    if (Cur->key == Key)
      return false;
    Parent = Cur;
    Cur = Key < Cur->key ? Cur->left : Cur->right;
  }
  TreeNode *Z = stm::make<TreeNode>(Key, Parent);
  if (!Parent)
    T->root = Z;
  else if (Key < Parent->key)
    Parent->left = Z;
  else
    Parent->right = Z;
  while (isRed(Z->parent)) {
    TreeNode *P = Z->parent, *G = P->parent; // a red node is not the root
    if (P == G->left) {
      TreeNode *U = G->right;
      if (isRed(U)) {
        paint(P, false);
        paint(U, false);
        paint(G, true);
        Z = G;
        continue;
      }
      if (Z == P->right) {
        Z = P;
        rotateLeft(T, Z);
        P = Z->parent;
      }
      paint(P, false);
      paint(G, true);
      rotateRight(T, G);
    } else {
      TreeNode *U = G->left;
      if (isRed(U)) {
        paint(P, false);
        paint(U, false);
        paint(G, true);
        Z = G;
        continue;
      }
      if (Z == P->left) {
        Z = P;
        rotateRight(T, Z);
        P = Z->parent;
      }
      paint(P, false);
      paint(G, true);
      rotateLeft(T, G);
    }
  }
  paint(T->root, false);
  return true;
}

// Puts V where U is under U's parent.
void transplant(Tree *T, TreeNode *U, TreeNode *V) {
  if (!U->parent)
    T->root = V;
  else if (U == U->parent->left)
    U->parent->left = V;
  else
    U->parent->right = V;
  if (V)
    V->parent = U->parent;
}

// X (possibly null) under Parent has one black node too few on its paths.
void removeFixup(Tree *T, TreeNode *X, TreeNode *Parent) {
  while (X != T->root && !isRed(X)) {
    if (X == Parent->left) {
      TreeNode *W = Parent->right;
      if (isRed(W)) {
        paint(W, false);
        paint(Parent, true);
        rotateLeft(T, Parent);
        W = Parent->right;
      }
      if (!isRed(W->left) && !isRed(W->right)) {
        paint(W, true);
        X = Parent;
        Parent = X->parent;
        continue;
      }
      if (!isRed(W->right)) {
        paint(W->left, false);
        paint(W, true);
        rotateRight(T, W);
        W = Parent->right;
      }
      paint(W, Parent->red);
      paint(Parent, false);
      paint(W->right, false);
      rotateLeft(T, Parent);
    } else {
      TreeNode *W = Parent->left;
      if (isRed(W)) {
        paint(W, false);
        paint(Parent, true);
        rotateRight(T, Parent);
        W = Parent->left;
      }
      if (!isRed(W->left) && !isRed(W->right)) {
        paint(W, true);
        X = Parent;
        Parent = X->parent;
        continue;
      }
      if (!isRed(W->left)) {
        paint(W->right, false);
        paint(W, true);
        rotateLeft(T, W);
        W = Parent->left;
      }
      paint(W, Parent->red);
      paint(Parent, false);
      paint(W->left, false);
      rotateRight(T, Parent);
    }
    X = T->root;
  }
  if (X)
    paint(X, false);
}

bool erase(Tree *T, long Key) {
  TreeNode *Z = T->root;
  while (Z && Z->key != Key)
    Z = Key < Z->key ? Z->left : Z->right;
  if (!Z)
    return false;
  TreeNode *X, *XParent;
  bool RemovedBlack = !Z->red;
  if (!Z->left || !Z->right) {
    X = Z->left ? Z->left : Z->right;
    XParent = Z->parent;
    transplant(T, Z, X);
  } else {
    TreeNode *Y = Z->right;
    while (Y->left)
      Y = Y->left;
    RemovedBlack = !Y->red;
    X = Y->right;
    if (Y->parent == Z) {
      XParent = Y;
    } else {
      XParent = Y->parent;
      transplant(T, Y, Y->right);
      Y->right = Z->right;
      Y->right->parent = Y;
    }
    transplant(T, Z, Y);
    Y->left = Z->left;
    Y->left->parent = Y;
    paint(Y, Z->red);
  }
  if (RemovedBlack)
    removeFixup(T, X, XParent);
  bench::retire(Z);
  return true;
}

// The black height of N's subtree, or -1 when it breaks a rule.
long checkSubtree(const TreeNode *N, const TreeNode *Parent, long Low, long High, long &Size) {
  if (!N)
    return 1;
  ++Size;
  if (N->parent != Parent || N->key <= Low || N->key >= High ||
      (N->red && (isRed(N->left) || isRed(N->right))))
    return -1;
  long L = checkSubtree(N->left, N, Low, N->key, Size);
  long R = checkSubtree(N->right, N, N->key, High, Size);
  if (L < 0 || L != R)
    return -1;
  return L + (N->red ? 0 : 1);
}

} // namespace

struct RedBlackTree {
  Tree *tree = stm::make<Tree>();
  long keys, updates;
  long initial = 0;
  bench::PerThreadCount changes; // inserts minus removes
  bench::PerThreadCount hits;    // lookups that found their key

  explicit RedBlackTree(const bench::Options &O)
      : keys(O.arg(0, 16384)), updates(O.arg(1, 10)), changes(O.Threads), hits(O.Threads) {
    bench::Random R(12345);
    while (initial < keys / 2)
      if (add(tree, R.below(static_cast<unsigned>(keys))))
        ++initial;
  }

  void operation(bench::Random &R, unsigned Thread) {
    long Key = R.below(static_cast<unsigned>(keys));
    unsigned Kind = R.below(100);
    long Change = 0;
    bool Found = false;
    stm::atomic([&] {
      Change = 0;
      if (Kind < updates / 2)
        Change = add(tree, Key) ? 1 : 0;
      else if (Kind < updates)
        Change = erase(tree, Key) ? -1 : 0;
      else
        Found = has(tree, Key);
    });
    changes.add(Thread, Change);
    hits.add(Thread, Found); // the lookup's result is used
  }

  bool check(const bench::Options &O) const {
    long Size = 0;
    if (isRed(tree->root) || checkSubtree(tree->root, nullptr, -1, keys, Size) < 0)
      return false;
    return Size == initial + changes.total() && hits.total() <= O.Ops;
  }
};

BENCH_MAIN("rbtree", RedBlackTree)
