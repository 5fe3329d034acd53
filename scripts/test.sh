#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what is needed,
# builds with ASan+UBSan (warnings as errors), runs every unit and integration
# test with ctest, runs the fuzz targets for a minute, then checks that the README's demo works end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh asan
# Integration tests raise their own descriptor limits up to the hard limit.
ctest --test-dir build/asan --output-on-failure -j2 --timeout 900
# Every network parser's fuzz target, briefly (longer by hand: tests/fuzz/run.sh 3600).
tests/fuzz/run.sh "${FUZZ_SECONDS:-60}"
scripts/build.sh release
scripts/demo.sh --once
