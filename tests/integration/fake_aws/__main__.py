"""python3 -m fake_aws [--host 127.0.0.1] [--port 0]: runs the fake in the foreground and prints
one JSON line {"url", "port", "access_key_id", "secret_access_key"} once it listens, so a
non-Python test can start it as a subprocess and read where it is. SIGTERM/SIGINT stop it."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from .server import FakeAws


def main() -> int:
    parser = argparse.ArgumentParser(prog="fake_aws")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    fake = FakeAws(host=args.host, port=args.port).start()
    print(json.dumps({"url": f"http://{args.host}:{fake.port}", "port": fake.port,
                      "access_key_id": fake.access_key_id, "secret_access_key": fake.secret_access_key}), flush=True)
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    while not done.wait(1.0):
        pass
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
