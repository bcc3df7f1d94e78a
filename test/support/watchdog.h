// A watchdog for test programs: a program that has not finished in time
// prints the stack of every thread and exits with watchdog_exit_status, so a
// hang fails its test with the stacks instead of stalling the whole run.
//
// Linking the library (whole, as test/support/CMakeLists.txt does) is enough:
// a static initializer arms it from STMIFY_TEST_WATCHDOG, a number of seconds
// (0 turns it off; unset means default_watchdog_seconds). A program that wants
// another limit calls arm_watchdog itself.
#ifndef STMIFY_TEST_SUPPORT_WATCHDOG_H
#define STMIFY_TEST_SUPPORT_WATCHDOG_H

namespace stm_test {

// The exit status of a program the watchdog stopped; test drivers tell a hang
// from a wrong result or a crash by it.
inline constexpr int watchdog_exit_status = 113;

inline constexpr unsigned default_watchdog_seconds = 60;

// Sets the time limit to `seconds` from now (0 disarms). The first call
// starts the watchdog's thread.
void arm_watchdog(unsigned seconds);

// Stops the watchdog from firing (the thread stays, idle).
void disarm_watchdog();

} // namespace stm_test

#endif
