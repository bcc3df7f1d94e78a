// Plugin options: unknown ones are errors listing the valid ones; a bad
// action value is an error; save-rewritten writes the instrumented text;
// read-sites gives read barriers their sites.
// RUN: rm -rf %t && mkdir -p %t && %blank_directives %s %t/blank
// RUN: not %clangxx -fplugin=%plugin -fplugin-arg-stmify-colour=red -std=c++17 -I%stmify_include -fsyntax-only %s 2>&1 | FileCheck --check-prefix=UNKNOWN %s
// RUN: not %clangxx -fplugin=%plugin -fplugin-arg-stmify-action=exe -std=c++17 -I%stmify_include -fsyntax-only %s 2>&1 | FileCheck --check-prefix=ACTION %s
// RUN: %clangxx -fplugin=%plugin -fplugin-arg-stmify-save-rewritten=%t/saved -std=c++17 -I%stmify_include -c %t/blank/options.cpp -o %t/x.o
// RUN: FileCheck --check-prefix=SAVED %s < %t/saved/options.cpp
// RUN: %clangxx -fplugin=%plugin -fplugin-arg-stmify-read-sites -fplugin-arg-stmify-save-rewritten=%t/sites -std=c++17 -I%stmify_include -c %t/blank/options.cpp -o %t/y.o
// RUN: FileCheck --check-prefix=READ-SITES %s < %t/sites/options.cpp
// RUN: %clangxx -fplugin=%plugin -fplugin-arg-stmify-stats -std=c++17 -I%stmify_include -fsyntax-only %s 2>&1 | FileCheck --check-prefix=STATS %s
// RUN: %clangxx -fplugin=%plugin -fplugin-arg-stmify-action=asm -std=c++17 -I%stmify_include -c %s -o - | FileCheck --check-prefix=ASM %s
#include <stmify/stm.hpp>

struct Node : stm::object {
  long value = 0;
};

void set_value(Node *n) { n->value = 1; }
long get_value(const Node *n) { return n->value; }

// UNKNOWN: error: stmify: unknown plugin option 'colour=red'; the options are:
// UNKNOWN-NEXT: -fplugin-arg-stmify-action: obj|asm|bc|ll|pp|syntax
// UNKNOWN-NEXT: -fplugin-arg-stmify-save-rewritten: DIR
// UNKNOWN-NEXT: -fplugin-arg-stmify-stats
// ACTION: error: stmify: -fplugin-arg-stmify-action=exe: expected one of obj, asm, bc, ll, pp, syntax
// SAVED: void set_value(Node *n) { stm::wr(n, "{{[^"]*}}options.cpp:19:27 (in set_value)")->value = 1; }
// SAVED: long get_value(const Node *n) { return stm::rd({{n}})->value; }
// READ-SITES: void set_value(Node *n) { stm::wr(n, "{{[^"]*}}options.cpp:19:27 (in set_value)")->value = 1; }
// READ-SITES-NEXT: long get_value(const Node *n) { return stm::rd(n, "{{[^"]*}}options.cpp:20:40 (in get_value)")->value; }
// STATS: stmify: {{.*}}options.cpp: 1 read barriers, 1 write barriers (0 of them on objects already held, translations only), 0 method-call translations, 0 atomic blocks, 0 inevitability hooks, 0 synchronisation points, 0 safe points, 1 trace functions
// ASM: set_value
