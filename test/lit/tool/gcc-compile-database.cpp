// The tool reads a compile database written for g++ (GCC-only flags
// included), writes the instrumented tree without touching the sources, and
// its output compiles with g++ and runs.
// RUN: rm -rf %t && mkdir -p %t/src %t/build
// RUN: cp %S/Inputs/app/app.cpp %S/Inputs/app/node.h %t/src/
// RUN: sed -e "s|@DIR@|%t|g" -e "s|@INCLUDE@|%stmify_include|g" %S/Inputs/app/compile_commands.json.in > %t/build/compile_commands.json
// RUN: %stmify -p %t/build %t/src/app.cpp --out-dir %t/out --root %t/src
// RUN: diff %S/Inputs/app/app.cpp %t/src/app.cpp
// RUN: FileCheck --check-prefix=MAIN %s < %t/out/app.cpp
// RUN: FileCheck --check-prefix=HEADER %s < %t/out/node.h
// RUN: %gxx -std=c++17 -Wall -Wextra -Werror -D__STMIFY__=1 -I%stmify_include %t/out/app.cpp %stmify_runtime -pthread -o %t/app
// RUN: %t/app | FileCheck --check-prefix=OUTPUT %s
// RUN: not %stmify -p %t/build %t/src/app.cpp 2>&1 | FileCheck --check-prefix=MODE %s

// MAIN: stm::wr(a, "{{.*}}app.cpp:9:5 (in main)")->value = 40;
// MAIN: std::printf("sum %ld\n", stm::loc(a)->sum())
// HEADER: long sum() const { stm::detail::safe_point(); return stm::rd(this)->value + (stm::rd(this)->next ? stm::loc(stm::rd(this)->next)->sum() : 0); }
// HEADER: __stmify_trace
// OUTPUT: sum 42
// MODE: stmify: error: give exactly one of --out-dir=DIR, --check, --stdout, --in-place
