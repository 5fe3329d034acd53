#!/usr/bin/env bash
# Installs everything staticgate needs to build, test and benchmark, from
# Debian 12's packages. Idempotent: does nothing when all are present.
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
