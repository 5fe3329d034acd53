#!/usr/bin/env bash
# Builds staticgate as one fully static x86_64 executable for AWS Lambda's provided.al2023
# runtime, named `bootstrap` as Lambda wants it, and zips it for upload:
#
#   build/lambda/bootstrap                 the static staticgate (stripped)
#   build/lambda/staticgate-lambda.zip     bootstrap alone, mode 755, ready for
#                                          `aws lambda create-function --runtime provided.al2023
#                                           --handler bootstrap --zip-file fileb://...`
#   build/lambda/lambda_echo               the static echo function of the tests
#                                          (tests/integration/test_lambda_static.py)
#
# Usage: scripts/build-lambda.sh [--deps-only]      (JOBS=n for parallel jobs, default 2)
#
# It takes minutes (building libcurl alone is ~3 min on one core), so CI does not run it:
# test_lambda_static.py skips when build/lambda/bootstrap is absent. Run it by hand, then
#   cd tests/integration && STATICGATE_BIN=../../build/lambda/bootstrap \
#     /usr/bin/python3 -m pytest -q -p no:cacheprovider test_lambda_static.py
#
# Why each dependency comes from where it does (Debian 12):
#   - libssl.a, libcrypto.a, libcares.a, libcrypt.a (libxcrypt), libpugixml.a, libz.a,
#     libbrotli{enc,dec,common}.a: Debian's -dev packages ship them.
#   - fmt, spdlog, toml++: Debian ships only shared libraries; all three are used header-only
#     (FMT_HEADER_ONLY, SPDLOG_HEADER_ONLY, TOML_HEADER_ONLY=1): cmake/static_dependencies.cmake.
#   - cpp-httplib: Debian's is split into a shared library; its source package holds upstream's
#     single header, used header-only with OpenSSL, zlib and Brotli like Debian's build.
#   - libcurl: Debian's libcurl.a needs static nghttp2, idn2, psl, ssh2, rtmp, ldap, gssapi,
#     brotli and zstd, most of which Debian does not ship as .a. So curl is built here from
#     Debian's source package with HTTP(S) only, OpenSSL for TLS and c-ares for DNS.
# The sources come from `apt-get source` with a private apt state under build/lambda-deps/apt:
# deb-src twins of the system's Debian sources (same mirrors, same keys), so nothing under
# /etc/apt changes.
#
# Name resolution in a static glibc program: glibc's getaddrinfo(), getpwnam() and friends go
# through NSS, which dlopen()s libnss_*.so of the exact glibc that linked the program; on
# Amazon Linux (another glibc) that fails or misbehaves. staticgate resolves names with c-ares
# (its own resolver and libcurl, built with --enable-ares), which reads /etc/resolv.conf and
# /etc/hosts itself. The link step below prints glibc's warnings for every NSS function still
# linked in, and the script saves them to build/lambda/nss-warnings.txt. The static libcurl
# built here references none (no getaddrinfo: c-ares; no getpwuid: no .netrc). Known callers:
#   - getaddrinfo: cpp-httplib (the admin listener and `staticgate status/reload`) and
#     OpenSSL's BIO_lookup (unused). Harmless for numeric addresses, which glibc parses
#     without NSS; a host NAME in admin.listen would need NSS and is not supported here.
#   - gethostbyname: OpenSSL's deprecated BIO_get_host_ip (unused).
#   - getservbyname / getservbyport_r: c-ares, only for service NAMES; staticgate's resolver
#     uses ares_query and libcurl passes numeric ports.
#   - dlopen: OpenSSL's engine/provider loading (unused: everything is built in).
# TLS: the static libcurl trusts /etc/pki/tls/certs/ca-bundle.crt, Amazon Linux's CA bundle
# (Debian's is /etc/ssl/certs/ca-certificates.crt, so HTTPS from this binary on Debian fails
# certificate checks; the Runtime API is plain HTTP on loopback).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/lambda
deps=$root/build/lambda-deps
prefix=$deps/prefix
jobs=${JOBS:-2}
deps_only=false
[ "${1:-}" = "--deps-only" ] && deps_only=true

if [ "$(uname -m)" != x86_64 ]; then
  echo "build-lambda: only x86_64 is supported (Lambda's x86_64 architecture)" >&2
  exit 1
fi
for tool in apt-get dpkg-source patch make gcc g++ cmake ninja zip file strip; do
  command -v "$tool" >/dev/null || { echo "build-lambda: $tool is missing (scripts/setup.sh)" >&2; exit 1; }
done

mkdir -p "$out" "$deps/src" "$prefix/include"

# ---------------------------------------------------------------- private apt state, deb-src
apt_dir=$deps/apt
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
          -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o "APT::Sandbox::User=root")
fetch_sources() {
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/sources.list.d"
  : >"$apt_dir/sources.list"
  rm -f "$apt_dir/sources.list.d/"*
  # One-line sources: every Debian "deb" line again as "deb-src".
  if [ -f /etc/apt/sources.list ]; then
    sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' /etc/apt/sources.list >>"$apt_dir/sources.list"
  fi
  # deb822 sources signed by Debian's archive key: the same stanzas with Types: deb-src.
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    grep -q 'debian-archive-keyring' "$f" || continue
    sed 's/^Types:.*/Types: deb-src/' "$f" >"$apt_dir/sources.list.d/$(basename "$f")"
  done
  if [ ! -s "$apt_dir/sources.list" ] && [ -z "$(ls "$apt_dir/sources.list.d")" ]; then
    echo "build-lambda: no Debian apt sources found to derive deb-src entries from" >&2
    exit 1
  fi
  apt-get "${apt_opts[@]}" update -qq
}

# source_dir PACKAGE: unpacks Debian's source of PACKAGE (the installed version when the
# archive still has it) under $deps/src and prints the directory.
source_dir() {
  local package=$1 version dir
  version=$(dpkg-query -W -f='${source:Version}' "$2" 2>/dev/null || true)
  dir=$(find "$deps/src" -maxdepth 1 -type d -name "${package}-*" | head -n 1)
  if [ -z "$dir" ]; then
    [ -f "$apt_dir/.updated" ] || { fetch_sources; touch "$apt_dir/.updated"; }
    (cd "$deps/src" &&
      { apt-get "${apt_opts[@]}" source -qq "$package=$version" 2>/dev/null ||
        apt-get "${apt_opts[@]}" source -qq "$package"; }) >&2
    dir=$(find "$deps/src" -maxdepth 1 -type d -name "${package}-*" | head -n 1)
  fi
  [ -n "$dir" ] || { echo "build-lambda: could not get the source of $package" >&2; exit 1; }
  echo "$dir"
}

# ---------------------------------------------------------------- libcurl, static and small
if [ ! -f "$prefix/lib/libcurl.a" ]; then
  curl_src=$(source_dir curl libcurl4-openssl-dev)
  # Debian's series ends with the patches that rename the library for its GnuTLS and NSS
  # flavours; this is the OpenSSL one, so take them back out (newest first).
  for patch in 99_nss.patch 90_gnutls.patch; do
    if [ -f "$curl_src/debian/patches/$patch" ] &&
       patch -d "$curl_src" -R -p1 -s -f --dry-run <"$curl_src/debian/patches/$patch" >/dev/null 2>&1; then
      patch -d "$curl_src" -R -p1 -s -f <"$curl_src/debian/patches/$patch"
    fi
  done
  echo "build-lambda: building a static libcurl from $curl_src"
  rm -rf "$deps/curl-build"
  mkdir -p "$deps/curl-build"
  (cd "$deps/curl-build" &&
    "$curl_src/configure" --quiet --prefix="$prefix" --disable-shared --enable-static --with-pic \
      --with-openssl --enable-ares --without-zlib --without-brotli --without-zstd \
      --without-libidn2 --without-libpsl --without-nghttp2 --without-nghttp3 --without-ngtcp2 \
      --without-libssh2 --without-libssh --without-librtmp --without-gssapi --without-libgsasl \
      --disable-ldap --disable-ldaps --disable-rtsp --disable-dict --disable-telnet --disable-tftp \
      --disable-pop3 --disable-imap --disable-smtp --disable-gopher --disable-mqtt --disable-smb \
      --disable-file --disable-ftp --disable-ntlm --disable-netrc --disable-manual \
      --disable-alt-svc --disable-hsts --disable-cookies \
      --with-ca-bundle=/etc/pki/tls/certs/ca-bundle.crt --without-ca-path &&
    make -s -j"$jobs" -C lib && make -s -C lib install && make -s -C include install)
  mkdir -p "$prefix/lib/pkgconfig"
  cp "$deps/curl-build/libcurl.pc" "$prefix/lib/pkgconfig/"
fi

# ---------------------------------------------------------------- cpp-httplib, header-only
if [ ! -f "$prefix/include/httplib.h" ]; then
  httplib_src=$(source_dir cpp-httplib libcpp-httplib-dev)
  cp "$httplib_src/httplib.h" "$prefix/include/httplib.h"
fi
if ! grep -q 'inline void Server::' "$prefix/include/httplib.h" &&
   ! grep -q 'inline bool Server::listen' "$prefix/include/httplib.h"; then
  echo "build-lambda: $prefix/include/httplib.h is not the single-header (implementation) version" >&2
  exit 1
fi

$deps_only && exit 0

# ---------------------------------------------------------------- staticgate
build=$root/build/lambda-static
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTATICGATE_STATIC=ON \
  -DSTATICGATE_STATIC_PREFIX="$prefix" -DSTATICGATE_TESTS=ON -DSTATICGATE_WERROR=OFF "${launcher[@]}" >/dev/null
# glibc's "statically linked applications requires at runtime the shared libraries" warnings
# name the NSS functions still linked in: kept for review.
ninja -C "$build" -j"$jobs" staticgate lambda_echo 2>&1 | tee "$build/link.log"
sed -n "s/.*Using '\([a-z_]*\)' in statically linked.*/\1/p" "$build/link.log" | sort -u >"$out/nss-warnings.txt" || true

cp "$build/staticgate" "$out/bootstrap"
cp "$build/tests/lambda_echo" "$out/lambda_echo"
strip "$out/bootstrap" "$out/lambda_echo"
chmod 755 "$out/bootstrap" "$out/lambda_echo"
if ! file "$out/bootstrap" | grep -q 'statically linked'; then
  echo "build-lambda: $out/bootstrap is not statically linked: $(file "$out/bootstrap")" >&2
  exit 1
fi
rm -f "$out/staticgate-lambda.zip"
(cd "$out" && zip -q -X staticgate-lambda.zip bootstrap)
echo "build-lambda: $(file -b "$out/bootstrap" | cut -d, -f1-4)"
echo "build-lambda: NSS functions linked in: $(tr '\n' ' ' <"$out/nss-warnings.txt")"
echo "build-lambda: wrote $out/staticgate-lambda.zip ($(stat -c %s "$out/staticgate-lambda.zip") bytes)"
