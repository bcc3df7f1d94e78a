// Storage for runtime objects that must outlive static destruction: threads
// may still wait on them while the program exits.
#ifndef STMIFY_RUNTIME_IMMORTAL_H
#define STMIFY_RUNTIME_IMMORTAL_H

#include <new>

namespace stm::rt {

// One object per (T, Tag): the tag keeps two uses of the same type apart.
template <class T, class Tag> T &immortal() {
  alignas(T) static unsigned char storage[sizeof(T)];
  static T *object = new (storage) T();
  return *object;
}

} // namespace stm::rt

#endif
