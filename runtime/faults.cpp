#include "faults.h"

#include "heap.h"

#include <stmify/stm.h>

#include <csignal>
#include <cstdint>
#include <cstring>
#include <unistd.h>

namespace stm::rt {
namespace {

struct sigaction g_previous;

void say(const char *text) noexcept {
  ssize_t ignored = write(STDERR_FILENO, text, std::strlen(text));
  (void)ignored;
}

void say_address(std::uintptr_t a) noexcept {
  char buf[2 + 16 + 1];
  buf[0] = '0';
  buf[1] = 'x';
  for (int i = 0; i < 16; ++i)
    buf[2 + i] = "0123456789abcdef"[(a >> (60 - 4 * i)) & 0xf];
  buf[18] = '\0';
  say(buf);
}

void explain(const char *what, std::uintptr_t address, const char *hint) noexcept {
  say("stmify: segmentation fault at ");
  say_address(address);
  say(": ");
  say(what);
  say("\nstmify: ");
  say(hint);
  say("\n");
}

void on_fault(int sig, siginfo_t *info, void *context) {
  const auto address = reinterpret_cast<std::uintptr_t>(info->si_addr);
  const heap_layout &h = g_heap;
  const std::uintptr_t top = h.canonical + (h.segments + 1) * h.window_size;
  if (address >= h.canonical && address < h.canonical + h.window_size) {
    explain("a managed object was accessed without a barrier",
            address,
            "the code that did it was not instrumented: either a file compiled "
            "without -fplugin=libstmify.so (or not from the stmify tool's "
            "output), or library code that was handed a managed object and "
            "reached into it; access the object in the program's own code");
  } else if (address > h.canonical && address < top && (address & h.mask) < kPage) {
    explain("a null managed reference was dereferenced", address,
            "check the pointer before using it");
  } else if (address < kBlock && _stm_tls.segment_base == 0) {
    explain("the faulting thread is not attached to the stmify runtime", address,
            "if it was using a managed object, the code was not compiled with "
            "stmify, or it ran before any instrumented function in this thread");
  }
  // Hand the fault on: restore the previous action and let the instruction
  // fault again under it.
  (void)sig;
  (void)context;
  sigaction(SIGSEGV, &g_previous, nullptr);
}

} // namespace

void install_fault_handler() noexcept {
  struct sigaction action;
  std::memset(&action, 0, sizeof action);
  action.sa_sigaction = on_fault;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&action.sa_mask);
  sigaction(SIGSEGV, &action, &g_previous);
}

} // namespace stm::rt
