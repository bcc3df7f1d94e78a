// Runtime settings of the library tests: two segments, so that atomic blocks
// really run in parallel, and every block aborts its first two attempts, so
// that what a retry repeats shows. Compiled without the plugin (see
// test/plugin/environment.cpp).
#include "../runtime/test_environment.h"

STMIFY_TEST_ENVIRONMENT({"STMIFY_SEGMENTS", "2"}, {"STMIFY_FORCE_ABORTS", "2"});
