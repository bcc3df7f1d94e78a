// Explains segmentation faults that come from misusing managed references, then
// hands the fault on to whatever handled it before (the default action, a
// sanitizer, a debugger's).
#ifndef STMIFY_RUNTIME_FAULTS_H
#define STMIFY_RUNTIME_FAULTS_H

#include <cstdint>

namespace stm::rt {

void install_fault_handler() noexcept;

// Names the source line of a code address (addr2line, in a child process):
// for a report of the barrier sanitizer just before the program stops.
void say_source_line(std::uintptr_t pc) noexcept;

} // namespace stm::rt

#endif
