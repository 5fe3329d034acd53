#!/usr/bin/python3
"""Checks a Prometheus text exposition (staticgate's /metrics).

    check_metrics.py [URL | -] [--require FAMILY ...]

Reads the text from URL (http://127.0.0.1:9901/metrics) or stdin, then
  1. runs `promtool check metrics` on it: any non-zero exit or any output
     (promtool prints lint problems such as missing HELP or a counter without
     _total) is a failure;
  2. parses it with prometheus_client and prints one family name a line
     (histograms under their base name, counters without _total, as the
     parser reports them).
Exits 0 when all is well, 1 on any problem (reported on stderr).
Importable: check(text) returns the family names or raises CheckError.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

PROMTOOL = "/usr/bin/promtool"


class CheckError(Exception):
    pass


def fetch(source: str, timeout: float = 10.0) -> str:
    if source == "-":
        return sys.stdin.read()
    with urllib.request.urlopen(source, timeout=timeout) as resp:
        content_type = resp.headers.get("Content-Type", "")
        if not content_type.startswith("text/plain; version=0.0.4"):
            raise CheckError(f"unexpected Content-Type {content_type!r}")
        return resp.read().decode("utf-8")


def run_promtool(text: str) -> None:
    proc = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True,
                          text=True, timeout=60, check=False)
    output = (proc.stdout + proc.stderr).strip()
    if proc.returncode != 0 or output:
        raise CheckError(f"promtool check metrics (exit {proc.returncode}): {output or 'no output'}")


def parse_families(text: str) -> list[str]:
    try:
        return [family.name for family in text_string_to_metric_families(text)]
    except Exception as e:  # the parser raises ValueError and friends
        raise CheckError(f"prometheus_client cannot parse the text: {e}") from e


def check(text: str, required: list[str] | tuple[str, ...] = ()) -> list[str]:
    if not text.strip():
        raise CheckError("empty exposition")
    run_promtool(text)
    names = parse_families(text)
    missing = [name for name in required if name not in names]
    if missing:
        raise CheckError(f"missing families: {', '.join(missing)}")
    return names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", nargs="?", default="-", help="URL of /metrics, or - for stdin (default)")
    parser.add_argument("--require", action="append", default=[], metavar="FAMILY",
                        help="a family name (as printed) that must be present; repeatable")
    args = parser.parse_args()
    try:
        names = check(fetch(args.source), args.require)
    except (CheckError, OSError, subprocess.TimeoutExpired) as e:
        print(f"check_metrics: {e}", file=sys.stderr)
        return 1
    for name in names:
        print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
