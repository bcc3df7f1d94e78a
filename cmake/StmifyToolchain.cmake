# stmify's own code is built with Clang 19: the plugin must match the compiler
# that loads it, and the instrumented tests compile with -fplugin.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang"
   OR NOT CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 19
   OR NOT CMAKE_CXX_COMPILER_VERSION VERSION_LESS 20)
  message(FATAL_ERROR
    "stmify is built with Clang 19, but the C++ compiler is "
    "${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION} (${CMAKE_CXX_COMPILER}).\n"
    "Configure with -DCMAKE_CXX_COMPILER=clang++-19 -DCMAKE_C_COMPILER=clang-19 "
    "(scripts/check.sh does this).")
endif()

set(STMIFY_LLVM_ROOT "/usr/lib/llvm-19" CACHE PATH
    "Installation prefix of LLVM/Clang 19 (Debian's layout by default)")

find_program(STMIFY_GXX NAMES g++ DOC "GCC's C++ compiler, used to test the no-plugin build")
find_package(Python3 REQUIRED COMPONENTS Interpreter)
find_program(STMIFY_FILECHECK FileCheck HINTS "${STMIFY_LLVM_ROOT}/bin" NO_DEFAULT_PATH REQUIRED)
find_file(STMIFY_LIT lit.py HINTS "${STMIFY_LLVM_ROOT}/build/utils/lit" NO_DEFAULT_PATH REQUIRED)

# Test and benchmark programs carry line tables only: backtraces, the barrier
# sanitizer's reports and the watchdog's stacks still name functions, files
# and lines, and a small program compiled with the plugin builds in about two
# thirds of the time full debug information takes (a GoogleTest file in four
# fifths). The runtime, the plugin and the tool keep full debug information.
# A directory's flags are read when it ends, so this holds for every target of
# the directory that calls it and of its subdirectories.
macro(stmify_line_tables_only)
  foreach(lang C CXX)
    string(REGEX REPLACE "(^| )-g( |$)" "\\1-gline-tables-only\\2"
           CMAKE_${lang}_FLAGS_RELWITHDEBINFO "${CMAKE_${lang}_FLAGS_RELWITHDEBINFO}")
  endforeach()
endmacro()
