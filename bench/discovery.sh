#!/usr/bin/env bash
# DNS discovery benchmark (issue 4): staticgate's discovery run beside the AWS
# recipe's lookup loop, against PowerDNS answering 8 random of 100 addresses,
# and the time for a new address to carry traffic. See bench/README.md.
#
#   bench/discovery.sh            # 200 runs + 5 new addresses (about 3-4 minutes)
#   bench/discovery.sh --quick    # 30 runs + 3 new addresses (about 1 minute)
#   bench/discovery.sh --help
#
# Loopback only; bench/discovery.py stops everything it started on exit.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
missing=()
[[ -x /usr/sbin/pdns_server && -x /usr/bin/pdns_control ]] || missing+=(pdns-server)
/usr/bin/python3 -c 'import dns.resolver' 2>/dev/null || missing+=(python3-dnspython)
if ((${#missing[@]})); then
  echo "missing prerequisites: ${missing[*]}" >&2
  echo "install with:  apt-get install -y pdns-server pdns-backend-bind python3-dnspython" >&2
  exit 1
fi
BENCH_DISCOVERY_COMMAND="bench/discovery.sh${*:+ $*}" exec /usr/bin/python3 "$BENCH_DIR/discovery.py" "$@"
