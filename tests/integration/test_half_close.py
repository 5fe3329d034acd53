"""Half-close: a FIN from one side is forwarded as a FIN to the other side
while the opposite direction keeps flowing until its own FIN."""

from __future__ import annotations

import hashlib
import socket

import pytest

import sg_helpers as h


@pytest.mark.parametrize("forwarding", ["auto", "splice", "copy"])
def test_client_shut_wr_still_gets_full_response(backends, simple_gate, forwarding):
    # HTTP/1.0 request, then SHUT_WR: nginx answers and closes. A proxy that
    # treats the client's FIN as "close everything" loses the response.
    sg, addr = simple_gate(backends.targets, forwarding=forwarding)
    for _ in range(6):
        status, _, body = h.http_get(addr, "/", shut_wr=True)
        assert status == 200
        assert body.decode().strip() in backends.names


@pytest.mark.parametrize("forwarding", ["auto", "splice", "copy"])
def test_client_shut_wr_then_large_download(tcp_server, simple_gate, forwarding):
    # The client's FIN reaches the backend before its 8 MB answer has been
    # sent: the target->client direction must keep going to the end.
    # (Not nginx: nginx itself aborts a response when the client half-closes
    # mid-body, "client prematurely closed connection", even without a proxy.)
    data = h.random_bytes(8 << 20, seed=8)
    srv = tcp_server("127.0.1.5", h.send_then_drain_handler(data))
    sg, addr = simple_gate([srv.target], forwarding=forwarding)
    for _ in range(3):
        with h.connect(addr) as s:
            s.sendall(b"request\n")
            s.shutdown(socket.SHUT_WR)
            got = h.recv_until_eof(s)
        assert len(got) == len(data)
        assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest()


@pytest.mark.parametrize("forwarding", ["auto", "splice", "copy"])
def test_client_fin_reaches_target_and_reply_flows_back(tcp_server, simple_gate, forwarding):
    # The backend replies only after it sees EOF, so the reply proves the FIN
    # was forwarded client->target, and that target->client still works after.
    sink = tcp_server("127.0.1.4", h.sink_hash_handler)
    sg, addr = simple_gate([sink.target], forwarding=forwarding)
    for size in (1, 1000, 300_000, 0):
        payload = h.random_bytes(size, seed=size)
        with h.connect(addr) as s:
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
            reply = h.recv_until_eof(s).decode()
        assert reply == f"{size} {hashlib.sha256(payload).hexdigest()}\n", size


@pytest.mark.parametrize("forwarding", ["auto", "splice", "copy"])
def test_target_fin_reaches_client_and_client_can_still_send(tcp_server, simple_gate,
                                                             forwarding):
    # The backend greets and half-closes first; the client sees EOF, then still
    # sends data, which must reach the backend (client->target stays open).
    srv = tcp_server("127.0.1.5", h.greet_then_half_close_handler, name="half")
    sg, addr = simple_gate([srv.target], forwarding=forwarding)
    with h.connect(addr) as s:
        assert h.recv_until_eof(s) == b"hello half\n"
        s.sendall(b"after your FIN\n" * 1000)
        s.shutdown(socket.SHUT_WR)
        assert srv.wait_active(lambda n: n == 0), "backend never saw the client's EOF"
    # The readiness probe may have made a record of its own (empty payload).
    with srv.lock:
        got = [r for r in srv.records if r]
    assert got == [b"after your FIN\n" * 1000]


def test_both_sides_fin_closes_connection(tcp_server, simple_gate):
    # Echo backend: after the client's FIN it echoes the rest and half-closes;
    # the client must then see EOF (the connection is fully torn down).
    echo = tcp_server("127.0.1.6", h.echo_handler)
    sg, addr = simple_gate([echo.target])
    with h.connect(addr, timeout=10) as s:
        s.sendall(b"ping\n")
        s.shutdown(socket.SHUT_WR)
        assert h.recv_until_eof(s) == b"ping\n"
