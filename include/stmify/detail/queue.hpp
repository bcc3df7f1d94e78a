// stm::queue<T>: a queue that many threads put into and take from, inside
// and outside atomic blocks, without conflicts between them. Its items live
// outside the managed heap, behind a lock of its own: a block's puts reach
// the queue when the block commits (so puts by concurrent blocks never
// conflict), and an item a block takes is given back, to the front, if the
// block is rolled back (so each item is taken exactly once).
#ifndef STMIFY_DETAIL_QUEUE_HPP
#define STMIFY_DETAIL_QUEUE_HPP

#ifndef STMIFY_STM_HPP
#error "include <stmify/stm.hpp>, not this file"
#endif

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace stm {

namespace detail {

// A lock for the items. Not a std::mutex: the runtime treats a mutex's
// unlock inside an atomic block as a release edge, which makes the block
// inevitable, and a queue operation must not.
class item_lock {
public:
  void lock() noexcept {
    while (locked_.exchange(true, std::memory_order_acquire))
      while (locked_.load(std::memory_order_relaxed))
        std::this_thread::yield();
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

private:
  std::atomic<bool> locked_{false};
};

} // namespace detail

template <class T> class queue {
public:
  using value_type = T;

  queue() = default;
  queue(const queue &) = delete;
  queue &operator=(const queue &) = delete;

  // Adds an item at the back. Inside an atomic block it reaches the queue
  // when the outermost block commits (and never, if it is rolled back);
  // until then only the block itself can take it.
  void put(T item) {
    if (!is_atomic()) {
#if defined(__STMIFY__)
      // Whoever takes the item must see what this thread wrote before.
      _stm_release_edge("stm::queue::put");
#endif
      {
        std::lock_guard<detail::item_lock> hold(lock_);
        items_.push_back(std::move(item));
        counted();
      }
      wake_one();
      return;
    }
    bool first = false;
    {
      std::lock_guard<detail::item_lock> hold(lock_);
      pending *mine = pending_of(std::this_thread::get_id());
      first = mine == nullptr;
      if (first) {
        pending_.push_back(pending{std::this_thread::get_id(), {}});
        mine = &pending_.back();
      }
      mine->items.push_back(std::move(item));
    }
    if (first) {
      const std::thread::id self = std::this_thread::get_id();
      on_commit([this, self] { publish_pending(self); });
      on_abort([this, self] { drop_pending(self); });
    }
  }

  // Takes the item at the front, if there is one: the queue's, or else one
  // the running block put itself. Inside an atomic block the item goes back
  // to the front of the queue if the block is rolled back.
  std::optional<T> try_get() {
    std::optional<T> item;
    bool own = false;
    // An empty queue is told without the lock: a thread polling it would
    // otherwise keep the lock from the thread that puts.
    if (empty() && !is_atomic())
      return item;
    {
      std::lock_guard<detail::item_lock> hold(lock_);
      if (!items_.empty()) {
        item.emplace(std::move(items_.front()));
        items_.pop_front();
        counted();
      } else if (pending *mine = is_atomic() ? pending_of(std::this_thread::get_id()) : nullptr;
                 mine && !mine->items.empty()) {
        item.emplace(std::move(mine->items.front()));
        mine->items.pop_front();
        own = true;
      }
    }
    if (item && !own)
      taken(*item);
    return item;
  }

  // Takes the item at the front, waiting until there is one. Inside an
  // atomic block, the block becomes inevitable first if the queue is empty.
  T get() {
    for (;;) {
      if (std::optional<T> item = try_get())
        return std::move(*item);
      become_inevitable("stm::queue::get waits for an item");
      std::unique_lock<std::mutex> sleeping(sleep_);
      ++sleepers_;
      awake_.wait(sleeping, [&] { return !empty(); });
      --sleepers_;
    }
  }

  // The items in the queue (not those of blocks that have not committed).
  // Read without the lock, which a thread polling would keep from others.
  std::size_t size() const { return count_.load(std::memory_order_acquire); }
  bool empty() const { return size() == 0; }

private:
  // The puts of a thread's running atomic block; its end handlers are
  // registered when the first one is made.
  struct pending {
    std::thread::id owner;
    std::deque<T> items;
  };

  pending *pending_of(std::thread::id owner) {
    for (pending &p : pending_)
      if (p.owner == owner)
        return &p;
    return nullptr;
  }

  std::deque<T> take_pending(std::thread::id owner) {
    std::deque<T> items;
    for (auto p = pending_.begin(); p != pending_.end(); ++p)
      if (p->owner == owner) {
        items.swap(p->items);
        pending_.erase(p);
        break;
      }
    return items;
  }

  // An item taken from the queue. Inside an atomic block: given back if the
  // block is rolled back, and the block's view brought up to the commit
  // that put it, whose writes it may read through the item. Outside:
  // the thread's view is refreshed for the same reason.
  void taken(const T &item) {
    if (is_atomic()) {
      on_abort([this, item] { give_back(item); });
#if defined(__STMIFY__)
      if (stm_validate() != 0 && detail::may_throw_abort())
        throw detail::abort_signal{};
#endif
    } else {
#if defined(__STMIFY__)
      _stm_acquire_edge("stm::queue::get");
#endif
    }
  }

  void give_back(const T &item) {
    {
      std::lock_guard<detail::item_lock> hold(lock_);
      items_.push_front(item);
      counted();
    }
    wake_one();
  }

  void publish_pending(std::thread::id owner) {
    std::size_t moved = 0;
    {
      std::lock_guard<detail::item_lock> hold(lock_);
      std::deque<T> mine = take_pending(owner);
      moved = mine.size();
      for (T &item : mine)
        items_.push_back(std::move(item));
      counted();
    }
    for (std::size_t i = 0; i < moved; ++i)
      wake_one();
  }

  // The dropped items are destroyed after the lock is released.
  void drop_pending(std::thread::id owner) {
    std::deque<T> dropped;
    {
      std::lock_guard<detail::item_lock> hold(lock_);
      dropped = take_pending(owner);
    }
  }

  // Taking the sleepers' mutex orders the wake-up after a sleeper's check
  // of the queue, so that none is missed.
  void wake_one() {
    std::lock_guard<std::mutex> sleeping(sleep_);
    if (sleepers_ > 0)
      awake_.notify_one();
  }

  // Under lock_, after items_ changed.
  void counted() noexcept { count_.store(items_.size(), std::memory_order_release); }

  mutable detail::item_lock lock_;
  std::deque<T> items_;
  std::atomic<std::size_t> count_{0}; // items_.size(), for size() and empty()
  std::vector<pending> pending_;
  std::mutex sleep_;
  std::condition_variable awake_;
  unsigned sleepers_ = 0;
};

} // namespace stm

#endif // STMIFY_DETAIL_QUEUE_HPP
