# lit configuration for stmify's compiler-level tests (golden rewrites,
# diagnostics, compile errors of the public API).
import os
import shutil

import lit.formats

config.name = "stmify"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".c", ".cpp"]
config.excludes = ["Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.stmify_binary_dir, "test", "lit")

config.environment["LC_ALL"] = "C"
config.substitutions.append(("%clangxx", config.stmify_clangxx))
config.substitutions.append(("%clang", config.stmify_clang))
config.substitutions.append(("%gxx", config.stmify_gxx))
config.substitutions.append(("%stmify_include", config.stmify_include_dir))
config.substitutions.append(("%stmify_runtime", config.stmify_runtime))
config.substitutions.append(("%stmify", config.stmify_tool))
config.substitutions.append(("%plugin", config.stmify_plugin))
config.substitutions.append(("FileCheck", config.stmify_filecheck))
# `not` is a builtin of lit's shell; the other LLVM helpers come from LLVM 19.
for name in ("count", "split-file"):
    config.substitutions.append((r"\b%s\b" % name, os.path.join(config.stmify_llvm_bin, name)))
config.substitutions.append(("%llvm_bin", config.stmify_llvm_bin))
# Another clang major version, to check that the plugin refuses to load.
other_clang = shutil.which("clang++-14")
if other_clang:
    config.available_features.add("other-clang")
    config.substitutions.append(("%other_clangxx", other_clang))
# Runs a command as a user that cannot write into a directory made read-only
# (root ignores permissions).
if os.geteuid() == 0:
    config.substitutions.append(("%as_unprivileged", "setpriv --reuid=65534 --regid=65534 --clear-groups"))
else:
    config.substitutions.append(("%as_unprivileged", ""))
