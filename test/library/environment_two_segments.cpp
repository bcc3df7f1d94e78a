// Runtime settings of the library's timing tests: two segments and no
// forced aborts, so that what a test counts are the aborts its blocks cause;
// safe points that visit the runtime once in 2^28, so that a block keeps
// its snapshot while it waits in a loop. Compiled without the plugin (see
// test/plugin/environment.cpp).
#include "../runtime/test_environment.h"

STMIFY_TEST_ENVIRONMENT({"STMIFY_SEGMENTS", "2"}, {"STMIFY_SAFE_POINT_INTERVAL", "268435456"});
