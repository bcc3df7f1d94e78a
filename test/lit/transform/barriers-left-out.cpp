// Barriers on objects the transaction already holds only translate
// (docs/architecture.md §12, "Barriers left out"): read_again after a read
// or write barrier on the same variable on every path, write_again after a
// write barrier with nothing in between that may publish. Each rule, and
// the cases where leaving the barrier out would be wrong.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>

#include <mutex>

struct Node : stm::object {
  long key = 0, value = 0;
  Node *next = nullptr;
  void grow() { value *= 2; this->value += 1; key = value; }
  // CHECK: void grow() { stm::wr(this, "{{[^"]*}}")->value *= 2; stm::detail::write_again(this)->value += 1; stm::detail::write_again(this)->key = stm::detail::read_again(this)->value; }
};

void unknown();
std::mutex guard;

// A read, then another: the object is marked already.
long both(Node *n) { long a = n->key; return a + n->value; }
// CHECK: long both(Node *n) { long a = stm::rd(n)->key; return a + stm::detail::read_again(n)->value; }

// A read marker lasts the whole attempt: across calls, which may publish.
long across_call(Node *n) { long a = n->key; unknown(); return a + n->value; }
// CHECK: long across_call(Node *n) { stm::detail::safe_point(); long a = stm::rd(n)->key; unknown(); return a + stm::detail::read_again(n)->value; }

// A write barrier marks the object read too.
long read_after_write(Node *n) { n->key = 1; return n->value; }
// CHECK: long read_after_write(Node *n) { stm::wr(n, "{{[^"]*}}")->key = 1; return stm::detail::read_again(n)->value; }

// A write, then another with nothing in between.
void two_writes(Node *n) { n->key = 1; n->value = 2; }
// CHECK: void two_writes(Node *n) { stm::wr(n, "{{[^"]*}}")->key = 1; stm::detail::write_again(n)->value = 2; }

// A read does not give a write.
void read_then_write(Node *n) { long a = n->key; n->value = a; }
// CHECK: void read_then_write(Node *n) { long a = stm::rd(n)->key; stm::wr(n, "{{[^"]*}}")->value = a; }

// A call that may publish ends the backup (not the read marker).
void write_call_write(Node *n) { n->key = 1; unknown(); n->value = 2; long v = n->key; (void)v; }
// CHECK: void write_call_write(Node *n) { stm::detail::safe_point(); stm::wr(n, "{{[^"]*}}")->key = 1; unknown(); stm::wr(n, "{{[^"]*}}")->value = 2; long v = stm::detail::read_again(n)->key; (void)v; }

// So does a release.
void write_unlock_write(Node *n) {
  n->key = 1;
  { std::lock_guard<std::mutex> hold(guard); }
  n->value = 2;
}
// CHECK: void write_unlock_write(Node *n) { stm::detail::safe_point();
// CHECK-NEXT:   stm::wr(n, "{{[^"]*}}")->key = 1;
// CHECK-NEXT:   { std::lock_guard<std::mutex> hold(guard); }
// CHECK-NEXT:   stm::wr(n, "{{[^"]*}}")->value = 2;
// CHECK-NEXT: }

// A destructor may publish too: at the end of its block, or of the if
// whose init declares the object.
void block_end(Node *n, bool c) {
  { std::lock_guard<std::mutex> hold(guard); n->key = 1; }
  n->value = 2;
  if (std::lock_guard<std::mutex> hold(guard); c)
    n->key = 1;
  else
    n->key = 2;
  n->value = 2;
}
// CHECK: void block_end(Node *n, bool c) { stm::detail::safe_point();
// CHECK-NEXT:   { std::lock_guard<std::mutex> hold(guard); stm::wr(n, "{{[^"]*}}")->key = 1; }
// CHECK-NEXT:   stm::wr(n, "{{[^"]*}}")->value = 2;
// CHECK-NEXT:   if (std::lock_guard<std::mutex> hold(guard); c)
// CHECK-NEXT:     stm::wr(n, "{{[^"]*}}")->key = 1;
// CHECK-NEXT:   else
// CHECK-NEXT:     stm::wr(n, "{{[^"]*}}")->key = 2;
// CHECK-NEXT:   stm::wr(n, "{{[^"]*}}")->value = 2;
// CHECK-NEXT: }

// A static local's initialiser runs at the first call only.
long static_init(Node *n) {
  static long first = n->key;
  return first + n->value;
}
// CHECK: long static_init(Node *n) { stm::detail::safe_point();
// CHECK-NEXT:   static long first = stm::rd(n)->key;
// CHECK-NEXT:   return first + stm::rd(n)->value;
// CHECK-NEXT: }

// Only what every path gave: a read in one arm is not held after the if; a
// read in both arms is.
long arms(Node *n, bool c) {
  long x = 0;
  if (c)
    x = n->key;
  x += n->value;
  if (c)
    x += n->next->key;
  else
    x -= n->next->value;
  return x + (n->next != nullptr);
}
// CHECK: long arms(Node *n, bool c) {
// CHECK-NEXT:   long x = 0;
// CHECK-NEXT:   if (c)
// CHECK-NEXT:     x = stm::rd(n)->key;
// CHECK-NEXT:   x += stm::rd(n)->value;
// CHECK-NEXT:   if (c)
// CHECK-NEXT:     x += stm::rd(stm::detail::read_again(n)->next)->key;
// CHECK-NEXT:   else
// CHECK-NEXT:     x -= stm::rd(stm::detail::read_again(n)->next)->value;
// CHECK-NEXT:   return x + (stm::detail::read_again(n)->next != nullptr);
// CHECK-NEXT: }

// The right of && and the arms of ?: may not run.
long short_circuit(Node *n, bool c) {
  bool b = c && n->key > 0;
  long y = c ? n->value : 0;
  return b + y + n->key;
}
// CHECK: long short_circuit(Node *n, bool c) {
// CHECK-NEXT:   bool b = c && stm::rd(n)->key > 0;
// CHECK-NEXT:   long y = c ? stm::rd(n)->value : 0;
// CHECK-NEXT:   return b + y + stm::rd(n)->key;
// CHECK-NEXT: }

// A variable assigned in between points to another object; the right side
// of the assignment still reads the one before.
long reassigned(Node *n) {
  long a = n->key;
  n = n->next;
  return a + n->key;
}
// CHECK: long reassigned(Node *n) {
// CHECK-NEXT:   long a = stm::rd(n)->key;
// CHECK-NEXT:   n = stm::detail::read_again(n)->next;
// CHECK-NEXT:   return a + stm::rd(n)->key;
// CHECK-NEXT: }

// Two variables may point to one object, or not: neither gives the other.
long two_pointers(Node *a, Node *b) { return a->key + b->key + a->value; }
// CHECK: long two_pointers(Node *a, Node *b) { return stm::rd(a)->key + stm::rd(b)->key + stm::rd(a)->value; }

// A variable whose address is taken, or that a lambda may change, is never
// known to be unchanged.
void set_to_next(Node **p);
long address_taken(Node *n) { long a = n->key; set_to_next(&n); return a + n->key; }
// CHECK: long address_taken(Node *n) { stm::detail::safe_point(); long a = stm::rd(n)->key; set_to_next(&n); return a + stm::rd(n)->key; }
// Also where a constructor's member initialiser takes it.
Node **address_of(Node *&p);
struct Walker {
  Node **at;
  long seen;
  Walker(Node *n, Node *other) : at(address_of(n)), seen(0) { long a = n->key; *at = other; seen = a + n->key; }
};
// CHECK: Walker(Node *n, Node *other) : at(address_of(n)), seen(0) { long a = stm::rd(n)->key; (stm::detail::inevitable_hook("write to memory outside the managed heap at {{[^"]*}}"), *at = other); seen = a + stm::rd(n)->key; }
long changed_by_lambda(Node *n) {
  auto advance = [&] { n = n->next; };
  long a = n->key;
  advance();
  return a + n->key;
}
// CHECK: long changed_by_lambda(Node *n) { stm::detail::safe_point();
// CHECK-NEXT:   auto advance = [&] { n = stm::rd(n)->next; };
// CHECK-NEXT:   long a = stm::rd(n)->key;
// CHECK-NEXT:   advance();
// CHECK-NEXT:   return a + stm::rd(n)->key;
// CHECK-NEXT: }

// A lambda's body is a function of its own: it holds nothing on entry.
long lambda_body(Node *n) {
  long a = n->key;
  return a + [n] { long b = n->value; return b + n->key; }();
}
// CHECK: long lambda_body(Node *n) { stm::detail::safe_point();
// CHECK-NEXT:   long a = stm::rd(n)->key;
// CHECK-NEXT:   return a + [n] { long b = stm::rd(n)->value; return b + stm::detail::read_again(n)->key; }();
// CHECK-NEXT: }

// A label may be reached from elsewhere.
long after_label(Node *n, int k) {
  long a = n->key;
again:
  a += n->value;
  if (--k > 0)
    goto again;
  return a;
}
// CHECK: long after_label(Node *n, int k) { stm::detail::safe_point();
// CHECK-NEXT:   long a = stm::rd(n)->key;
// CHECK-NEXT: again:
// CHECK-NEXT:   a += stm::rd(n)->value;
// CHECK-NEXT:   if (--k > 0)
// CHECK-NEXT:     goto again;
// CHECK-NEXT:   return a;
// CHECK-NEXT: }

// Loops: a read before the loop is held in every iteration (its safe point
// does not end the attempt); a variable the loop changes is not; the
// condition's reads are held in the body.
long walk(Node *list, Node *n, long k) {
  long total = n->key;
  for (int i = 0; i < k; ++i)
    total += n->value;
  while (list->key < k) {
    total += list->value;
    list = list->next;
  }
  return total + list->value;
}
// CHECK: long walk(Node *list, Node *n, long k) { stm::detail::safe_point();
// CHECK-NEXT:   long total = stm::rd(n)->key;
// CHECK-NEXT:   for (int i = 0; stm::detail::safe_point(), i < k; ++i)
// CHECK-NEXT:     total += stm::detail::read_again(n)->value;
// CHECK-NEXT:   while (stm::detail::safe_point(), stm::rd(list)->key < k) {
// CHECK-NEXT:     total += stm::detail::read_again(list)->value;
// CHECK-NEXT:     list = stm::detail::read_again(list)->next;
// CHECK-NEXT:   }
// CHECK-NEXT:   return total + stm::rd(list)->value;
// CHECK-NEXT: }

// Outside atomic blocks a loop's safe point may publish: a write before the
// loop does not hold in it. In an atomic block's body it does.
void fill(Node *n, int k) {
  n->key = 0;
  for (int i = 0; i < k; ++i)
    n->value += i;
  stm::atomic([&] {
    n->key = 0;
    for (int i = 0; i < k; ++i)
      n->value += i;
  });
}
// CHECK: void fill(Node *n, int k) { stm::detail::safe_point();
// CHECK-NEXT:   stm::wr(n, "{{[^"]*}}")->key = 0;
// CHECK-NEXT:   for (int i = 0; stm::detail::safe_point(), i < k; ++i)
// CHECK-NEXT:     stm::wr(n, "{{[^"]*}}")->value += i;
// CHECK-NEXT:   stm::atomic([&] {
// CHECK-NEXT:     stm::wr(n, "{{[^"]*}}")->key = 0;
// CHECK-NEXT:     for (int i = 0; stm::detail::safe_point_in_block(), i < k; ++i)
// CHECK-NEXT:       stm::detail::write_again(n)->value += i;
// CHECK-NEXT:   }, "{{[^"]*}}");
// CHECK-NEXT: }

// Starting or committing a transaction by hand (the C interface) ends what
// was held.
long by_hand(Node *n) {
  long a = n->key;
  stm_commit_transaction();
  stm_start_transaction();
  return a + n->value;
}
// CHECK: long by_hand(Node *n) { stm::detail::safe_point();
// CHECK-NEXT:   long a = stm::rd(n)->key;
// CHECK-NEXT:   stm_commit_transaction();
// CHECK-NEXT:   stm_start_transaction();
// CHECK-NEXT:   return a + stm::rd(n)->value;
// CHECK-NEXT: }

// In a template, through a pointer of dependent type.
template <class T> long generic(T *p) { return p->key + p->value; }
// CHECK: template <class T> long generic(T *p) { stm::detail::safe_point(); return stm::rd(p)->key + stm::rd(p)->value; }
template <class T> long generic_seq(T *p) { long a = p->key; return a + p->value; }
// CHECK: template <class T> long generic_seq(T *p) { stm::detail::safe_point(); long a = stm::rd(p)->key; return a + stm::detail::read_again(p)->value; }
long use_generic(Node *n) { return generic(n) + generic_seq(n); }

// A loop whose body runs at least once (constant bounds) and that accesses
// an object in its first statements: the barrier goes before the loop. A
// write only where the loop cannot publish: in an atomic block's body.
struct Block : stm::object {
  long words[8] = {};
  long sum() const {
    long s = 0;
    for (int i = 0; i < 8; ++i)
      s += words[i];
    return s;
  }
};
// CHECK:     (void)stm::rd(this); for (int i = 0; i < 8; ++i)
// CHECK-NEXT:       s += stm::detail::read_again(this)->words[i];
long hoisted(Block *b, int k, bool c) {
  long s = 0;
  stm::atomic([&] {
    for (int i = 0; i < 8; ++i)
      b->words[i] += 1;
  });
  for (int i = 0; i < 8; ++i)
    b->words[i] += 1;
  for (int i = 0; i < k; ++i)
    s += b->words[i];
  for (int i = 8; i < 8; ++i)
    s += b->words[i];
  for (int i = 0; i < 8; ++i) {
    if (c)
      continue;
    s += b->words[i];
  }
  if (c)
    for (int i = 0; i < 8; ++i)
      s += b->words[i];
  return s;
}
long moving(Block *b) {
  long s = 0;
  for (int i = 0; i < 8; ++i, b = b + 0)
    s += b->words[i];
  return s;
}
// CHECK: long hoisted(Block *b, int k, bool c) { stm::detail::safe_point();
// CHECK-NEXT:   long s = 0;
// CHECK-NEXT:   stm::atomic([&] {
// CHECK-NEXT:     (void)stm::wr(b, "{{[^"]*}}"); for (int i = 0; i < 8; ++i)
// CHECK-NEXT:       stm::detail::write_again(b)->words[i] += 1;
// CHECK-NEXT:   }, "{{[^"]*}}");
// CHECK-NEXT:   for (int i = 0; i < 8; ++i)
// CHECK-NEXT:     stm::wr(b, "{{[^"]*}}")->words[i] += 1;
// CHECK-NEXT:   for (int i = 0; stm::detail::safe_point(), i < k; ++i)
// CHECK-NEXT:     s += stm::rd(b)->words[i];
// CHECK-NEXT:   for (int i = 8; i < 8; ++i)
// CHECK-NEXT:     s += stm::rd(b)->words[i];
// CHECK-NEXT:   for (int i = 0; i < 8; ++i) {
// CHECK-NEXT:     if (c)
// CHECK-NEXT:       continue;
// CHECK-NEXT:     s += stm::rd(b)->words[i];
// CHECK-NEXT:   }
// CHECK-NEXT:   if (c)
// CHECK-NEXT:     for (int i = 0; i < 8; ++i)
// CHECK-NEXT:       s += stm::rd(b)->words[i];
// CHECK-NEXT:   return s;
// CHECK-NEXT: }
// CHECK-NEXT: long moving(Block *b) { stm::detail::safe_point();
// CHECK-NEXT:   long s = 0;
// CHECK-NEXT:   for (int i = 0; stm::detail::safe_point(), i < 8; ++i, b = b + 0)
// CHECK-NEXT:     s += stm::rd(b)->words[i];
// CHECK-NEXT:   return s;
// CHECK-NEXT: }

// A loop that is another loop's body without braces: the barrier goes
// before it, in braces, once per outer iteration (after the outer loop's
// safe point, in the block of that safe point when it has one there).
void nested_in_block(Block *b, int rounds) {
  stm::atomic([&] {
    for (int r = 0; r < rounds; ++r)
      for (int i = 0; i < 8; ++i)
        b->words[i] += r;
  });
}
long nested(Block *b, int rounds) {
  long s = 0;
  for (int r = 0; r < rounds; ++r, b = b + 0)
    for (int i = 0; i < 8; ++i)
      s += b->words[i];
  while (s < 100)
    for (int i = 0; i < 8; ++i)
      s += b->words[i] + 1;
  for (int r = 0; r < rounds; ++r)
    for (int i = 0; i < 8; ++i) {
      s += b->words[i];
      s += b->words[0];
    }
  for (int r = 0; r < rounds; ++r)
    for (int i = 0; i < 8; ++i)
      for (int j = 0; j < 2; ++j)
        s += b->words[i] + j;
  return s;
}
void spin(Block *b, long &s) {
  for (;;)
    for (int i = 0; i < 8; ++i)
      s += b->words[i];
}
// Outside atomic blocks a write is not moved (the outer loop's safe point
// may publish); nor is a loop in an if arm without braces, nor one a macro
// writes.
#define EVERY_WORD(i) for (int i = 0; i < 8; ++i)
long not_nested(Block *b, int rounds, bool c) {
  long s = 0;
  for (int r = 0; r < rounds; ++r)
    for (int i = 0; i < 8; ++i)
      b->words[i] += r;
  if (c)
    for (int i = 0; i < 8; ++i)
      s += b->words[i];
  for (int r = 0; r < rounds; ++r)
    EVERY_WORD(i) s += b->words[i];
  return s;
}
// CHECK: void nested_in_block(Block *b, int rounds) { stm::detail::safe_point();
// CHECK-NEXT:   stm::atomic([&] {
// CHECK-NEXT:     for (int r = 0; stm::detail::safe_point_in_block(), r < rounds; ++r)
// CHECK-NEXT:       { (void)stm::wr(b, "{{[^"]*}}"); for (int i = 0; i < 8; ++i)
// CHECK-NEXT:         stm::detail::write_again(b)->words[i] += r; }
// CHECK-NEXT:   }, "{{[^"]*}}");
// CHECK-NEXT: }
// CHECK-NEXT: long nested(Block *b, int rounds) { stm::detail::safe_point();
// CHECK-NEXT:   long s = 0;
// CHECK-NEXT:   for (int r = 0; stm::detail::safe_point(), r < rounds; ++r, b = b + 0)
// CHECK-NEXT:     { (void)stm::rd(b); for (int i = 0; i < 8; ++i)
// CHECK-NEXT:       s += stm::detail::read_again(b)->words[i]; }
// CHECK-NEXT:   while (stm::detail::safe_point(), s < 100)
// CHECK-NEXT:     { (void)stm::rd(b); for (int i = 0; i < 8; ++i)
// CHECK-NEXT:       s += stm::detail::read_again(b)->words[i] + 1; }
// CHECK-NEXT:   for (int r = 0; stm::detail::safe_point(), r < rounds; ++r)
// CHECK-NEXT:     { (void)stm::rd(b); for (int i = 0; i < 8; ++i) {
// CHECK-NEXT:       s += stm::detail::read_again(b)->words[i];
// CHECK-NEXT:       s += stm::detail::read_again(b)->words[0];
// CHECK-NEXT:     } }
// CHECK-NEXT:   for (int r = 0; stm::detail::safe_point(), r < rounds; ++r)
// CHECK-NEXT:     for (int i = 0; stm::detail::safe_point(), i < 8; ++i)
// CHECK-NEXT:       { (void)stm::rd(b); for (int j = 0; j < 2; ++j)
// CHECK-NEXT:         s += stm::detail::read_again(b)->words[i] + j; }
// CHECK-NEXT:   return s;
// CHECK-NEXT: }
// CHECK-NEXT: void spin(Block *b, long &s) { stm::detail::safe_point();
// CHECK-NEXT:   for (;;)
// CHECK-NEXT:     { stm::detail::safe_point(); { (void)stm::rd(b); for (int i = 0; i < 8; ++i)
// CHECK-NEXT:       (stm::detail::inevitable_hook("{{[^"]*}}"), s += stm::detail::read_again(b)->words[i]); } }
// CHECK-NEXT: }
// CHECK: long not_nested(Block *b, int rounds, bool c) { stm::detail::safe_point();
// CHECK-NEXT:   long s = 0;
// CHECK-NEXT:   for (int r = 0; stm::detail::safe_point(), r < rounds; ++r)
// CHECK-NEXT:     for (int i = 0; i < 8; ++i)
// CHECK-NEXT:       stm::wr(b, "{{[^"]*}}")->words[i] += r;
// CHECK-NEXT:   if (c)
// CHECK-NEXT:     for (int i = 0; i < 8; ++i)
// CHECK-NEXT:       s += stm::rd(b)->words[i];
// CHECK-NEXT:   for (int r = 0; stm::detail::safe_point(), r < rounds; ++r)
// CHECK-NEXT:     EVERY_WORD(i) s += stm::rd(b)->words[i];
// CHECK-NEXT:   return s;
// CHECK-NEXT: }

// Found by review: what else may publish, or change a variable, or jump.
#include <functional>
void sync_point();
struct Steps {
  struct It {
    int i;
    bool operator!=(const It &o) const { return i != o.i; }
    It &operator++() { sync_point(); ++i; return *this; }
    int operator*() const { return i; }
  };
  It begin() const { return {0}; }
  It end() const { return {3}; }
};
void reviewed(Node *n, const std::function<void()> &g, bool c) {
  stm::atomic([&] {
    n->key += 1;
    for (int i : Steps{})
      n->value += i;
  });
  n->key = 1;
  g();
  n->value = 2;
  n->key = 3;
  std::invoke(&sync_point);
  n->value = 4;
  n->key = 5;
  static long first = n->key;
  n->value = first;
  Node *p = n;
  auto swap_to = [&q = p, c] { if (c) q = nullptr; };
  p->key = 6;
  swap_to();
  p->value = 7;
  long k = __builtin_constant_p(n->key);
  n->value += k;
}
// CHECK: void reviewed(Node *n, const std::function<void()> &g, bool c) { stm::detail::safe_point();
// CHECK-NEXT:   stm::atomic([&] {
// CHECK-NEXT:     stm::wr(n, "{{[^"]*}}")->key += 1;
// CHECK-NEXT:     for (int i : Steps{})
// CHECK-NEXT:       { stm::detail::safe_point_in_block(); stm::wr(n, "{{[^"]*}}")->value += i; }
// CHECK-NEXT:   }, "{{[^"]*}}");
// CHECK-NEXT:   stm::wr(n, "{{[^"]*}}")->key = 1;
// CHECK-NEXT:   (stm::detail::inevitable_hook("{{[^"]*}}"), g());
// CHECK-NEXT:   stm::wr(n, "{{[^"]*}}")->value = 2;
// CHECK-NEXT:   stm::detail::write_again(n)->key = 3;
// CHECK-NEXT:   (stm::detail::inevitable_hook("{{[^"]*}}"), std::invoke(&sync_point));
// CHECK-NEXT:   stm::wr(n, "{{[^"]*}}")->value = 4;
// CHECK-NEXT:   stm::detail::write_again(n)->key = 5;
// CHECK-NEXT:   static long first = stm::detail::read_again(n)->key;
// CHECK-NEXT:   stm::wr(n, "{{[^"]*}}")->value = first;
// CHECK-NEXT:   Node *p = n;
// CHECK-NEXT:   auto swap_to = [&q = p, c] { if (c) (stm::detail::inevitable_hook("{{[^"]*}}"), q = nullptr); };
// CHECK-NEXT:   stm::wr(p, "{{[^"]*}}")->key = 6;
// CHECK-NEXT:   swap_to();
// CHECK-NEXT:   stm::wr(p, "{{[^"]*}}")->value = 7;
// CHECK-NEXT:   long k = __builtin_constant_p(stm::detail::read_again(n)->key);
// CHECK-NEXT:   stm::wr(n, "{{[^"]*}}")->value += k;
// CHECK-NEXT: }

// A lambda that calls itself and moves a pointer it captured.
long recursive(Node *p) {
  long t = 0;
  auto visit = [&](auto &self, int k) -> void {
    long x = p->key;
    if (k > 0)
      self(self, k - 1);
    t += x + p->value;
    p = p->next;
  };
  visit(visit, 2);
  return t;
}
// CHECK:     long x = stm::rd(p)->key;
// CHECK-NEXT:     if (k > 0)
// CHECK-NEXT:       self(self, k - 1);
// CHECK-NEXT:     (stm::detail::inevitable_hook("{{[^"]*}}"), t += x + stm::rd(p)->value);
// CHECK-NEXT:     (stm::detail::inevitable_hook("{{[^"]*}}"), p = stm::rd(p)->next);

// A goto may enter a loop past what ran before it: the function is left as
// it is.
long jumps(Node *a, bool c) {
  long x = 0;
  int i = 0;
  if (c)
    goto inside;
  x = a->key;
  while (i < 1) {
  inside:
    ++i;
  }
  return x + a->value;
}
// CHECK:   x = stm::rd(a)->key;
// CHECK:   return x + stm::rd(a)->value;

// A loop whose bound converts the counter (-1 < 4u is false), or whose
// first statement may stop before its access, gets no barrier before it.
void require(bool ok);
#pragma clang diagnostic ignored "-Wsign-compare"
long not_hoisted(Node *p) {
  long total = 0;
  for (int i = -1; i < 4u; ++i)
    total += p->value;
  for (int i = 0; i < 4; ++i) {
    require(p != nullptr);
    total += p->key;
  }
  return total;
}
// CHECK:   for (int i = -1; i < 4u; ++i)
// CHECK-NEXT:     total += stm::rd(p)->value;
// CHECK-NEXT:   for (int i = 0; stm::detail::safe_point(), i < 4; ++i) {
// CHECK-NEXT:     require(p != nullptr);
// CHECK-NEXT:     total += stm::rd(p)->key;
