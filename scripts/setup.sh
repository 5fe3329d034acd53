#!/usr/bin/env bash
# Installs everything staticgate needs to build, test and benchmark, from
# Debian 12's packages (and one npm package). Idempotent: does nothing when all are present.
set -euo pipefail

packages=(
  # build
  g++ cmake ninja-build pkg-config
  libtomlplusplus-dev libspdlog-dev libfmt-dev libcli11-dev libgtest-dev
  libcpp-httplib-dev nlohmann-json3-dev libc-ares-dev libcrypt-dev libssl-dev libcurl4-openssl-dev
  libpugixml-dev
  # fuzzing (libFuzzer runtime for clang)
  clang libclang-rt-14-dev
  # test peers and clients
  nginx libnginx-mod-stream haproxy curl python3 python3-pytest python3-psutil
  prometheus python3-prometheus-client pdns-server pdns-backend-bind dnsutils proxychains4 openssl
  # the reference SigV4 signer tests/integration/test_sigv4_botocore.py compares against
  python3-botocore
  # the real AWS CLI (v2, with its own bundled botocore) that proves tests/integration/fake_aws faithful
  awscli
  # benchmark
  wrk iperf3
  # the static AWS Lambda build, scripts/build-lambda.sh (apt-get source, curl's configure, the zip)
  dpkg-dev make patch file zip
)

# The S3 emulator tests/integration/test_s3_state_store.py runs: s3rver from npm, pinned by
# tests/integration/s3/package-lock.json, installed into build/npm/s3 (node and npm come with
# the machine image). Reinstalled only when the lock file changed since the last good install.
root="$(cd "$(dirname "$0")/.." && pwd)"
s3_peer_src="$root/tests/integration/s3"
s3_peer_dir="$root/build/npm/s3"
if ! cmp -s "$s3_peer_src/package-lock.json" "$s3_peer_dir/.installed-package-lock.json" ||
   [ ! -f "$s3_peer_dir/node_modules/s3rver/bin/s3rver.js" ]; then
  command -v npm >/dev/null || { echo "setup: npm not found (needed for the S3 emulator s3rver)" >&2; exit 1; }
  echo "setup: installing the S3 emulator (npm ci) into $s3_peer_dir"
  mkdir -p "$s3_peer_dir"
  cp "$s3_peer_src/package.json" "$s3_peer_src/package-lock.json" "$s3_peer_dir/"
  npm ci --ignore-scripts --no-audit --no-fund --prefix "$s3_peer_dir" >/dev/null
  cp "$s3_peer_src/package-lock.json" "$s3_peer_dir/.installed-package-lock.json"
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# Debian starts nginx and haproxy as services on install where it can; we run
# our own instances on loopback, so keep the packaged ones from starting.
printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
$sudo chmod +x /usr/sbin/policy-rc.d
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
$sudo rm -f /usr/sbin/policy-rc.d
