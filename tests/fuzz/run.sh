#!/usr/bin/env bash
# Usage: tests/fuzz/run.sh [SECONDS]   (default 60)
#
# Builds every libFuzzer target with clang into build/fuzz (standalone: only the sources each
# target needs) and runs each for SECONDS on a scratch copy of its seed corpus, so the repository
# corpus changes only when someone decides to add an input. Prints the number of executions per
# target. Exits non-zero if any target crashes or breaks a property; the input that did it is
# saved under build/fuzz/artifacts/<target>/ and the log in build/fuzz/<target>.log.
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$root/build/fuzz"

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$root/tests/fuzz" -B "$build" "${generator[@]}" -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

status=0
for source in "$root"/tests/fuzz/*_fuzz.cpp; do
  name="$(basename "$source" _fuzz.cpp)"
  corpus="$scratch/$name"
  mkdir -p "$corpus" "$build/artifacts/$name"
  if [[ -d "$root/tests/fuzz/corpus/$name" ]]; then cp -R "$root/tests/fuzz/corpus/$name/." "$corpus/"; fi
  log="$build/$name.log"
  if "$build/${name}_fuzz" -max_total_time="$seconds" -print_final_stats=1 \
       -artifact_prefix="$build/artifacts/$name/" "$corpus" >"$log" 2>&1; then
    result="ok"
  else
    result="FAILED (see $log)"
    status=1
  fi
  executions="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)"
  if [[ -z "$executions" ]]; then  # a crash ends the run before the final stats
    executions="$(grep -Eo '^#[0-9]+' "$log" | tail -n1 | tr -d '#')"
  fi
  echo "$name: ${executions:-?} executions in ${seconds}s: $result"
  [[ "$result" == ok ]] || grep -E 'ERROR|property violated|SUMMARY|Test unit written' "$log" | head -n 20
done
exit "$status"
