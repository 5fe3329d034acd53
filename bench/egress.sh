#!/usr/bin/env bash
# Egress benchmark (issue 5): staticgate's SOCKS5 and HTTP CONNECT beside
# Dante, tinyproxy and Squid, through one loopback nginx. See bench/README.md.
#
#   bench/egress.sh            # 3 rounds, 5 s rate runs, 1 GiB bulk, 2,000 idle tunnels (~6 min)
#   bench/egress.sh --quick    # 1 round, 2 s runs, 256 MiB, 1,000 idle tunnels (~1-2 min)
#   bench/egress.sh --help
#
# Installs the peers with apt-get when they are missing (their packaged
# services are kept from starting), compiles bench/tools/tunnel_client.c, then
# runs bench/egress.py, which binds to 127.0.0.0/8 only and stops everything
# it started on exit.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

packages=(dante-server tinyproxy squid nginx gcc libc6-dev util-linux python3)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "egress.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Debian starts danted, tinyproxy and squid as services on install; we run
  # our own instances on loopback. policy-rc.d refuses the start; keep an
  # existing one, remove only the one we wrote.
  own_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
    own_policy=1
  fi
  rc=0
  { $sudo timeout 900 apt-get update -qq &&
    $sudo timeout 900 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } || rc=$?
  ((own_policy)) && $sudo rm -f /usr/sbin/policy-rc.d
  ((rc == 0)) || { echo "egress.sh: apt-get failed ($rc)" >&2; exit 1; }
  # Where policy-rc.d was not honoured (systemd running), stop the services.
  for svc in danted tinyproxy squid; do
    $sudo systemctl stop "$svc" 2>/dev/null || $sudo service "$svc" stop >/dev/null 2>&1 || true
  done
fi

TOOLS_BIN=${TMPDIR:-/tmp}/staticgate-bench-tools
mkdir -p "$TOOLS_BIN"
CLIENT=$TOOLS_BIN/tunnel_client
if [[ ! -x $CLIENT || $BENCH_DIR/tools/tunnel_client.c -nt $CLIENT ]]; then
  gcc -O2 -Wall -Wextra -o "$CLIENT.tmp" "$BENCH_DIR/tools/tunnel_client.c"
  mv "$CLIENT.tmp" "$CLIENT"
fi

BENCH_EGRESS_COMMAND="bench/egress.sh${*:+ $*}" exec /usr/bin/python3 "$BENCH_DIR/egress.py" --client "$CLIENT" "$@"
