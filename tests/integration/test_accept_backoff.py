"""Out of file descriptors (EMFILE): staticgate pauses accepting instead of
spinning on the error, keeps serving what it has, and recovers by itself once
descriptors are free again. The limit is lowered on the running process with
prlimit(1), so start-up is unaffected."""

from __future__ import annotations

import subprocess
import time

import psutil

import sg_helpers as h
from test_limits import open_served, served_within


def test_emfile_pauses_accepting_then_recovers(tcp_server, simple_gate):
    srv = tcp_server("127.0.1.4", h.hold_handler, name="hold")
    # Accepted clients wait for a descriptor at most connect_timeout: longer than this test's 3 s.
    sg, addr = simple_gate([h.fmt_addr("127.0.1.4", srv.port)], workers=1, group={"connect_timeout": "10s"})
    assert srv.wait_active(lambda n: n == 0)

    in_use = sum(sg.fd_kinds().values())
    limit = in_use + 20  # room for 10 proxied connections (2 descriptors each)
    subprocess.run(["prlimit", f"--pid={sg.pid}", f"--nofile={limit}:{limit}"], check=True)

    served = open_served(addr, "hold", 8)
    # More clients than descriptors: these wait in the kernel's backlog.
    waiting = [h.connect(addr, timeout=10) for _ in range(20)]
    try:
        time.sleep(1.0)
        proc = psutil.Process(sg.pid)
        before = proc.cpu_times()
        time.sleep(2.0)
        after = proc.cpu_times()
        busy = (after.user - before.user) + (after.system - before.system)
        print(f"CPU seconds used in 2 s while out of descriptors: {busy:.3f}")
        # A spinning accept loop burns a whole core (~2 s here); backing off uses almost none.
        assert busy < 0.5, f"staticgate used {busy:.2f} CPU-seconds in 2 s at EMFILE: spinning?"
        assert sg.alive()
        assert "pausing" in sg.stderr(), sg.stderr()

        # Free the descriptors: the clients left in the backlog get served.
        for s in served:
            s.close()
        served = []
        greeted = 0
        for s in waiting:
            s.settimeout(15)
            try:
                if h.recv_line(s) == b"hello hold\n":
                    greeted += 1
            except OSError:
                pass
            s.close()  # frees two descriptors for the next one
        waiting = []
        print(f"waiting clients served after recovery: {greeted} of 20")
        # None is dropped: they wait in the backlog or for a descriptor, not closed.
        assert greeted == 20, f"only {greeted} of 20 waiting clients were served after recovery"
        fresh = served_within(addr, "hold", timeout=15)
        assert fresh is not None, "no new connection served after descriptors were freed"
        fresh.close()
    finally:
        for s in served + waiting:
            s.close()
