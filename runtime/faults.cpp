#include "faults.h"

#include "heap.h"
#include "registry.h"
#include "sanitizer.h"

#include <stmify/stm.h>

#include <atomic>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <dlfcn.h>
#include <elf.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

extern char **environ;

namespace stm::rt {
namespace {

struct sigaction g_previous;

void say(const char *text) noexcept {
  ssize_t ignored = write(STDERR_FILENO, text, std::strlen(text));
  (void)ignored;
}

// "0x" and 16 hex digits, without the C library's formatting (not
// async-signal-safe).
struct hex_text {
  char text[2 + 16 + 1];
  explicit hex_text(std::uintptr_t a) noexcept {
    text[0] = '0';
    text[1] = 'x';
    for (int i = 0; i < 16; ++i)
      text[2 + i] = "0123456789abcdef"[(a >> (60 - 4 * i)) & 0xf];
    text[18] = '\0';
  }
};

void say_address(std::uintptr_t a) noexcept { say(hex_text(a).text); }

void explain(const char *what, std::uintptr_t address, const char *hint) noexcept {
  say("stmify: segmentation fault at ");
  say_address(address);
  say(": ");
  say(what);
  say("\nstmify: ");
  say(hint);
  say("\n");
}

// Whether the faulting access wrote (x86-64's page-fault error code); -1 if
// unknown.
int fault_was_write(const void *context) noexcept {
#if defined(__x86_64__)
  const auto *uc = static_cast<const ucontext_t *>(context);
  return (uc->uc_mcontext.gregs[REG_ERR] & 2) != 0;
#else
  (void)context;
  return -1;
#endif
}

std::uintptr_t fault_pc(const void *context) noexcept {
#if defined(__x86_64__)
  return static_cast<std::uintptr_t>(
      static_cast<const ucontext_t *>(context)->uc_mcontext.gregs[REG_RIP]);
#else
  (void)context;
  return 0;
#endif
}

// A fault in one of the barrier sanitizer's views: what the program did wrong.
void explain_view_fault(std::uintptr_t address, const void *context) noexcept {
  view_address view;
  if (!find_view(address, view))
    return;
  const int write = fault_was_write(context);
  if (view.current && !view.writable && write != 0)
    explain("barrier sanitizer: a write through a reference that had only a read barrier", address,
            "the reference came from stm::rd (or stm_read), which returns a read-only "
            "view: a write needs stm::wr, which backs the object up first; without it "
            "an abort cannot undo the write and other threads never see it");
  else
    explain("barrier sanitizer: a reference from a barrier was used after its "
            "transaction ended",
            address,
            "a reference that stm::rd or stm::wr returns is valid in the transaction "
            "that made it: after the start or end of an atomic block, or after the "
            "thread gave its segment up (a blocking call), it misses the read marker "
            "or points into a segment another thread may hold; after a release "
            "outside atomic blocks a write through it is never published. Run the "
            "barrier again where the reference is used");
  say_source_line(fault_pc(context));
}

// One explanation at a time: threads that fault together would interleave
// their lines (the first one usually ends the process before the next
// speaks). The thread explaining; a fault inside the handler itself (the
// action stays installed: SA_NODEFER) is handed on at once.
std::atomic<long> g_explaining{0};

void on_fault(int sig, siginfo_t *info, void *context) {
  const long self = syscall(SYS_gettid);
  if (g_explaining.load(std::memory_order_relaxed) == self) {
    sigaction(SIGSEGV, &g_previous, nullptr);
    return;
  }
  for (long idle = 0; !g_explaining.compare_exchange_weak(idle, self, std::memory_order_acquire);
       idle = 0)
    sched_yield();
  // The write and wait calls below are the runtime's own: not the program's
  // blocking calls, which would give the segment up.
  runtime_scope scope;
  const auto address = reinterpret_cast<std::uintptr_t>(info->si_addr);
  const heap_layout &h = g_heap;
  if (h.window_size != 0 && h.in_reservation(address) && (address & h.mask) < kPage) {
    explain("a null managed reference was dereferenced", address,
            "check the pointer before using it");
  } else if (address >= h.canonical && address < h.canonical + h.window_size) {
    explain("a managed object was accessed without a barrier", address,
            "the code that did it was not instrumented: either a file compiled "
            "without -fplugin=libstmify.so (or not from the stmify tool's "
            "output), or library code that was handed a managed object and "
            "reached into it; access the object in the program's own code");
  } else if (address < kBlock && _stm_tls.segment_base == _stm_segment_word_t{}) {
    explain("the faulting thread is not attached to the stmify runtime", address,
            "if it was using a managed object, the code was not compiled with "
            "stmify, or it ran before any instrumented function in this thread");
  } else {
    explain_view_fault(address, context);
  }
  // Hand the fault on: restore the previous action and let the instruction
  // fault again under it.
  (void)sig;
  sigaction(SIGSEGV, &g_previous, nullptr);
  g_explaining.store(0, std::memory_order_release);
}

} // namespace

// With addr2line (the process is about to die; the sanitizer's report is
// worth a child process).
// dladdr is not async-signal-safe (it takes the loader's lock): a fault in
// the middle of dlopen would hang here, which a view fault never is. The
// child is made with the raw system call and only calls dup2 and execve.
void say_source_line(std::uintptr_t pc) noexcept {
  Dl_info module;
  if (pc == 0 || dladdr(reinterpret_cast<void *>(pc), &module) == 0 || !module.dli_fname)
    return;
  const auto base = reinterpret_cast<std::uintptr_t>(module.dli_fbase);
  // A position-independent module's addresses are offsets from its base.
  const bool relocatable = reinterpret_cast<const Elf64_Ehdr *>(base)->e_type == ET_DYN;
  const std::uintptr_t address = relocatable ? pc - base : pc;
  hex_text hex(address);
  // The main program's name is argv[0], relative to where it started.
  char executable[4096];
  const char *path = module.dli_fname;
  if (path[0] != '/') {
    const ssize_t n = readlink("/proc/self/exe", executable, sizeof executable - 1);
    if (n <= 0)
      return;
    executable[n] = '\0';
    path = executable;
  }
  say("stmify: the access is at ");
  say(path);
  say("+");
  say(hex.text);
  say(":\n");
  char *argv[] = {const_cast<char *>("addr2line"),
                  const_cast<char *>("-C"),
                  const_cast<char *>("-f"),
                  const_cast<char *>("-i"),
                  const_cast<char *>("-p"),
                  const_cast<char *>("-e"),
                  const_cast<char *>(path),
                  hex.text,
                  nullptr};
  const long child = syscall(SYS_fork);
  if (child == 0) {
    dup2(STDERR_FILENO, STDOUT_FILENO);
    execve("/usr/bin/addr2line", argv, environ);
    say("stmify: (addr2line, from binutils, names the line)\n");
    _exit(127);
  }
  if (child > 0) {
    int status;
    waitpid(static_cast<pid_t>(child), &status, 0);
  }
}

void install_fault_handler() noexcept {
  struct sigaction action;
  std::memset(&action, 0, sizeof action);
  action.sa_sigaction = on_fault;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&action.sa_mask);
  sigaction(SIGSEGV, &action, &g_previous);
}

} // namespace stm::rt
