// Runtime settings of the thread-start tests (compiled without the plugin, see
// environment.cpp).
#include "../runtime/test_environment.h"

STMIFY_TEST_ENVIRONMENT({"STMIFY_SEGMENTS", "2"});
