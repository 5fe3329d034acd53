#!/usr/bin/env python3
"""Open N TCP connections to HOST:PORT and hold them idle, in two phases.

Used by bench/run.sh to measure the memory a proxy spends per idle connection.

Phase 1 "connected": open all connections (sequentially, each with a bounded
connect timeout) and send nothing. Print one line
    PHASE connected {json}
and wait for SIGUSR1 (or --phase-timeout seconds).

Phase 2 "requested": send one HTTP/1.1 keep-alive request on every connection
and read its whole response, so every proxy has certainly connected upstream
and moved bytes both ways; then the connections sit idle again. Print
    PHASE requested {json}
and wait for SIGUSR1/SIGTERM (or --phase-timeout seconds), then close all and
exit. The whole run is bounded by --deadline seconds.

The json carries how many connections are open and how many failed, so the
caller divides by the number actually held, not the number asked for.
"""

import argparse
import json
import resource
import selectors
import signal
import socket
import sys
import time

REQUEST = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n"


def say(phase, **fields):
    print("PHASE " + phase + " " + json.dumps(fields), flush=True)


def wait_for_go(timeout):
    """Block until SIGUSR1 or SIGTERM arrives, at most `timeout` seconds."""
    sig = signal.sigtimedwait({signal.SIGUSR1, signal.SIGTERM}, timeout)
    return sig.si_signo if sig else None


def open_all(host, port, count, per_connect_timeout, deadline):
    socks, failures, first_error = [], 0, None
    for _ in range(count):
        if time.monotonic() > deadline:
            failures += count - len(socks) - failures
            first_error = first_error or "deadline while connecting"
            break
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(per_connect_timeout)
        try:
            s.connect((host, port))
            s.setblocking(False)
            socks.append(s)
        except OSError as e:
            failures += 1
            first_error = first_error or repr(e)
            s.close()
    return socks, failures, first_error


def request_all(socks, deadline):
    """Send one request on each socket, read one full response from each.

    Returns the sockets that got a complete response; closes the others.
    """
    sel = selectors.DefaultSelector()
    pending = {}
    for s in socks:
        try:
            s.send(REQUEST)  # 30 bytes into an empty socket buffer: never partial
            pending[s] = b""
            sel.register(s, selectors.EVENT_READ)
        except OSError:
            s.close()
    good = []
    while pending and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            try:
                chunk = s.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if not chunk:  # closed by the peer before a full response
                sel.unregister(s)
                del pending[s]
                s.close()
                continue
            buf = pending[s] + chunk
            head, sep, body = buf.partition(b"\r\n\r\n")
            length = None
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            if sep and length is not None and len(body) >= length:
                sel.unregister(s)
                del pending[s]
                good.append(s)
            else:
                pending[s] = buf
    for s in pending:
        sel.unregister(s)
        s.close()
    sel.close()
    return good


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, default=5000)
    ap.add_argument("--connect-timeout", type=float, default=5.0)
    ap.add_argument("--phase-timeout", type=float, default=60.0)
    ap.add_argument("--deadline", type=float, default=180.0,
                    help="hard bound on the whole run, seconds")
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.count + 64 > hard:
        print(f"fd hard limit {hard} too low for {args.count} connections", file=sys.stderr)
        return 2

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGTERM})
    start = time.monotonic()
    deadline = start + args.deadline

    socks, failed, err = open_all(args.host, args.port, args.count,
                                  args.connect_timeout, deadline)
    say("connected", open=len(socks), failed=failed, first_error=err,
        seconds=round(time.monotonic() - start, 3))
    if wait_for_go(min(args.phase_timeout, max(0.0, deadline - time.monotonic()))) == signal.SIGTERM:
        return 0

    t = time.monotonic()
    # A proxy may have closed some connections while they sat unused.
    good = request_all(socks, min(deadline, t + args.phase_timeout))
    say("requested", open=len(good), failed=args.count - len(good),
        seconds=round(time.monotonic() - t, 3))
    wait_for_go(min(args.phase_timeout, max(0.0, deadline - time.monotonic())))
    for s in good:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
