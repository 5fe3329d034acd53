#!/usr/bin/env bash
# Usage: tests/fuzz/run.sh [SECONDS]   (default 60)
#
# SECONDS is the budget for the whole run, shared evenly among the targets, with at least 20 s
# each (a shorter run finds little): with 3 targets, 60 gives 20 s each and 120 gives 40 s each,
# so adding a target does not make CI slower unless the floor is reached.
#
# Builds every libFuzzer target with clang into build/fuzz (standalone: only the sources each
# target needs) and runs each for its share on a scratch copy of its seed corpus, so the repository
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

targets=("$root"/tests/fuzz/*_fuzz.cpp)
min_seconds=20
per_target=$(( seconds / ${#targets[@]} ))
(( per_target >= min_seconds )) || per_target=$min_seconds
echo "fuzzing ${#targets[@]} targets for ${per_target}s each"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

status=0
for source in "${targets[@]}"; do
  name="$(basename "$source" _fuzz.cpp)"
  corpus="$scratch/$name"
  mkdir -p "$corpus" "$build/artifacts/$name"
  if [[ -d "$root/tests/fuzz/corpus/$name" ]]; then cp -R "$root/tests/fuzz/corpus/$name/." "$corpus/"; fi
  log="$build/$name.log"
  if "$build/${name}_fuzz" -max_total_time="$per_target" -print_final_stats=1 \
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
  echo "$name: ${executions:-?} executions in ${per_target}s: $result"
  [[ "$result" == ok ]] || grep -E 'ERROR|property violated|SUMMARY|Test unit written' "$log" | head -n 20
done
exit "$status"
