// A module that Collector.WhatIsMappedWhereAClosedModuleWasIsRead loads and
// closes while a collection scans for roots: its writable data is 32 KiB.
extern "C" {
long stmify_gc_test_module_data[4096] = {1};
}
