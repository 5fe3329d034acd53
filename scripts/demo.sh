#!/usr/bin/env bash
# The README's first command: installs what is needed, builds staticgate, starts
# two small demo backends (127.0.1.1:9001 and 127.0.1.2:9002) and staticgate on
# its embedded default config (127.0.0.1:8080 -> both backends), on loopback only.
#   scripts/demo.sh          run until Ctrl-C
#   scripts/demo.sh --once   send a few requests through, check both backends answered, stop
set -euo pipefail
cd "$(dirname "$0")/.."
once=0
[ "${1:-}" = "--once" ] && once=1

scripts/setup.sh
[ -x build/release/staticgate ] && [ "${STATICGATE_SKIP_BUILD:-0}" = 1 ] || scripts/build.sh release >/dev/null

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

for n in 1 2; do
  mkdir -p "$work/backend$n"
  echo "hello from demo backend $n (127.0.1.$n:900$n)" > "$work/backend$n/index.html"
  /usr/bin/python3 -m http.server "900$n" --bind "127.0.1.$n" --directory "$work/backend$n" \
    >"$work/backend$n.log" 2>&1 &
  pids+=($!)
done

build/release/staticgate run &
pids+=($!)

# Wait (bounded) until the listener and both backends answer.
for _ in $(seq 1 50); do
  if curl -sf -o /dev/null http://127.0.0.1:8080/ && curl -sf -o /dev/null http://127.0.1.1:9001/ \
     && curl -sf -o /dev/null http://127.0.1.2:9002/; then break; fi
  sleep 0.2
done

if [ "$once" = 1 ]; then
  seen=$(for _ in $(seq 1 8); do curl -sf --max-time 5 http://127.0.0.1:8080/; done | sort -u)
  echo "$seen"
  if [ "$(echo "$seen" | grep -c 'demo backend')" -ne 2 ]; then
    echo "demo: FAILED: expected answers from both backends" >&2
    exit 1
  fi
  echo "demo: ok (staticgate on 127.0.0.1:8080 reached both backends)"
  exit 0
fi

cat <<TXT

staticgate is forwarding 127.0.0.1:8080 -> 127.0.1.1:9001, 127.0.1.2:9002 (round robin).
Try, in another terminal:

    curl http://127.0.0.1:8080/        # repeat: the answering backend alternates
    build/release/staticgate status    # listeners, targets, health, counters
    curl http://127.0.0.1:9901/metrics # Prometheus

The config is the embedded default: build/release/staticgate print-default-config
Ctrl-C stops everything.
TXT
wait "${pids[-1]}"
