// Runtime settings of the plugin tests. Compiled without the plugin: in
// instrumented code the first safe point (say, at the entry of a static
// initializer) would start the runtime before the settings are made.
#include "../runtime/test_environment.h"

// One segment: a thread that blocked while holding it would stop the others.
STMIFY_TEST_ENVIRONMENT({"STMIFY_SEGMENTS", "1"});
