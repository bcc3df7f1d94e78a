// C translation units pass through untouched (C is not yet a source
// language of stmify), with the plugin and in a compile database.
// RUN: rm -rf %t && mkdir -p %t/build %t/out
// RUN: %clang -c %s -o %t/plain.o
// RUN: %clang -fplugin=%plugin -c %s -o %t/plugin.o
// RUN: cmp %t/plain.o %t/plugin.o
// RUN: echo '[{"directory": "%t/build", "command": "%clang -c %s -o x.o", "file": "%s"}]' > %t/build/compile_commands.json
// RUN: %stmify -p %t/build --check %s 2>&1 | count 0
// RUN: %stmify -p %t/build --out-dir %t/out --root %S %s
// RUN: diff %s %t/out/c-translation-units.c
#include <stdio.h>

int sum(int n) {
  int s = 0;
  for (int i = 0; i < n; ++i)
    s += i;
  printf("%d\n", s);
  return s;
}
