# lit configuration for stmify's compiler-level tests (golden rewrites,
# diagnostics, compile errors of the public API).
import os
import shutil
import sys

import lit.formats

config.name = "stmify"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".c", ".cpp"]
config.excludes = ["Inputs"]
config.test_source_root = os.path.dirname(__file__)
# The unrewritten run keeps its scratch files apart: it runs next to the real one.
identity = lit_config.params.get("stmify_rewrite") == "identity"
config.test_exec_root = os.path.join(config.stmify_binary_dir, "test",
                                     "lit-unrewritten" if identity else "lit")

config.environment["LC_ALL"] = "C"
# The unrewritten run checks only what the goldens' FileCheck lines see; the
# real run compiles them.
config.substitutions.append(("%clangxx", "true" if identity else config.stmify_clangxx))
config.substitutions.append(("%clang", config.stmify_clang))
config.substitutions.append(("%gxx", config.stmify_gxx))
config.substitutions.append(("%stmify_include", config.stmify_include_dir))
config.substitutions.append(("%stmify_runtime", config.stmify_runtime))
config.substitutions.append(("%stmify_log", os.path.join(config.stmify_binary_dir, "tool",
                                                         "stmify-log")))
config.substitutions.append(("%stmify_docs", os.path.join(config.stmify_source_dir, "docs")))
config.substitutions.append(("%python", sys.executable))
# Golden rewrites: `%check_rewrite %s %t -- <flags>` blanks the file's own
# directives before the tool sees it (check_rewrite.py);
# `%blank_directives %s %t` only writes the blanked copy %t/<name>. With
# `--param stmify_rewrite=identity` the tool is replaced by one that changes
# nothing, so that every golden can be shown to fail against its unrewritten
# input (goldens_fail_unrewritten.py).
here = os.path.dirname(__file__)
python = sys.executable
config.substitutions.append(
    ("%stmify", "%s %s" % (python, os.path.join(here, "identity_stmify.py"))
     if identity else config.stmify_tool))
config.substitutions.append(("%plugin", config.stmify_plugin))
config.substitutions.append(("FileCheck", config.stmify_filecheck))
# `not` is a builtin of lit's shell; the other LLVM helpers come from LLVM 19.
for name in ("count", "split-file"):
    config.substitutions.append((r"\b%s\b" % name, os.path.join(config.stmify_llvm_bin, name)))
config.substitutions.append(("%llvm_bin", config.stmify_llvm_bin))
config.substitutions.append(
    ("%blank_directives",
     "%s %s --blank-only" % (python, os.path.join(here, "check_rewrite.py"))))
# Last: its expansion names FileCheck, which must not be substituted again.
config.substitutions.append(
    ("%check_rewrite",
     "%s %s --tool=%s --filecheck=%s" % (python, os.path.join(here, "check_rewrite.py"),
                                         "identity" if identity else config.stmify_tool,
                                         config.stmify_filecheck)))
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
