#!/usr/bin/env bash
# Installs the Debian packages stmify needs to build and test.
# Idempotent and non-interactive; when everything is present it only asks dpkg and exits.
set -euo pipefail

packages=(
  clang-19 libclang-19-dev llvm-19-dev llvm-19-tools libclang-rt-19-dev
  cmake ninja-build g++ python3 gdb
  libgtest-dev libgmock-dev googletest libbenchmark-dev nlohmann-json3-dev python3-jsonschema
)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
  cat >&2 <<MSG
stmify: this machine has no apt-get, so the dependencies cannot be installed automatically.
Install the equivalents of these Debian bookworm packages, then run the command again:
  ${packages[*]}
(Clang/LLVM must be version 19: clang++-19, its development headers, FileCheck and lit.)
MSG
  exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
    echo "stmify: missing packages (${missing[*]}) and not root; install them as root." >&2
    exit 1
  fi
fi

echo "stmify: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
