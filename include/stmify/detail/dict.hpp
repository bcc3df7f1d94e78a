// stm::dict<K, V> and stm::set<K>, hash tables with the interface of
// std::unordered_map and std::unordered_set that a managed class may hold as a
// field, and stm::iddict and stm::idset, keyed by the identity of managed
// objects. Under the plugin a table is a hash trie of managed objects, shaped
// so that transactions that work on different keys do not conflict: each key
// has an entry object of its own (its value is written there), and keys are
// added to small leaves (one of 16 children per level of the key's hash), so
// that only keys in the same leaf share an object that an insertion writes.
// In the fallback the representation is the standard container.
#ifndef STMIFY_DETAIL_DICT_HPP
#define STMIFY_DETAIL_DICT_HPP

#ifndef STMIFY_STM_HPP
#error "include <stmify/stm.hpp>, not this file"
#endif

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace stm {

namespace detail {

// What a table may hold, as keys and as values: what a vector may hold.
template <class T>
inline constexpr bool storable_v =
    std::is_same_v<T, string> ||
    (std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T> && !is_managed_v<T> &&
     !std::is_const_v<T> && !std::is_volatile_v<T>);

// The hash of stm::iddict and stm::idset: the object's identity (stm::hash).
template <class K> struct identity_hash {
  static_assert(std::is_pointer_v<K> && is_managed_v<std::remove_cv_t<std::remove_pointer_t<K>>>,
                "stm::iddict and stm::idset: the key must be a pointer to a managed object");
  std::size_t operator()(K key) const noexcept { return key ? stm::hash(key) : 0; }
};

// A set's entries carry no value.
struct no_value {
  friend bool operator==(no_value, no_value) noexcept { return true; }
};

#if defined(__STMIFY__)

// A reference to a managed object is compared and hashed in its canonical
// form: `this` inside a method is the same object as the pointer stored.
template <class K> K canonical_key(K key) noexcept {
  if constexpr (std::is_pointer_v<K>)
    if constexpr (is_managed_v<std::remove_cv_t<std::remove_pointer_t<K>>>)
      return canon(key);
  return key;
}

// The trie: 16 children per level, 4 bits of the hash each; a leaf with more
// than kLeafEntries entries splits (or, when most are erased, is rebuilt).
inline constexpr unsigned kTrieBits = 4;
inline constexpr unsigned kTrieFanout = 1u << kTrieBits;
inline constexpr unsigned kTrieLevels = 64 / kTrieBits; // a leaf this deep never splits
inline constexpr std::uint32_t kLeafEntries = 8;

// The bits that choose the children: std::hash of an integer is the integer.
inline std::size_t spread_hash(std::size_t h) noexcept {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}
inline unsigned trie_child(std::size_t hash, unsigned depth) noexcept {
  return static_cast<unsigned>(hash >> (depth * kTrieBits)) & (kTrieFanout - 1);
}

// Whether KeyEqual compares two K with the library's code only: then a walk
// through the trie may compare keys as it goes (no safe point lies between).
template <class K, class KeyEqual>
inline constexpr bool library_equality_v =
    (std::is_same_v<KeyEqual, std::equal_to<K>> || std::is_same_v<KeyEqual, std::equal_to<>>) &&
    compared_by_library_v<K>;

// What the program's KeyEqual answered for the entries that have the hash of
// the key looked up (an entry's key never changes), and the entries it is
// still to be asked about. Few: only keys whose hashes are equal. The first
// ones are on the stack, the others in malloc'd memory: both are scanned by
// the collector, so an entry asked about is not freed and made again.
template <class Entry> class key_answers {
public:
  enum answer : signed char { unasked, different, same };

  // The answer for e, if it was asked; else e is to be asked.
  answer ask(Entry *e) {
    for (std::size_t i = 0; i < size_; ++i)
      if (at(i).first == e)
        return at(i).second;
    if (size_ < kInline)
      inline_[size_] = {e, unasked};
    else
      more_.emplace_back(e, unasked);
    ++size_;
    return unasked;
  }
  // Asks `equal` about every entry still to be asked; whether there was one.
  template <class Equal> bool answer_all(Equal &&equal) {
    bool asked = false;
    for (std::size_t i = 0; i < size_; ++i)
      if (at(i).second == unasked) {
        at(i).second = equal(at(i).first) ? same : different;
        asked = true;
      }
    return asked;
  }

private:
  static constexpr std::size_t kInline = 4;
  std::pair<Entry *, answer> &at(std::size_t i) noexcept {
    return i < kInline ? inline_[i] : more_[i - kInline];
  }

  std::pair<Entry *, answer> inline_[kInline];
  std::size_t size_ = 0;
  std::vector<std::pair<Entry *, answer>> more_;
};
// A lookup that compares with the library's code asks nothing.
struct no_key_answers {};

// One key. Its key, hash and `next` never change once it is in a leaf (they
// are read without a read marker); `present` and the value are read and
// written through barriers. An erased key leaves its entry, not present, in
// the leaf until the leaf is rebuilt.
template <class K, class V> struct trie_entry final : object {
  trie_entry(K key, std::size_t key_hash) noexcept : item(key, V()), hash(key_hash) {}

  std::pair<const K, V> item;
  std::size_t hash;
  trie_entry *next = nullptr; // canonical
  bool present = false;

  using __stmify_traced_type = trie_entry;
  static void __stmify_trace(const void *obj, stm_visit_fn visit, void *ctx) noexcept {
    const auto *self = static_cast<const trie_entry *>(obj);
    trace_value(self->item.first, visit, ctx);
    trace_value(self->item.second, visit, ctx);
    visit(ctx, self->next);
  }
};

template <class K, class V> struct trie_node;

// The children of a node that split: never changes.
template <class K, class V> struct trie_table final : object {
  trie_node<K, V> *kids[kTrieFanout] = {}; // canonical

  using __stmify_traced_type = trie_table;
  static void __stmify_trace(const void *obj, stm_visit_fn visit, void *ctx) noexcept {
    for (const trie_node<K, V> *kid : static_cast<const trie_table *>(obj)->kids)
      visit(ctx, kid);
  }
};

// A leaf (a chain of entries, newest first) until it splits; then the
// parent of a table, for good.
template <class K, class V> struct trie_node final : object {
  trie_entry<K, V> *chain = nullptr; // canonical
  trie_table<K, V> *table = nullptr; // canonical; set once
  std::uint32_t live = 0;            // entries present in the chain
  std::uint32_t length = 0;          // entries in the chain

  using __stmify_traced_type = trie_node;
  static void __stmify_trace(const void *obj, stm_visit_fn visit, void *ctx) noexcept {
    const auto *self = static_cast<const trie_node *>(obj);
    visit(ctx, self->chain);
    visit(ctx, self->table);
  }
};

// One canonical reference to the root node, made with the table and never
// replaced. Its functions take keys and values by copy: one may be a field
// in the segment an allocation moves the thread out of (outside atomic
// blocks), and they look a key up again after every allocation. Hash and,
// unless it is the library's, KeyEqual are the program's code, which may
// reach a safe point and there move the thread to another segment, or
// import other transactions' commits into this one: the root is read before
// the hash is computed, and the program compares copies of keys between
// walks through the trie, never during one (see locate).
template <class K, class V, class Hash, class KeyEqual> class trie_rep {
public:
  using entry = trie_entry<K, V>;
  using node = trie_node<K, V>;
  using table = trie_table<K, V>;
  using value_type = V;
  using answers =
      std::conditional_t<library_equality_v<K, KeyEqual>, no_key_answers, key_answers<entry>>;

  trie_rep() noexcept = default; // no root: an iterator's
  static trie_rep make() { return trie_rep(make_object<node>()); }
  bool same_as(const trie_rep &other) const noexcept { return root_ == other.root_; }

  // The entry of a present key, or null. A key found is read through its
  // entry only: a transaction that adds another key to the same leaf does
  // not conflict with this one. A key not found reads its leaf.
  entry *find(K key) const {
    node *const root = root_;
    key = canonical_key(key);
    answers asked;
    const place at = locate(root, key, hash_of(key), asked);
    if (!at.found) {
      (void)rd(at.leaf);
      return nullptr;
    }
    return rd(at.found)->present ? at.found : nullptr;
  }

  // Adds the key with the value, or, if present, replaces its value when
  // `replace` says so. The entry, and whether it was added.
  std::pair<entry *, bool> insert(K key, V value, bool replace) {
    node *const root = root_;
    key = canonical_key(key);
    const std::size_t hash = hash_of(key);
    answers asked;
    entry *made = nullptr;
    for (;;) {
      const place at = locate(root, key, hash, asked);
      if (at.found) {
        entry *e = rd(at.found)->present && !replace ? at.found : nullptr;
        if (e)
          return {e, false};
        entry *local = wr(at.found);
        local->item.second = value;
        if (local->present)
          return {at.found, false};
        local->present = true;
        ++wr(at.leaf)->live;
        return {at.found, true};
      }
      if (!made) { // the allocation may leave the thread in another segment
        made = make_object<entry>(key, hash);
        continue;
      }
      entry *fresh = wr(made);
      fresh->item.second = value;
      fresh->present = true;
      node *leaf = wr(at.leaf);
      fresh->next = leaf->chain;
      leaf->chain = made;
      ++leaf->live;
      if (++leaf->length <= kLeafEntries)
        return {made, true};
      reshape(at.leaf, at.depth);
      return {locate(root, key, hash, asked).found, true}; // the entry may have moved
    }
  }

  // Removes the key; whether it was present.
  bool erase(K key) {
    node *const root = root_;
    key = canonical_key(key);
    answers asked;
    const place at = locate(root, key, hash_of(key), asked);
    if (!at.found) {
      (void)rd(at.leaf);
      return false;
    }
    if (!rd(at.found)->present)
      return false;
    forget(at.found);
    --wr(at.leaf)->live;
    return true;
  }

  // Empties the table. The entries are left as they are, out of reach: a
  // transaction that found one before and writes it after is as one that
  // ran before this one.
  void clear() noexcept {
    node *root = wr(root_);
    root->chain = nullptr;
    root->table = nullptr;
    root->live = root->length = 0;
  }

  // The present entries, in the trie's order. Reads every node and entry.
  template <class F> void for_each(F &&f) const { walk(root_, f); }
  std::size_t size() const noexcept {
    std::size_t n = 0;
    count(root_, n);
    return n;
  }

  // This table gets the other's items instead of its own (assignment).
  void copy(const trie_rep &other) {
    if (same_as(other))
      return;
    std::vector<std::pair<K, V>> items;
    other.for_each([&](entry *e) {
      const entry *local = rd(e);
      items.emplace_back(local->item.first, local->item.second);
    });
    trie_rep self = *this; // read first: the insertions allocate
    self.clear();
    for (const auto &[key, value] : items)
      self.insert(key, value, false);
  }
  // This table gets the other's items, and the other none (move).
  void take(trie_rep &other) noexcept {
    if (same_as(other))
      return;
    clear();
    swap(other);
  }

  // This table gets the other's keys and the other this one's.
  void swap(trie_rep &other) noexcept {
    if (same_as(other))
      return;
    node *mine = wr(root_), *theirs = wr(other.root_);
    std::swap(mine->chain, theirs->chain);
    std::swap(mine->table, theirs->table);
    std::swap(mine->live, theirs->live);
    std::swap(mine->length, theirs->length);
  }

  using __stmify_traced_type = trie_rep;
  static void __stmify_trace(const void *self, stm_visit_fn visit, void *ctx) noexcept {
    visit(ctx, static_cast<const trie_rep *>(self)->root_);
  }

private:
  explicit trie_rep(node *root) noexcept : root_(root) {}

  struct place {
    entry *found;   // the key's entry (present or not), or null
    node *leaf;     // the leaf it is in, or would be added to
    unsigned depth; // of the leaf
  };

  static std::size_t hash_of(const K &key) { return spread_hash(Hash{}(key)); }

  // Where the key is. Nodes, tables and chains are walked without read
  // markers: what decides is read through barriers after. A walk holds
  // addresses in the thread's segment, and the route it follows is the
  // one view's, so the program's KeyEqual does not run during one: the walk
  // notes the entries with the key's hash that it has no answer for, they
  // are compared after it (copies of their keys, in the segment the thread
  // is in then), and the trie is walked again until a walk meets only
  // entries already compared. The answers outlive the call (the caller's),
  // for the walks after an allocation.
  place locate(node *root, const K &key, std::size_t hash, answers &asked) const {
    if constexpr (library_equality_v<K, KeyEqual>) {
      (void)asked;
      return walk_to(root, hash, [&](entry *, const entry *local) {
        return KeyEqual{}(local->item.first, key);
      });
    } else {
      for (;;) {
        const place at = walk_to(root, hash, [&](entry *e, const entry *) {
          return asked.ask(e) == key_answers<entry>::same;
        });
        if (at.found || !asked.answer_all([&](entry *e) {
              const K other = loc(e)->item.first;
              return KeyEqual{}(other, key);
            }))
          return at;
      }
    }
  }
  // The entry with the key's hash for which `same` holds, and its leaf.
  template <class Same> static place walk_to(node *at, std::size_t hash, Same &&same) {
    for (unsigned depth = 0;; ++depth) {
      const node *n = loc(at);
      if (n->table) {
        at = loc(n->table)->kids[trie_child(hash, depth)];
        continue;
      }
      for (entry *e = n->chain; e;) {
        const entry *local = loc(e);
        if (local->hash == hash && same(e, local))
          return {e, at, depth};
        e = local->next;
      }
      return {nullptr, at, depth};
    }
  }

  // Not present any more, its value cleared (nothing it referred to is kept
  // alive by it).
  static void forget(entry *e) noexcept {
    entry *local = wr(e);
    local->present = false;
    std::memset(static_cast<void *>(std::addressof(local->item.second)), 0, sizeof(V));
  }

  // A leaf grown past kLeafEntries: split into a table of 16 leaves, or,
  // when at most half its entries are present, rebuilt with the present
  // ones (as deep as the hash goes, only that). The present entries are
  // copied and the old ones forgotten (written): a transaction that found
  // one before conflicts with this one. Everything is allocated first, a
  // copy for every entry of the chain, in its order; if the leaf changed
  // meanwhile (the thread moved to another segment), it is left for a
  // later insertion.
  void reshape(node *leaf, unsigned depth) {
    const node *before = loc(leaf);
    entry *const head = before->chain;
    const bool mostly_present = before->live * 2 > before->length;
    const bool split = mostly_present && depth + 1 < kTrieLevels;
    if (mostly_present && !split)
      return;
    std::vector<entry *> copies;
    copies.reserve(before->length);
    table *kids = split ? make_object<table>() : nullptr;
    if (split)
      for (unsigned i = 0; i < kTrieFanout; ++i) {
        node *kid = make_object<node>();
        wr(kids)->kids[i] = kid;
      }
    for (entry *e = head; e; e = loc(e)->next) {
      const K key = loc(e)->item.first;
      copies.push_back(make_object<entry>(key, loc(e)->hash));
    }
    const node *now = loc(leaf);
    if (now->chain != head || now->table)
      return;
    entry *chain = nullptr;
    std::uint32_t live = 0;
    std::size_t at = 0;
    for (entry *e = head; e; e = loc(e)->next, ++at) {
      if (!rd(e)->present)
        continue;
      entry *copy = copies[at];
      entry *local = wr(copy);
      local->item.second = rd(e)->item.second;
      local->present = true;
      forget(e);
      ++live;
      if (split) {
        node *kid = wr(loc(kids)->kids[trie_child(local->hash, depth)]);
        local->next = kid->chain;
        kid->chain = copy;
        ++kid->live;
        ++kid->length;
      } else {
        local->next = chain;
        chain = copy;
      }
    }
    node *changed = wr(leaf);
    changed->chain = chain;
    changed->table = kids;
    changed->live = changed->length = split ? 0 : live;
  }

  template <class F> static void walk(node *at, F &f) {
    const node *n = rd(at);
    if (n->table) {
      const table *kids = loc(n->table);
      for (node *kid : kids->kids)
        walk(kid, f);
      return;
    }
    for (entry *e = n->chain; e; e = loc(e)->next)
      if (rd(e)->present)
        f(e);
  }
  static void count(node *at, std::size_t &n) noexcept {
    const node *local = rd(at);
    if (!local->table) {
      n += local->live;
      return;
    }
    for (node *kid : loc(local->table)->kids)
      count(kid, n);
  }

  node *root_ = nullptr; // canonical
};

// An iterator of a table: the present entries as they were when the
// iteration began (a snapshot: a list of entries, kept alive by the list,
// in memory the collector scans), and a position in it; or, from find, one
// entry, which becomes a position in a snapshot when the iterator advances.
// Dereferenced, it reads its entry through a barrier, in the segment the
// thread is in then; a mutable iterator backs the entry up for writing.
template <class Rep, class Item, bool Const> class trie_iterator {
  using entry = typename Rep::entry;
  using snapshot = std::vector<entry *>;

public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = std::remove_const_t<Item>;
  using difference_type = std::ptrdiff_t;
  using pointer = std::conditional_t<Const, const Item *, Item *>;
  using reference = std::conditional_t<Const, const Item &, Item &>;

  trie_iterator() noexcept = default;
  // The first entry of the table.
  explicit trie_iterator(const Rep &items) : items_(items) {
    auto list = std::make_shared<snapshot>();
    items.for_each([&](entry *e) { list->push_back(e); });
    list_ = std::move(list);
    current_ = list_->empty() ? nullptr : list_->front();
  }
  // One entry (null: the end).
  trie_iterator(const Rep &items, entry *at) noexcept : items_(items), current_(at) {}
  template <bool C = Const, std::enable_if_t<C, int> = 0>
  trie_iterator(const trie_iterator<Rep, Item, false> &other) noexcept
      : items_(other.items_), list_(other.list_), at_(other.at_), current_(other.current_) {}

  reference operator*() const noexcept { return *operator->(); }
  pointer operator->() const noexcept {
    if constexpr (Const)
      return item_of(rd(current_));
    else
      return item_of(wr(current_));
  }

  trie_iterator &operator++() {
    if (!list_) {
      trie_iterator from_start(items_);
      list_ = from_start.list_;
      at_ = 0;
      while (at_ < list_->size() && (*list_)[at_] != current_)
        ++at_;
    }
    ++at_;
    current_ = at_ < list_->size() ? (*list_)[at_] : nullptr;
    return *this;
  }
  trie_iterator operator++(int) {
    trie_iterator before = *this;
    ++*this;
    return before;
  }

  friend bool operator==(const trie_iterator &a, const trie_iterator &b) noexcept {
    return a.current_ == b.current_;
  }
  friend bool operator!=(const trie_iterator &a, const trie_iterator &b) noexcept {
    return a.current_ != b.current_;
  }

  // The same position, through an iterator that can write (the table's
  // erase takes a constant one and returns the next).
  trie_iterator<Rep, Item, false> writable() const noexcept {
    trie_iterator<Rep, Item, false> it(items_, current_);
    it.list_ = list_;
    it.at_ = at_;
    return it;
  }

private:
  template <class, class, bool> friend class trie_iterator;

  template <class E> static auto item_of(E *e) noexcept {
    if constexpr (std::is_same_v<typename Rep::value_type, no_value>)
      return &e->item.first;
    else
      return &e->item;
  }

  Rep items_{};
  std::shared_ptr<const snapshot> list_;
  std::size_t at_ = 0;
  entry *current_ = nullptr;
};

#endif // __STMIFY__

} // namespace detail

#if defined(__STMIFY__)

// A hash map. Keys and values may be numbers, trivially copyable structs,
// pointers to managed objects and stm::string; keys need std::hash (or Hash)
// and == (or KeyEqual). Which operations conflict with which: see the user
// guide ("Dictionaries and sets"). A table may be a field, in the segment
// the thread is in when a method begins: the methods that allocate copy
// the representation first (`rep items = rep_`) and use only the copy.
template <class K, class V, class Hash = std::hash<K>, class KeyEqual = std::equal_to<K>>
class dict {
  static_assert(detail::storable_v<K> && detail::storable_v<V>,
                "stm::dict<K, V>: K and V must be numbers, trivially copyable structs, "
                "pointers to managed objects or stm::string");
  static_assert(std::is_default_constructible_v<V>,
                "stm::dict<K, V>: V must be default-constructible");
  using rep = detail::trie_rep<K, V, Hash, KeyEqual>;
  using entry = typename rep::entry;

public:
  using key_type = K;
  using mapped_type = V;
  using value_type = std::pair<const K, V>;
  using size_type = std::size_t;
  using difference_type = std::ptrdiff_t;
  using hasher = Hash;
  using key_equal = KeyEqual;
  using reference = value_type &;
  using const_reference = const value_type &;
  using iterator = detail::trie_iterator<rep, value_type, false>;
  using const_iterator = detail::trie_iterator<rep, value_type, true>;

  dict() : rep_(rep::make()) {}
  template <class Iterator> dict(Iterator first, Iterator last) : dict() { insert(first, last); }
  dict(std::initializer_list<value_type> items) : dict(items.begin(), items.end()) {}
  dict(const dict &other) : dict() { insert(other.begin(), other.end()); }
  dict(dict &&other) : dict() { rep_.swap(other.rep_); }

  // Assignment copies the items: the table stays the one it was.
  dict &operator=(const dict &other) {
    rep_.copy(other.rep_);
    return *this;
  }
  dict &operator=(dict &&other) noexcept {
    rep_.take(other.rep_);
    return *this;
  }

  size_type size() const noexcept { return rep_.size(); }
  bool empty() const noexcept { return size() == 0; }
  size_type max_size() const noexcept { return std::size_t(PTRDIFF_MAX) / sizeof(entry); }
  void reserve(size_type) noexcept {} // the trie grows by splitting leaves
  hasher hash_function() const { return Hash(); }
  key_equal key_eq() const { return KeyEqual(); }

  iterator begin() { return iterator(rep_); }
  iterator end() noexcept { return iterator(rep_, nullptr); }
  const_iterator begin() const { return const_iterator(rep_); }
  const_iterator end() const noexcept { return const_iterator(rep_, nullptr); }
  const_iterator cbegin() const { return begin(); }
  const_iterator cend() const noexcept { return end(); }

  iterator find(K key) {
    const rep items = rep_;
    return iterator(items, items.find(key));
  }
  const_iterator find(K key) const {
    const rep items = rep_;
    return const_iterator(items, items.find(key));
  }
  size_type count(K key) const { return rep_.find(key) ? 1 : 0; }
  bool contains(K key) const { return rep_.find(key) != nullptr; }
  std::pair<iterator, iterator> equal_range(K key) { return one_item(find(key)); }
  std::pair<const_iterator, const_iterator> equal_range(K key) const { return one_item(find(key)); }

  // The value of the key, added (value-initialised) if absent; backed up for
  // writing. To only read, use at() on a const table, find or get.
  V &operator[](K key) {
    rep items = rep_;
    return wr(items.insert(key, V(), false).first)->item.second;
  }
  V &at(K key) { return wr(checked(key))->item.second; }
  const V &at(K key) const { return rd(checked(key))->item.second; }
  // The key's value, or fallback if absent (a copy: no reference into the
  // segment).
  V get(K key, V fallback = V()) const {
    entry *e = rep_.find(key);
    return e ? rd(e)->item.second : fallback;
  }

  std::pair<iterator, bool> insert(const value_type &item) {
    rep items = rep_;
    return added(items, items.insert(item.first, item.second, false));
  }
  template <class Iterator> void insert(Iterator first, Iterator last) {
    rep items = rep_;
    for (; first != last; ++first) {
      const value_type item = *first;
      items.insert(item.first, item.second, false);
    }
  }
  void insert(std::initializer_list<value_type> items) { insert(items.begin(), items.end()); }
  std::pair<iterator, bool> insert_or_assign(K key, V value) {
    rep items = rep_;
    return added(items, items.insert(key, value, true));
  }
  template <class... Args> std::pair<iterator, bool> emplace(Args &&...args) {
    return insert(value_type(std::forward<Args>(args)...));
  }
  // The hinted forms: a trie has no use for the hint.
  iterator insert(const_iterator, const value_type &item) { return insert(item).first; }
  template <class... Args> iterator emplace_hint(const_iterator, Args &&...args) {
    return emplace(std::forward<Args>(args)...).first;
  }
  template <class... Args> iterator try_emplace(const_iterator, K key, Args &&...args) {
    return try_emplace(key, std::forward<Args>(args)...).first;
  }
  iterator insert_or_assign(const_iterator, K key, V value) {
    return insert_or_assign(key, value).first;
  }
  template <class... Args> std::pair<iterator, bool> try_emplace(K key, Args &&...args) {
    rep items = rep_;
    // Made first: an argument may be a field, and the lookup runs the
    // program's hash, which may move the thread to another segment.
    const V value(std::forward<Args>(args)...);
    if (entry *e = items.find(key))
      return {iterator(items, e), false};
    return added(items, items.insert(key, value, false));
  }

  size_type erase(K key) { return rep_.erase(key) ? 1 : 0; }
  iterator erase(const_iterator position) {
    iterator next = position.writable();
    ++next;
    rep_.erase(position->first);
    return next;
  }
  iterator erase(const_iterator first, const_iterator last) {
    rep items = rep_;
    while (first != last) {
      const K key = first->first;
      ++first;
      items.erase(key);
    }
    return first.writable();
  }
  void clear() noexcept { rep_.clear(); }
  void swap(dict &other) noexcept { rep_.swap(other.rep_); }
  friend void swap(dict &a, dict &b) noexcept { a.swap(b); }

  // As std::unordered_map's: each key found (KeyEqual) in the other table,
  // with a key and a value that == finds equal. Keys and values are
  // compared as copies, read when the comparison reaches them: the
  // program's hash and == may move the thread to another segment (outside
  // atomic blocks), where an address read before is not the item's any
  // more.
  friend bool operator==(const dict &a, const dict &b) {
    const rep mine = a.rep_, theirs = b.rep_;
    if (mine.size() != theirs.size())
      return false;
    for (const_iterator it(mine), end(mine, nullptr); it != end; ++it) {
      const K key = it->first;
      const V value = it->second;
      entry *e = theirs.find(key);
      if (!e)
        return false;
      const K other_key = rd(e)->item.first;
      const V other = rd(e)->item.second;
      if (!(key == other_key) || !(value == other))
        return false;
    }
    return true;
  }
  friend bool operator!=(const dict &a, const dict &b) { return !(a == b); }

  using __stmify_traced_type = dict;
  static void __stmify_trace(const void *self, stm_visit_fn visit, void *ctx) noexcept {
    rep::__stmify_trace(&static_cast<const dict *>(self)->rep_, visit, ctx);
  }

private:
  // [it, the next one): the items of one key.
  template <class Iterator> static std::pair<Iterator, Iterator> one_item(Iterator it) {
    Iterator next = it;
    if (it != Iterator())
      ++next;
    return {it, next};
  }
  entry *checked(K key) const {
    entry *e = rep_.find(key);
    if (!e)
      throw std::out_of_range("stm::dict::at: no such key");
    return e;
  }
  static std::pair<iterator, bool> added(const rep &items, std::pair<entry *, bool> result) {
    return {iterator(items, result.first), result.second};
  }

  rep rep_;
};

// A hash set, of the keys a dict may have.
template <class K, class Hash = std::hash<K>, class KeyEqual = std::equal_to<K>> class set {
  static_assert(detail::storable_v<K>,
                "stm::set<K>: K must be a number, a trivially copyable struct, a pointer to a "
                "managed object or stm::string");
  using rep = detail::trie_rep<K, detail::no_value, Hash, KeyEqual>;

public:
  using key_type = K;
  using value_type = K;
  using size_type = std::size_t;
  using difference_type = std::ptrdiff_t;
  using hasher = Hash;
  using key_equal = KeyEqual;
  using reference = const K &;
  using const_reference = const K &;
  using iterator = detail::trie_iterator<rep, const K, true>;
  using const_iterator = iterator;

  set() : rep_(rep::make()) {}
  template <class Iterator> set(Iterator first, Iterator last) : set() { insert(first, last); }
  set(std::initializer_list<K> keys) : set(keys.begin(), keys.end()) {}
  set(const set &other) : set() { insert(other.begin(), other.end()); }
  set(set &&other) : set() { rep_.swap(other.rep_); }
  set &operator=(const set &other) {
    rep_.copy(other.rep_);
    return *this;
  }
  set &operator=(set &&other) noexcept {
    rep_.take(other.rep_);
    return *this;
  }

  size_type size() const noexcept { return rep_.size(); }
  bool empty() const noexcept { return size() == 0; }
  size_type max_size() const noexcept {
    return std::size_t(PTRDIFF_MAX) / sizeof(typename rep::entry);
  }
  void reserve(size_type) noexcept {} // the trie grows by splitting leaves
  hasher hash_function() const { return Hash(); }
  key_equal key_eq() const { return KeyEqual(); }
  iterator begin() const { return iterator(rep_); }
  iterator end() const noexcept { return iterator(rep_, nullptr); }
  iterator cbegin() const { return begin(); }
  iterator cend() const noexcept { return end(); }

  iterator find(K key) const {
    const rep keys = rep_;
    return iterator(keys, keys.find(key));
  }
  size_type count(K key) const { return rep_.find(key) ? 1 : 0; }
  bool contains(K key) const { return rep_.find(key) != nullptr; }
  std::pair<iterator, iterator> equal_range(K key) const {
    iterator it = find(key), next = it;
    if (it != iterator())
      ++next;
    return {it, next};
  }

  std::pair<iterator, bool> insert(K key) {
    rep keys = rep_;
    const auto result = keys.insert(key, detail::no_value(), false);
    return {iterator(keys, result.first), result.second};
  }
  template <class Iterator> void insert(Iterator first, Iterator last) {
    rep keys = rep_;
    for (; first != last; ++first)
      keys.insert(*first, detail::no_value(), false);
  }
  void insert(std::initializer_list<K> keys) { insert(keys.begin(), keys.end()); }
  template <class... Args> std::pair<iterator, bool> emplace(Args &&...args) {
    return insert(K(std::forward<Args>(args)...));
  }
  // The hinted forms: a trie has no use for the hint.
  iterator insert(const_iterator, K key) { return insert(key).first; }
  template <class... Args> iterator emplace_hint(const_iterator, Args &&...args) {
    return emplace(std::forward<Args>(args)...).first;
  }

  size_type erase(K key) { return rep_.erase(key) ? 1 : 0; }
  iterator erase(const_iterator position) {
    iterator next = position;
    ++next;
    rep_.erase(*position);
    return next;
  }
  iterator erase(const_iterator first, const_iterator last) {
    rep keys = rep_;
    while (first != last) {
      const K key = *first;
      ++first;
      keys.erase(key);
    }
    return first;
  }
  void clear() noexcept { rep_.clear(); }
  void swap(set &other) noexcept { rep_.swap(other.rep_); }
  friend void swap(set &a, set &b) noexcept { a.swap(b); }

  // As std::unordered_set's: each key found (KeyEqual) in the other set,
  // and equal to it by ==; copies (see dict's ==).
  friend bool operator==(const set &a, const set &b) {
    const rep mine = a.rep_, theirs = b.rep_;
    if (mine.size() != theirs.size())
      return false;
    for (iterator it(mine), end(mine, nullptr); it != end; ++it) {
      const K key = *it;
      const auto *e = theirs.find(key);
      if (!e)
        return false;
      const K other = rd(e)->item.first;
      if (!(key == other))
        return false;
    }
    return true;
  }
  friend bool operator!=(const set &a, const set &b) { return !(a == b); }

  using __stmify_traced_type = set;
  static void __stmify_trace(const void *self, stm_visit_fn visit, void *ctx) noexcept {
    rep::__stmify_trace(&static_cast<const set *>(self)->rep_, visit, ctx);
  }

private:
  rep rep_;
};

#else // the fallback: the standard containers, behind the same interface

namespace detail {
// What the fallback's dict and set share: the standard container and the
// functions that only forward to it.
template <class Container> class standard_table {
public:
  using key_type = typename Container::key_type;
  using size_type = std::size_t;
  using difference_type = std::ptrdiff_t;
  using hasher = typename Container::hasher;
  using key_equal = typename Container::key_equal;
  using iterator = typename Container::iterator;
  using const_iterator = typename Container::const_iterator;

  standard_table() = default;
  template <class Iterator> standard_table(Iterator first, Iterator last) : items_(first, last) {}
  standard_table(std::initializer_list<typename Container::value_type> items) : items_(items) {}

  size_type size() const noexcept { return items_.size(); }
  bool empty() const noexcept { return items_.empty(); }
  size_type max_size() const noexcept { return items_.max_size(); }
  void reserve(size_type n) { items_.reserve(n); }
  hasher hash_function() const { return items_.hash_function(); }
  key_equal key_eq() const { return items_.key_eq(); }

  iterator begin() noexcept { return items_.begin(); }
  iterator end() noexcept { return items_.end(); }
  const_iterator begin() const noexcept { return items_.begin(); }
  const_iterator end() const noexcept { return items_.end(); }
  const_iterator cbegin() const noexcept { return items_.begin(); }
  const_iterator cend() const noexcept { return items_.end(); }

  iterator find(key_type key) { return items_.find(key); }
  const_iterator find(key_type key) const { return items_.find(key); }
  size_type count(key_type key) const { return items_.count(key); }
  bool contains(key_type key) const { return items_.find(key) != items_.end(); }
  std::pair<iterator, iterator> equal_range(key_type key) { return items_.equal_range(key); }
  std::pair<const_iterator, const_iterator> equal_range(key_type key) const {
    return items_.equal_range(key);
  }

  template <class Iterator> void insert(Iterator first, Iterator last) {
    items_.insert(first, last);
  }
  void insert(std::initializer_list<typename Container::value_type> items) { items_.insert(items); }
  template <class... Args> std::pair<iterator, bool> emplace(Args &&...args) {
    return items_.emplace(std::forward<Args>(args)...);
  }
  template <class... Args> iterator emplace_hint(const_iterator hint, Args &&...args) {
    return items_.emplace_hint(hint, std::forward<Args>(args)...);
  }

  size_type erase(key_type key) { return items_.erase(key); }
  iterator erase(const_iterator position) { return items_.erase(position); }
  iterator erase(const_iterator first, const_iterator last) { return items_.erase(first, last); }
  void clear() noexcept { items_.clear(); }

protected:
  Container items_;
};
} // namespace detail

template <class K, class V, class Hash = std::hash<K>, class KeyEqual = std::equal_to<K>>
class dict : public detail::standard_table<std::unordered_map<K, V, Hash, KeyEqual>> {
  static_assert(detail::storable_v<K> && detail::storable_v<V>,
                "stm::dict<K, V>: K and V must be numbers, trivially copyable structs, "
                "pointers to managed objects or stm::string");
  using base = detail::standard_table<std::unordered_map<K, V, Hash, KeyEqual>>;
  using base::items_;

public:
  using mapped_type = V;
  using value_type = std::pair<const K, V>;
  using reference = value_type &;
  using const_reference = const value_type &;
  using base::base;
  using base::insert;
  using typename base::const_iterator;
  using typename base::iterator;

  V &operator[](K key) { return items_[key]; }
  V &at(K key) { return items_.at(key); }
  const V &at(K key) const { return items_.at(key); }
  V get(K key, V fallback = V()) const {
    const auto it = items_.find(key);
    return it == items_.end() ? fallback : it->second;
  }

  std::pair<iterator, bool> insert(const value_type &item) { return items_.insert(item); }
  iterator insert(const_iterator hint, const value_type &item) { return items_.insert(hint, item); }
  std::pair<iterator, bool> insert_or_assign(K key, V value) {
    return items_.insert_or_assign(key, value);
  }
  iterator insert_or_assign(const_iterator hint, K key, V value) {
    return items_.insert_or_assign(hint, key, value);
  }
  template <class... Args> std::pair<iterator, bool> try_emplace(K key, Args &&...args) {
    return items_.try_emplace(key, std::forward<Args>(args)...);
  }
  template <class... Args> iterator try_emplace(const_iterator hint, K key, Args &&...args) {
    return items_.try_emplace(hint, key, std::forward<Args>(args)...);
  }

  void swap(dict &other) noexcept { items_.swap(other.items_); }
  friend void swap(dict &a, dict &b) noexcept { a.swap(b); }
  friend bool operator==(const dict &a, const dict &b) { return a.items_ == b.items_; }
  friend bool operator!=(const dict &a, const dict &b) { return !(a == b); }
};

template <class K, class Hash = std::hash<K>, class KeyEqual = std::equal_to<K>>
class set : public detail::standard_table<std::unordered_set<K, Hash, KeyEqual>> {
  static_assert(detail::storable_v<K>,
                "stm::set<K>: K must be a number, a trivially copyable struct, a pointer to a "
                "managed object or stm::string");
  using base = detail::standard_table<std::unordered_set<K, Hash, KeyEqual>>;
  using base::items_;

public:
  using value_type = K;
  using reference = const K &;
  using const_reference = const K &;
  using base::base;
  using base::insert;
  using typename base::const_iterator;
  using typename base::iterator;

  std::pair<iterator, bool> insert(K key) { return items_.insert(key); }
  iterator insert(const_iterator hint, K key) { return items_.insert(hint, key); }

  void swap(set &other) noexcept { items_.swap(other.items_); }
  friend void swap(set &a, set &b) noexcept { a.swap(b); }
  friend bool operator==(const set &a, const set &b) { return a.items_ == b.items_; }
  friend bool operator!=(const set &a, const set &b) { return !(a == b); }
};

#endif

// Keyed by the identity of managed objects (stm::id), as PyPy's iddict and
// idset: K is a pointer to a managed class.
template <class K, class V> using iddict = dict<K, V, detail::identity_hash<K>>;
template <class K> using idset = set<K, detail::identity_hash<K>>;

#if defined(__STMIFY__)
namespace detail {
// A range-for that reads a table (by value, or by const reference, the
// transformer's elements_of): each item is copied when the loop reaches it.
template <class Table, class Item> class trie_values {
public:
  using source = typename Table::const_iterator;
  class iterator {
  public:
    explicit iterator(source at) noexcept : at_(std::move(at)) {}
    Item operator*() const noexcept { return *at_; }
    iterator &operator++() {
      ++at_;
      return *this;
    }
    bool operator!=(const iterator &other) const noexcept { return at_ != other.at_; }

  private:
    source at_;
  };

  explicit trie_values(const Table &items) : first_(items.begin()), last_(items.end()) {}
  iterator begin() const noexcept { return iterator(first_); }
  iterator end() const noexcept { return iterator(last_); }

private:
  source first_, last_;
};

template <class K, class V, class H, class E>
trie_values<dict<K, V, H, E>, std::pair<K, V>> elements_of(const dict<K, V, H, E> &items) {
  return trie_values<dict<K, V, H, E>, std::pair<K, V>>(items);
}
template <class K, class H, class E>
trie_values<set<K, H, E>, K> elements_of(const set<K, H, E> &items) {
  return trie_values<set<K, H, E>, K>(items);
}

// An iterator whose item the program only reads (`x = it->second`): the
// constant iterator, which does not back the entry up for writing.
template <class Rep, class Item>
trie_iterator<Rep, Item, true> read_only(const trie_iterator<Rep, Item, false> &it) noexcept {
  return it;
}
template <class Rep, class Item>
trie_iterator<Rep, Item, true> read_only(trie_iterator<Rep, Item, false> &it) noexcept {
  return it;
}
} // namespace detail
#endif

} // namespace stm

#endif // STMIFY_DETAIL_DICT_HPP
