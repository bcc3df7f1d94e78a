// Explains segmentation faults that come from misusing managed references, then
// hands the fault on to whatever handled it before (the default action, a
// sanitizer, a debugger's).
#ifndef STMIFY_RUNTIME_FAULTS_H
#define STMIFY_RUNTIME_FAULTS_H

namespace stm::rt {

void install_fault_handler() noexcept;

} // namespace stm::rt

#endif
