#!/usr/bin/env bash
# Side-by-side layer-4 proxy benchmark on loopback: direct to the backend (the
# physical limit), HAProxy (mode tcp, nbthread 1), nginx stream (1 worker) and
# staticgate (--workers 1). See bench/README.md for what each figure means.
#
#   bench/run.sh                 # 3 rounds, 5 s per run, 5,000 idle connections
#   bench/run.sh --quick         # 1 round, 2 s per run, 1,000 idle connections (~1 min)
#   bench/run.sh --rounds 5 --no-staticgate
#
# Everything listens on 127.0.0.0/8 only. Every peer and client is started by
# this script, bounded in time, and stopped on exit (trap EXIT).
# Word splitting of $(...) is intended where it yields pid or tick lists.
# shellcheck disable=SC2046,SC2207
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
ORIG_CMD="bench/run.sh${*:+ $*}"

# ------------------------------------------------------------------ options
ROUNDS=3
DURATION=5          # seconds per wrk / iperf3 run
WARM=1              # seconds of keep-alive warm-up after each peer starts
IDLE_CONNS=5000
SETTLE=1            # seconds to let a proxy settle before reading memory
WRK_CONNS=64
USE_STATICGATE=auto # auto: skip with a message when the binary is missing
PEERS_WANTED="direct,haproxy,nginx,staticgate"
HAPROXY_SPLICE=0
REVERSE=1
OUT_DIR="$BENCH_DIR/results"
KEEP_WORK=0
WAIT_QUIET=0        # seconds to wait for other load on the cores to stop
NOISY_RETRIES=      # repeats of a timed run disturbed by other processes (default 2; --quick 0)
QUICK=0
NOISE_LIMIT=0.10    # share of a core used by others that makes a run "disturbed"
PROXY_CPU=${BENCH_PROXY_CPU:-0}
LOAD_CPU=${BENCH_LOAD_CPU:-1}
PORT_BASE=${BENCH_PORT_BASE:-28000}
SG_FORWARDING=${BENCH_SG_FORWARDING:-auto}

usage() {
  cat <<EOF
usage: bench/run.sh [options]
  --rounds N          rounds per figure, medians reported (default $ROUNDS)
  --duration S        seconds per wrk/iperf3 run (default $DURATION)
  --idle-conns N      idle connections for the memory figure (default $IDLE_CONNS)
  --quick             smoke run: 1 round, 2 s runs, 1000 idle connections, no repeats (~1 min)
  --only LIST         comma list of peers among direct,haproxy,nginx,staticgate
  --no-staticgate     skip staticgate (also skipped when the binary is missing)
  --haproxy-splice    add 'option splice-auto' to HAProxy (default: Debian default, no splice)
  --no-reverse        skip the iperf3 -R (server->client) runs
  --out DIR           where latest.md / latest.json go (default bench/results)
  --keep-work         keep the scratch directory (configs, logs, raw outputs)
  --wait-quiet S      first wait up to S seconds (<= 3600) until both cores are < 10% busy
  --noisy-retries N   repeat a timed run up to N times when other processes took > 10% of
                      a core during it (default 2, with --quick 0; all attempts are kept)
environment:
  STATICGATE_BIN      staticgate binary (default build/release/staticgate, then build/dev/staticgate)
  BENCH_PROXY_CPU     core for the proxy under test (default 0)
  BENCH_LOAD_CPU      core for wrk/iperf3/backend/idle client (default 1)
  BENCH_PORT_BASE     ports used: BASE+80 (http) and BASE+201 (iperf3) (default 28000)
  BENCH_SG_FORWARDING staticgate [global] forwarding: auto|splice|copy (default auto)
EOF
}

while (($#)); do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --idle-conns) IDLE_CONNS=$2; shift 2 ;;
    --quick) ROUNDS=1; DURATION=2; IDLE_CONNS=1000; QUICK=1; shift ;;
    --only) PEERS_WANTED=$2; shift 2 ;;
    --no-staticgate) USE_STATICGATE=no; shift ;;
    --haproxy-splice) HAPROXY_SPLICE=1; shift ;;
    --no-reverse) REVERSE=0; shift ;;
    --out) OUT_DIR=$2; shift 2 ;;
    --keep-work) KEEP_WORK=1; shift ;;
    --wait-quiet) WAIT_QUIET=$2; shift 2 ;;
    --noisy-retries) NOISY_RETRIES=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done
for v in ROUNDS DURATION IDLE_CONNS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "$v must be a positive integer" >&2; exit 2; }
done
[[ -n $NOISY_RETRIES ]] || NOISY_RETRIES=$((QUICK ? 0 : 2))
[[ $NOISY_RETRIES =~ ^[0-9]$ ]] || { echo "--noisy-retries takes 0..9" >&2; exit 2; }
[[ $WAIT_QUIET =~ ^[0-9]+$ ]] && ((WAIT_QUIET <= 3600)) || { echo "--wait-quiet takes 0..3600 seconds" >&2; exit 2; }
((ROUNDS <= 20 && DURATION <= 60)) || { echo "--rounds <= 20 and --duration <= 60, please" >&2; exit 2; }

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ------------------------------------------------------------ prerequisites
STREAM_MODULE=/usr/lib/nginx/modules/ngx_stream_module.so
missing=()
for tool in haproxy nginx wrk iperf3 python3 taskset ss pgrep timeout; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[[ -f $STREAM_MODULE ]] || missing+=("$STREAM_MODULE")
if ((${#missing[@]})); then
  echo "missing prerequisites: ${missing[*]}" >&2
  echo "install with:  apt-get install -y haproxy nginx libnginx-mod-stream wrk iperf3 python3 procps iproute2 coreutils util-linux" >&2
  exit 1
fi
[[ -r /proc/slabinfo ]] || log "warning: /proc/slabinfo unreadable (run as root); kernel-memory rows will be empty"

NCPU=$(nproc)
if ((NCPU < 2)); then
  log "warning: 1 CPU: proxy and load share core 0; figures are only comparable within this run"
  PROXY_CPU=0 LOAD_CPU=0
fi

SG_BIN=${STATICGATE_BIN:-}
if [[ -z $SG_BIN ]]; then
  SG_BIN=$REPO_DIR/build/release/staticgate
  [[ -x $SG_BIN || ! -x $REPO_DIR/build/dev/staticgate ]] || SG_BIN=$REPO_DIR/build/dev/staticgate
fi
SKIPPED=""
if [[ ,$PEERS_WANTED, == *,staticgate,* ]]; then
  if [[ $USE_STATICGATE == no ]]; then
    PEERS_WANTED=${PEERS_WANTED//staticgate/}; SKIPPED="staticgate (--no-staticgate)"
  elif [[ ! -x $SG_BIN ]]; then
    log "staticgate binary not found at $SG_BIN: skipping staticgate"
    log "  build it (cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release && cmake --build build/release -j) or set STATICGATE_BIN=/path/to/staticgate"
    PEERS_WANTED=${PEERS_WANTED//staticgate/}; SKIPPED="staticgate (no binary at $SG_BIN)"
  fi
fi
PEERS=()
for p in direct haproxy nginx staticgate; do
  [[ ,$PEERS_WANTED, == *,$p,* ]] && PEERS+=("$p")
done
((${#PEERS[@]})) || die "no peers to run"

# File descriptors: a proxy holds 2 sockets per idle connection (plus pipes
# if it splices). We cannot raise the hard limit; use all of it.
ulimit -n "$(ulimit -Hn)"
NOFILE=$(ulimit -n)
if ((2 * IDLE_CONNS + 2600 > NOFILE)); then
  IDLE_CONNS=$(((NOFILE - 2600) / 2))
  log "warning: fd limit $NOFILE: --idle-conns lowered to $IDLE_CONNS"
fi
# With splice HAProxy also reserves 2 fds per pipe (maxpipes, default maxconn/4).
HAPROXY_MAXPIPES=$((HAPROXY_SPLICE ? 1000 : 0))
HAPROXY_MAXCONN=$(((NOFILE - 600 - 2 * HAPROXY_MAXPIPES) / 2))
NGINX_WORKER_CONNS=$((NOFILE - 200))

HTTP_PORT=$((PORT_BASE + 80))
IPERF_PORT=$((PORT_BASE + 201))
BACKEND_IP=127.0.1.1
declare -A PEER_IP=([direct]=$BACKEND_IP [haproxy]=127.0.0.2 [nginx]=127.0.0.3 [staticgate]=127.0.0.4)

# ------------------------------------------------------- process bookkeeping
WORK=$(mktemp -d /tmp/staticgate-bench.XXXXXX)
STARTED=()       # every background pid this script started
CHILD=""         # the bounded foreground command, if any
BACKEND_PID="" IPERF_PID="" PEER_MAIN=""
PEER_PIDS=()

alive() { [[ -n $1 ]] && kill -0 "$1" 2>/dev/null; }

# stop_pid PID: TERM, wait up to 5 s, then KILL; children of PID too.
stop_pid() {
  local pid=$1 kids i k
  alive "$pid" || return 0
  kids=$(pgrep -P "$pid" 2>/dev/null || true)
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do alive "$pid" || break; sleep 0.1; done
  alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  for k in $kids; do alive "$k" && kill -KILL "$k" 2>/dev/null || true; done
  wait "$pid" 2>/dev/null || true
  # forget it, so a recycled pid is never signalled later
  local keep=()
  for k in "${STARTED[@]}"; do [[ $k == "$pid" ]] || keep+=("$k"); done
  STARTED=("${keep[@]}")
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [[ -n $CHILD ]] && stop_pid "$CHILD"
  local i
  local pids=("${STARTED[@]}")
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop_pid "${pids[i]}"; done
  if ((KEEP_WORK)) || ((rc != 0)); then
    log "scratch directory kept: $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# bounded SECS CMD...: run CMD with a time limit, interruptible by our traps.
bounded() {
  local secs=$1 rc=0; shift
  timeout -k 2 "$secs" "$@" &
  CHILD=$!
  wait "$CHILD" || rc=$?
  CHILD=""
  return "$rc"
}

listening() { [[ -n $(ss -Hltn "src $1 and sport = :$2" 2>/dev/null) ]]; }

# wait_listen IP PORT: up to 10 s for a listener to appear.
wait_listen() {
  local i
  for ((i = 0; i < 200; i++)); do listening "$1" "$2" && return 0; sleep 0.05; done
  return 1
}

require_free() {
  local ip=$1 port
  for port in "$HTTP_PORT" "$IPERF_PORT"; do
    ! listening "$ip" "$port" || die "$ip:$port is already in use (set BENCH_PORT_BASE)"
  done
}

# pids of a process and its direct children (nginx master + worker).
tree_pids() { echo "$1" $(pgrep -P "$1" 2>/dev/null || true); }

# --------------------------------------------------------------- measuring
CLK_TCK=$(getconf CLK_TCK)

# utime+stime (ticks) summed over the given pids (all threads of each).
cpu_ticks() {
  local t=0 pid line f
  for pid in "$@"; do
    [[ -r /proc/$pid/stat ]] || continue
    line=$(</proc/"$pid"/stat)
    read -r -a f <<<"${line##*) }"
    t=$((t + f[11] + f[12]))
  done
  echo "$t"
}

# "busy total" ticks of one core from /proc/stat.
core_ticks() {
  local name user nice sys idle iow irq sirq steal rest
  while read -r name user nice sys idle iow irq sirq steal rest; do
    if [[ $name == "cpu$1" ]]; then
      echo "$((user + nice + sys + irq + sirq)) $((user + nice + sys + idle + iow + irq + sirq + steal))"
      return
    fi
  done </proc/stat
}

# CPU of our own load-side processes: reaped children (wrk, iperf3 client, via
# the shell's `times`) plus the long-running backend nginx and iperf3 server.
# `times` must run in this shell, not in a $(...) subshell (which has no children).
children_ticks() {
  local u s
  times >"$WORK/times.txt"
  { read -r _; read -r u s; } <"$WORK/times.txt"   # line 2: children's "XmY.YYYs XmY.YYYs"
  CHILD_TICKS=$(awk -v u="$u" -v s="$s" -v hz="$CLK_TCK" 'function sec(x,  m) { m = x; sub(/m.*/, "", m); sub(/^[0-9]+m/, "", x); sub(/s$/, "", x); return m * 60 + x }
    BEGIN { printf "%d", (sec(u) + sec(s)) * hz }')
}
# load_ticks: sets LOAD_TICKS, our load-side CPU so far.
load_ticks() {
  children_ticks
  LOAD_TICKS=$((CHILD_TICKS + $(cpu_ticks $(tree_pids "$BACKEND_PID") "$IPERF_PID")))
}

CPU_T0=0 CORE_T0=() LCORE_T0=() LOAD_T0=0
begin_cpu() {
  CPU_T0=$(cpu_ticks "${PEER_PIDS[@]}")
  load_ticks; LOAD_T0=$LOAD_TICKS
  CORE_T0=($(core_ticks "$PROXY_CPU"))
  LCORE_T0=($(core_ticks "$LOAD_CPU"))
}
# frac BUSY TOTAL OURS: share of a core busy with something other than OURS.
frac() { awk -v b="$1" -v t="$2" -v p="$3" 'BEGIN { f = t > 0 ? (b - p) / t : 0; if (f < 0) f = 0; printf "%.3f", f }'; }
# end_cpu: sets CPU_DT (proxy ticks) and FOREIGN: the largest share of the
# proxy core or the load core that was busy with anything but this benchmark
# (other sessions, builds). Kernel work done for us in ksoftirqd counts as
# foreign too, so a few percent is normal.
end_cpu() {
  local c1 core1 lcore1 l1 fp fl
  c1=$(cpu_ticks "${PEER_PIDS[@]}")
  core1=($(core_ticks "$PROXY_CPU"))
  lcore1=($(core_ticks "$LOAD_CPU"))
  load_ticks; l1=$LOAD_TICKS
  CPU_DT=$((c1 - CPU_T0))
  if ((PROXY_CPU == LOAD_CPU)); then
    FOREIGN=$(frac $((core1[0] - CORE_T0[0])) $((core1[1] - CORE_T0[1])) $((CPU_DT + l1 - LOAD_T0)))
    return
  fi
  fp=$(frac $((core1[0] - CORE_T0[0])) $((core1[1] - CORE_T0[1])) "$CPU_DT")
  fl=$(frac $((lcore1[0] - LCORE_T0[0])) $((lcore1[1] - LCORE_T0[1])) $((l1 - LOAD_T0)))
  FOREIGN=$(awk -v a="$fp" -v b="$fl" 'BEGIN { print (a > b ? a : b) }')
}

# quiet_busy SECS: busiest core's share of busy time over SECS seconds.
quiet_busy() {
  local a0 a1 b0 b1
  a0=($(core_ticks "$PROXY_CPU")); b0=($(core_ticks "$LOAD_CPU"))
  sleep "$1"
  a1=($(core_ticks "$PROXY_CPU")); b1=($(core_ticks "$LOAD_CPU"))
  awk -v x="$(frac $((a1[0] - a0[0])) $((a1[1] - a0[1])) 0)" -v y="$(frac $((b1[0] - b0[0])) $((b1[1] - b0[1])) 0)" \
    'BEGIN { printf "%.3f", (x > y ? x : y) }'
}

RAW=$WORK/raw.jsonl
record() { # record JSON: append one raw record and print a one-line summary
  echo "$1" >>"$RAW"
  python3 "$BENCH_DIR/report.py" brief "$1" >&2 || true
}

# noisy SHARE: true when another process took more than NOISE_LIMIT of a core.
noisy() { awk -v f="$1" -v l="$NOISE_LIMIT" 'BEGIN { exit !(f > l) }'; }

# wait_quiet SECS NEEDED: until NEEDED consecutive 1 s samples show both cores
# free of other load, at most SECS seconds. Fails on timeout.
wait_quiet() {
  local deadline=$((SECONDS + $1)) good=0
  while ((SECONDS < deadline)); do
    if noisy "$(quiet_busy 1)"; then good=0; else good=$((good + 1)); fi
    ((good >= $2)) && return 0
  done
  return 1
}

# timed FN ARGS...: run one timed measurement (FN ARGS ATTEMPT). When another
# process took more than NOISE_LIMIT of a core meanwhile, wait (bounded) for
# quiet and repeat, at most NOISY_RETRIES more times. Every attempt is
# recorded; report.py takes medians of the undisturbed ones when there are any.
timed() {
  local a
  for ((a = 0; a <= NOISY_RETRIES; a++)); do
    "$@" "$a"
    noisy "$FOREIGN" || return 0
    ((a < NOISY_RETRIES)) || break
    log "  disturbed by other processes ($(awk -v f="$FOREIGN" 'BEGIN { printf "%.0f%%", f * 100 }') of a core): waiting for quiet, then again"
    wait_quiet 30 2 || true
  done
}

# warm PEER: one short keep-alive wrk run, not recorded.
warm() {
  bounded $((WARM + 20)) taskset -c "$LOAD_CPU" \
    wrk -t1 -c"$WRK_CONNS" -d"${WARM}s" --timeout 5s "http://${PEER_IP[$1]}:$HTTP_PORT/" \
    >"$WORK/wrk-$1-warm.txt" 2>&1 || log "warm-up of $1 failed: $(tail -2 "$WORK/wrk-$1-warm.txt")"
}

# run_wrk PEER ROUND MODE(ka|cc) ATTEMPT
run_wrk() {
  local peer=$1 round=$2 mode=$3 attempt=$4 out w rc=0
  out=$WORK/wrk-$peer-$round-$mode-$attempt.txt
  begin_cpu
  BENCH_CONNECTION_CLOSE=$([[ $mode == cc ]] && echo 1 || echo 0) \
    bounded $((DURATION + 20)) taskset -c "$LOAD_CPU" \
    wrk -t1 -c"$WRK_CONNS" -d"${DURATION}s" --timeout 5s --latency -s "$BENCH_DIR/wrk_report.lua" \
    "http://${PEER_IP[$peer]}:$HTTP_PORT/" >"$out" 2>&1 || rc=$?
  end_cpu
  w=$(python3 "$BENCH_DIR/report.py" wrk "$out")
  ((rc == 0)) || w="{\"error\": \"wrk exit $rc, see $(basename "$out")\"}"
  record "{\"kind\":\"wrk\",\"peer\":\"$peer\",\"round\":$round,\"attempt\":$attempt,\"mode\":\"$mode\",\"wrk\":$w,\"cpu_ticks\":$([[ $peer == direct ]] && echo null || echo "$CPU_DT"),\"foreign_busy\":$FOREIGN}"
}

# run_iperf PEER ROUND DIR(up|down) ATTEMPT
run_iperf() {
  local peer=$1 round=$2 dir=$3 attempt=$4 out i rc=0
  out=$WORK/iperf-$peer-$round-$dir-$attempt.json
  begin_cpu
  bounded $((DURATION + 25)) taskset -c "$LOAD_CPU" \
    iperf3 -c "${PEER_IP[$peer]}" -p "$IPERF_PORT" -t "$DURATION" -J --connect-timeout 3000 \
    $([[ $dir == down ]] && echo -R) >"$out" 2>&1 || rc=$?
  end_cpu
  i=$(python3 "$BENCH_DIR/report.py" iperf "$out")
  if ((rc != 0)); then
    i="{\"error\": \"iperf3 exit $rc, see $(basename "$out")\"}"
    restart_iperf_server
  fi
  record "{\"kind\":\"iperf\",\"peer\":\"$peer\",\"round\":$round,\"attempt\":$attempt,\"dir\":\"$dir\",\"iperf\":$i,\"cpu_ticks\":$([[ $peer == direct ]] && echo null || echo "$CPU_DT"),\"foreign_busy\":$FOREIGN}"
}

# wait_phase FILE PHASE SECS: until the holder prints "PHASE <phase> {...}".
wait_phase() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -q "^PHASE $2 " "$1" 2>/dev/null && return 0
    alive "$HOLD_PID" || return 1
    sleep 0.1
  done
  return 1
}

# run_idle PEER ROUND: hold IDLE_CONNS connections through the peer and
# record memory before/after, once after connect and once after one request.
HOLD_PID=""
run_idle() {
  local peer=$1 round=$2 out base snap phase info has_pids=false
  ((${#PEER_PIDS[@]})) && has_pids=true
  out=$WORK/hold-$peer-$round.txt
  sleep "$SETTLE"
  base=$(python3 "$BENCH_DIR/report.py" snapshot "${PEER_PIDS[@]}")
  # no `timeout` wrapper: it would die of our SIGUSR1; the holder bounds itself
  taskset -c "$LOAD_CPU" python3 "$BENCH_DIR/hold_connections.py" \
    --host "${PEER_IP[$peer]}" --port "$HTTP_PORT" --count "$IDLE_CONNS" \
    --phase-timeout 60 --deadline 180 >"$out" 2>"$out.err" &
  HOLD_PID=$!
  STARTED+=("$HOLD_PID")
  for phase in connected requested; do
    if ! wait_phase "$out" "$phase" 90; then
      record "{\"kind\":\"idle\",\"peer\":\"$peer\",\"round\":$round,\"phase\":\"$phase\",\"error\":\"holder did not reach phase $phase, see $(basename "$out").err\"}"
      break
    fi
    sleep "$SETTLE"
    snap=$(python3 "$BENCH_DIR/report.py" snapshot "${PEER_PIDS[@]}")
    info=$(grep "^PHASE $phase " "$out" | head -1 | cut -d' ' -f3-)
    record "{\"kind\":\"idle\",\"peer\":\"$peer\",\"round\":$round,\"phase\":\"$phase\",\"has_pids\":$has_pids,\"holder\":$info,\"baseline\":$base,\"held\":$snap}"
    kill -USR1 "$HOLD_PID" 2>/dev/null || true
  done
  stop_pid "$HOLD_PID"
  HOLD_PID=""
}

# ------------------------------------------------------------------- peers
start_backend() {
  require_free "$BACKEND_IP"
  mkdir -p "$WORK/backend/logs"
  cat >"$WORK/backend/nginx.conf" <<EOF
# backend: tiny HTTP response; keep-alive connections are never cut by the backend
user root;
worker_processes 1;
worker_rlimit_nofile $NOFILE;
pid $WORK/backend/nginx.pid;
error_log $WORK/backend/error.log warn;
events { worker_connections $NGINX_WORKER_CONNS; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 600s;
  server {
    listen $BACKEND_IP:$HTTP_PORT backlog=4096;
    location / { return 200 "ok\n"; }
  }
}
EOF
  taskset -c "$LOAD_CPU" nginx -p "$WORK/backend/" -e "$WORK/backend/error.log" \
    -c "$WORK/backend/nginx.conf" -g 'daemon off;' >"$WORK/backend/stdout.log" 2>&1 &
  BACKEND_PID=$!
  STARTED+=("$BACKEND_PID")
  wait_listen "$BACKEND_IP" "$HTTP_PORT" || die "backend nginx did not start: $(tail -5 "$WORK/backend/error.log")"
  restart_iperf_server
}

restart_iperf_server() {
  [[ -n $IPERF_PID ]] && stop_pid "$IPERF_PID"
  taskset -c "$LOAD_CPU" iperf3 -s -B "$BACKEND_IP" -p "$IPERF_PORT" >"$WORK/iperf3-server.log" 2>&1 &
  IPERF_PID=$!
  STARTED+=("$IPERF_PID")
  wait_listen "$BACKEND_IP" "$IPERF_PORT" || die "iperf3 server did not start: $(tail -5 "$WORK/iperf3-server.log")"
}

write_haproxy_cfg() {
  cat <<EOF
global
  nbthread 1
  maxconn $HAPROXY_MAXCONN
$( ((HAPROXY_SPLICE)) && echo "  maxpipes $HAPROXY_MAXPIPES")
defaults
  mode tcp
  maxconn $HAPROXY_MAXCONN
  timeout connect 5s
  timeout client 600s
  timeout server 600s
$( ((HAPROXY_SPLICE)) && echo "  option splice-auto")
frontend fe_http
  bind $1:$HTTP_PORT
  default_backend be_http
backend be_http
  server s1 $BACKEND_IP:$HTTP_PORT
frontend fe_iperf
  bind $1:$IPERF_PORT
  default_backend be_iperf
backend be_iperf
  server s1 $BACKEND_IP:$IPERF_PORT
EOF
}

write_nginx_stream_cfg() {
  cat <<EOF
load_module $STREAM_MODULE;
user root;
worker_processes 1;
worker_rlimit_nofile $NOFILE;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections $NGINX_WORKER_CONNS; }
stream {
  proxy_connect_timeout 5s;
  proxy_timeout 600s;
  server { listen $1:$HTTP_PORT backlog=4096; proxy_pass $BACKEND_IP:$HTTP_PORT; }
  server { listen $1:$IPERF_PORT; proxy_pass $BACKEND_IP:$IPERF_PORT; }
}
EOF
}

write_staticgate_cfg() {
  cat <<EOF
[global]
workers = 1
log_level = "warn"
forwarding = "$SG_FORWARDING"

[[listener]]
name = "http"
bind = ["$1:$HTTP_PORT"]
target_group = "http"
max_connections = 0
idle_timeout = "600s"

[[listener]]
name = "iperf"
bind = ["$1:$IPERF_PORT"]
target_group = "iperf"
max_connections = 0
idle_timeout = "600s"

[[target_group]]
name = "http"
algorithm = "round_robin"
connect_timeout = "5s"
targets = ["$BACKEND_IP:$HTTP_PORT"]

[[target_group]]
name = "iperf"
algorithm = "round_robin"
connect_timeout = "5s"
targets = ["$BACKEND_IP:$IPERF_PORT"]
EOF
}

# start_peer PEER: start it fresh, pinned to PROXY_CPU; sets PEER_MAIN/PEER_PIDS.
start_peer() {
  local peer=$1 ip=${PEER_IP[$1]} dir=$WORK/$1 i
  PEER_MAIN="" PEER_PIDS=()
  [[ $peer == direct ]] && return 0
  require_free "$ip"
  mkdir -p "$dir/logs"
  case $peer in
    haproxy)
      write_haproxy_cfg "$ip" >"$dir/haproxy.cfg"
      taskset -c "$PROXY_CPU" haproxy -db -f "$dir/haproxy.cfg" >"$dir/log" 2>&1 &
      ;;
    nginx)
      write_nginx_stream_cfg "$ip" >"$dir/nginx.conf"
      taskset -c "$PROXY_CPU" nginx -p "$dir/" -e "$dir/error.log" -c "$dir/nginx.conf" \
        -g 'daemon off;' >"$dir/log" 2>&1 &
      ;;
    staticgate)
      write_staticgate_cfg "$ip" >"$dir/staticgate.toml"
      if ! "$SG_BIN" check -c "$dir/staticgate.toml" >"$dir/check.log" 2>&1; then
        log "staticgate rejected the benchmark config:"; cat "$dir/check.log" >&2
        return 1
      fi
      taskset -c "$PROXY_CPU" "$SG_BIN" run -c "$dir/staticgate.toml" --workers 1 >"$dir/log" 2>&1 &
      ;;
  esac
  PEER_MAIN=$!
  STARTED+=("$PEER_MAIN")
  if ! wait_listen "$ip" "$HTTP_PORT" || ! wait_listen "$ip" "$IPERF_PORT"; then
    log "$peer did not start listening; its log:"
    tail -20 "$dir/log" "$dir/error.log" 2>/dev/null >&2 || true
    stop_pid "$PEER_MAIN"
    return 1
  fi
  if [[ $peer == nginx ]]; then # the worker appears just after the listeners
    for ((i = 0; i < 50; i++)); do [[ -n $(pgrep -P "$PEER_MAIN") ]] && break; sleep 0.1; done
  fi
  PEER_PIDS=($(tree_pids "$PEER_MAIN"))
}

stop_peer() {
  [[ -n $PEER_MAIN ]] && stop_pid "$PEER_MAIN"
  PEER_MAIN="" PEER_PIDS=()
}

# ------------------------------------------------------------------- run
versions() {
  local sgv="skipped"
  [[ " ${PEERS[*]} " == *" staticgate "* ]] && sgv="$("$SG_BIN" version 2>/dev/null | head -1 || echo 'staticgate ?') ($SG_BIN, forwarding=$SG_FORWARDING)"
  echo "$(haproxy -v | head -1 | cut -d' ' -f1-3); $(nginx -v 2>&1 | cut -d' ' -f3); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2); $(iperf3 --version | head -1 | cut -d' ' -f1-2); $sgv"
}

RUN_DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "peers: ${PEERS[*]}${SKIPPED:+ (skipped: $SKIPPED)}; rounds $ROUNDS; ${DURATION}s per run; $IDLE_CONNS idle connections"
log "pinning: proxy on CPU $PROXY_CPU; wrk, iperf3, backend and idle client on CPU $LOAD_CPU; load average $LOAD_START"
if ((WAIT_QUIET)); then
  log "waiting up to ${WAIT_QUIET}s for 5 quiet seconds in a row (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  wait_quiet "$WAIT_QUIET" 5 || log "cores still busy after ${WAIT_QUIET}s; running anyway"
fi
BUSY_START=$(quiet_busy 1)
awk -v b="$BUSY_START" 'BEGIN { exit !(b > 0.10) }' &&
  log "warning: a core is $(awk -v b="$BUSY_START" 'BEGIN { printf "%.0f%%", b * 100 }') busy before we start: something else is running; expect noise (see --wait-quiet)"
LOAD_START="$LOAD_START; busiest core before start $(awk -v b="$BUSY_START" 'BEGIN { printf "%.0f%%", b * 100 }') busy"
log "scratch: $WORK"

start_backend
for ((round = 1; round <= ROUNDS; round++)); do
  # rotate the order each round so no peer always runs first or last
  n=${#PEERS[@]}
  for ((slot = 0; slot < n; slot++)); do
    peer=${PEERS[(slot + round - 1) % n]}
    log "round $round/$ROUNDS: $peer"
    if ! start_peer "$peer"; then
      record "{\"kind\":\"start\",\"peer\":\"$peer\",\"round\":$round,\"error\":\"did not start\"}"
      continue
    fi
    warm "$peer"
    # idle first: connection-per-request runs leave TIME_WAIT sockets behind
    run_idle "$peer" "$round"
    timed run_wrk "$peer" "$round" ka
    timed run_iperf "$peer" "$round" up
    ((REVERSE)) && timed run_iperf "$peer" "$round" down
    timed run_wrk "$peer" "$round" cc
    if [[ $peer != direct ]] && ! alive "$PEER_MAIN"; then
      record "{\"kind\":\"crash\",\"peer\":\"$peer\",\"round\":$round,\"error\":\"exited during the round; see $peer/log\"}"
    fi
    stop_peer
  done
done

mkdir -p "$OUT_DIR"
META=$WORK/meta.json
BENCH_META_PEERS="${PEERS[*]}" BENCH_META_SKIPPED="$SKIPPED" BENCH_META_CMD="$ORIG_CMD" \
BENCH_META_DATE="$RUN_DATE" BENCH_META_VERSIONS="$(versions)" BENCH_META_LOAD0="$LOAD_START" \
BENCH_META_PIN="proxy taskset -c $PROXY_CPU; wrk, iperf3 client+server, backend nginx, idle client taskset -c $LOAD_CPU" \
BENCH_META_MACHINE="$(uname -sr), $NCPU x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), fd limit $NOFILE" \
python3 - "$META" "$ROUNDS" "$DURATION" "$IDLE_CONNS" "$CLK_TCK" "$NOISE_LIMIT" "$NOISY_RETRIES" <<'EOF'
import json, os, sys
e = os.environ
json.dump({
    "date": e["BENCH_META_DATE"], "command": e["BENCH_META_CMD"],
    "peers": e["BENCH_META_PEERS"].split(), "skipped": e["BENCH_META_SKIPPED"],
    "rounds": int(sys.argv[2]), "duration_s": int(sys.argv[3]), "idle_conns": int(sys.argv[4]),
    "clk_tck": int(sys.argv[5]), "noise_limit": float(sys.argv[6]), "noisy_retries": int(sys.argv[7]),
    "versions": e["BENCH_META_VERSIONS"],
    "machine": e["BENCH_META_MACHINE"], "pinning": e["BENCH_META_PIN"],
    "loadavg_start": e["BENCH_META_LOAD0"],
    "loadavg_end": " ".join(open("/proc/loadavg").read().split()[:3]),
}, open(sys.argv[1], "w"), indent=1)
EOF
echo
python3 "$BENCH_DIR/report.py" table "$RAW" "$META" "$OUT_DIR/latest.md" "$OUT_DIR/latest.json"
echo
log "wrote $OUT_DIR/latest.md and $OUT_DIR/latest.json"
