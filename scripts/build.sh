#!/usr/bin/env bash
# Builds staticgate. Usage: scripts/build.sh [release|asan]   (default: release)
#   release: -O2, build/release/staticgate
#   asan:    AddressSanitizer + UndefinedBehaviorSanitizer, warnings as errors, with tests
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-release}
case "$kind" in
  release) flags=(-DCMAKE_BUILD_TYPE=Release -DSTATICGATE_TESTS=OFF) ;;
  asan) flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTATICGATE_SANITIZE=ON -DSTATICGATE_WERROR=ON -DSTATICGATE_TESTS=ON) ;;
  *) echo "usage: $0 [release|asan]" >&2; exit 2 ;;
esac
# A developer's ccache, when installed, makes rebuilds of other checkouts cheap; CI has none.
if command -v ccache >/dev/null; then flags+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B "build/$kind" -G Ninja "${flags[@]}" >/dev/null
ninja -C "build/$kind"
