// Runtime settings of the abort tests, and the handshakes their threads use
// inside atomic blocks. Compiled without the plugin: a handshake must not make
// a transaction inevitable (it is declared STM_TX_SAFE where it is used), and
// the settings must be made before the runtime starts.
#include "../runtime/test_environment.h"

#include <atomic>

// Two segments, and a visit to the runtime at every safe point: a lost
// conflict is seen at the first safe point after it.
STMIFY_TEST_ENVIRONMENT({"STMIFY_SEGMENTS", "2"}, {"STMIFY_SAFE_POINT_INTERVAL", "1"});

namespace {
std::atomic<int> g_stage{0};
std::atomic<int> g_attempts{0};
} // namespace

void reach_stage(int stage) { g_stage.store(stage, std::memory_order_release); }
void wait_for_stage(int stage) {
  while (g_stage.load(std::memory_order_acquire) < stage) {
  }
}
int count_attempt() { return g_attempts.fetch_add(1) + 1; }
int attempts() { return g_attempts.load(); }
void reset_handshakes() {
  g_stage.store(0);
  g_attempts.store(0);
}
