// A precompiled prefix header.
#include <vector>
