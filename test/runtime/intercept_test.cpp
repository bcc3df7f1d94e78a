// The runtime's interceptors, called the way the C library's functions are.
#include <gtest/gtest.h>

#include <sys/syscall.h>
#include <unistd.h>

namespace stmtest {
namespace {

char *volatile escaped_buffer;

// Its frame begins at the stack pointer of the call, as libstdc++'s
// __cxa_guard_acquire's does when it waits on a futex: with AddressSanitizer
// (and no fake stack, see CMakeLists.txt) that word is the frame's redzone.
__attribute__((noinline)) long getpid_from_a_frame_with_a_redzone() {
  char buffer[16];
  escaped_buffer = buffer;
  return syscall(SYS_getpid);
}

TEST(Interceptors, SyscallWithFewerThanSixArgumentsReadsNoPoisonedWord) {
  EXPECT_EQ(getpid_from_a_frame_with_a_redzone(), static_cast<long>(getpid()));
}

} // namespace
} // namespace stmtest
