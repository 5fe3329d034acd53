"""Bulk transfers arrive intact (sha256) in both directions and in full
duplex, with every forwarding mode (splice through pipes, read/write copy, and
auto, which switches to splice once a connection moves bulk data)."""

from __future__ import annotations

import hashlib
import socket
import threading

import pytest

import sg_helpers as h

BIG = 100 << 20  # 100 MB
MODES = ["auto", "splice", "copy"]


@pytest.fixture
def big(files):
    return files.ensure("big.bin", BIG, seed=100)


@pytest.mark.parametrize("forwarding", MODES)
def test_download_100mb_from_nginx(backends, files, big, simple_gate, forwarding):
    sg, addr = simple_gate(backends.targets, forwarding=forwarding)
    status, length, n, digest = h.http_download_hash(addr, "/files/big.bin", timeout=120)
    assert status == 200
    assert n == length == BIG
    assert digest == files.sha256["big.bin"]


@pytest.mark.parametrize("forwarding", MODES)
def test_upload_100mb_to_sink(tcp_server, files, big, simple_gate, forwarding):
    sink = tcp_server("127.0.1.4", h.sink_hash_handler)
    sg, addr = simple_gate([sink.target], forwarding=forwarding)
    with h.connect(addr, timeout=120) as s:
        view = memoryview(big)
        for off in range(0, len(big), 1 << 20):
            s.sendall(view[off:off + (1 << 20)])
        s.shutdown(socket.SHUT_WR)
        reply = h.recv_until_eof(s).decode()
    assert reply == f"{BIG} {files.sha256['big.bin']}\n"


@pytest.mark.parametrize("forwarding", MODES)
def test_full_duplex_echo_32mb(tcp_server, simple_gate, forwarding):
    # Both directions busy at once: the client sends while it receives.
    size = 32 << 20
    payload = h.random_bytes(size, seed=32)
    echo = tcp_server("127.0.1.6", h.echo_handler)
    sg, addr = simple_gate([echo.target], forwarding=forwarding)
    errors = []
    with h.connect(addr, timeout=120) as s:
        def send():
            try:
                view = memoryview(payload)
                for off in range(0, size, 256 << 10):
                    s.sendall(view[off:off + (256 << 10)])
                s.shutdown(socket.SHUT_WR)
            except OSError as e:
                errors.append(e)

        t = threading.Thread(target=send)
        t.start()
        digest = hashlib.sha256()
        n = 0
        while True:
            b = s.recv(1 << 20)
            if not b:
                break
            digest.update(b)
            n += len(b)
        t.join(60)
    assert not errors
    assert n == size
    assert digest.hexdigest() == hashlib.sha256(payload).hexdigest()


@pytest.mark.parametrize("forwarding", MODES)
def test_parallel_downloads(backends, files, simple_gate, forwarding):
    # Several bulk connections at once on every worker (splice pipes in use
    # concurrently must not mix data between connections).
    import concurrent.futures
    files.ensure("mid.bin", 8 << 20, seed=2)
    sg, addr = simple_gate(backends.targets, forwarding=forwarding)
    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        results = list(pool.map(lambda _: h.http_download_hash(addr, "/files/mid.bin",
                                                               timeout=120), range(24)))
    for status, length, n, digest in results:
        assert status == 200
        assert n == length == 8 << 20
        assert digest == files.sha256["mid.bin"]
