"""A real authoritative DNS server (PowerDNS, bind backend) on a loopback
address, for the DNS-discovery integration tests.

It serves one zone (default "test.") in which one name (default "alb.test.")
behaves like an AWS ALB: every query returns `pick` (default 8) addresses
drawn at random from a pool, through a PowerDNS LUA record. The pool can be
changed at run time (zone rewrite + `pdns_control bind-reload-now`), and the
server stopped and started again on the same address and port.

    with DnsServer(pool=[f"10.9.0.{i}" for i in range(1, 41)]) as dns:
        dns.server            # "127.0.3.1:PORT", for staticgate's config
        dns.query("alb.test") # (rcode, addresses, ttl), asks over UDP
        dns.set_pool([...])
        dns.stop(); dns.start()

Needs Debian's pdns-server (the bind backend is in it). Nothing leaves the
machine: loopback only, no recursion, security polling off, no caches (each
query is answered afresh, as the ALB's resolver would).
"""

from __future__ import annotations

import random
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
from pathlib import Path

PDNS_SERVER = "/usr/sbin/pdns_server"
PDNS_CONTROL = "/usr/bin/pdns_control"

RCODE_NOERROR, RCODE_SERVFAIL, RCODE_NXDOMAIN, RCODE_REFUSED = 0, 2, 3, 5
_TYPE = {"A": 1, "AAAA": 28, "SOA": 6}


def available() -> bool:
    return Path(PDNS_SERVER).exists() and Path(PDNS_CONTROL).exists()


def free_port(address: str) -> int:
    """A port free for both UDP and TCP on `address` (ephemeral; small race)."""
    for _ in range(20):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind((address, 0))
            port = u.getsockname()[1]
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                    t.bind((address, port))
                return port
            except OSError:
                continue
    raise RuntimeError(f"no free port on {address}")


def query(address: str, port: int, name: str, qtype: str = "A",
          timeout: float = 1.0) -> tuple[int, list[str], int | None]:
    """One UDP query without EDNS. Returns (rcode, addresses, smallest TTL or
    None). Raises socket.timeout if nothing answers."""
    qid = random.randrange(1 << 16)
    packet = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        packet += bytes([len(label)]) + label.encode()
    packet += b"\0" + struct.pack("!HH", _TYPE[qtype], 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(packet, (address, port))
        deadline = time.monotonic() + timeout
        while True:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            reply = s.recv(65535)
            if len(reply) >= 12 and struct.unpack("!H", reply[:2])[0] == qid:
                break
    _, flags, qd, an, _, _ = struct.unpack("!HHHHHH", reply[:12])
    pos = 12
    for _ in range(qd):
        pos = _skip_name(reply, pos) + 4
    addresses, ttls = [], []
    for _ in range(an):
        pos = _skip_name(reply, pos)
        rtype, _, ttl, length = struct.unpack("!HHIH", reply[pos:pos + 10])
        pos += 10
        data = reply[pos:pos + length]
        pos += length
        if rtype == 1:
            addresses.append(socket.inet_ntop(socket.AF_INET, data))
        elif rtype == 28:
            addresses.append(socket.inet_ntop(socket.AF_INET6, data))
        ttls.append(ttl)
    return flags & 0xF, addresses, (min(ttls) if ttls else None)


def _skip_name(buf: bytes, pos: int) -> int:
    while True:
        length = buf[pos]
        if length & 0xC0 == 0xC0:
            return pos + 2
        if length == 0:
            return pos + 1
        pos += 1 + length


class DnsServer:
    """PowerDNS on `address`:`port` (port 0: a free one, kept across restarts).

    pool:    the addresses the ALB-like name answers from (IPv4 ones as A,
             IPv6 ones as AAAA); may be empty (NOERROR, no records).
    pick:    how many of the pool each answer carries (all if fewer).
    ttl:     TTL of the ALB-like records.
    records: extra static records, zone-file lines relative to the zone,
             e.g. ["static 300 IN A 10.8.0.1"].
    """

    def __init__(self, pool: list[str], *, address: str = "127.0.3.1", port: int = 0,
                 zone: str = "test", name: str = "alb", pick: int = 8, ttl: int = 5,
                 records: list[str] | None = None):
        self.address = address
        self.port = port or free_port(address)
        self.zone = zone.rstrip(".")
        self.name = name
        self.pick = pick
        self.ttl = ttl
        self.records = list(records or [])
        self.pool = list(pool)
        self._serial = 1
        self._dir = Path(tempfile.mkdtemp(prefix="staticgate-pdns-"))
        self._proc: subprocess.Popen | None = None
        self._log = None
        self._write_config()
        self._write_zone()

    # -- addresses ---------------------------------------------------------
    @property
    def server(self) -> str:
        """'127.0.3.1:PORT': what staticgate's DNS config takes."""
        return f"{self.address}:{self.port}"

    @property
    def fqdn(self) -> str:
        return f"{self.name}.{self.zone}"

    @property
    def log_path(self) -> Path:
        return self._dir / "pdns.log"

    # -- life cycle ----------------------------------------------------------
    def start(self, timeout: float = 10.0) -> None:
        if self.running():
            return
        self._log = open(self.log_path, "ab")
        self._proc = subprocess.Popen(
            [PDNS_SERVER, f"--config-dir={self._dir}"],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                break
            try:
                query(self.address, self.port, self.zone, "SOA", timeout=0.2)
                return
            except OSError:  # timeout, or ICMP refused while it binds
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"pdns_server did not come up on {self.server}:\n"
                           + self.log_path.read_text(errors="replace")[-3000:])

    def stop(self, timeout: float = 5.0) -> None:
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.send_signal(signal.SIGTERM)
                try:
                    self._proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait(timeout)
            self._proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> "DnsServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- run-time changes ------------------------------------------------------
    def set_pool(self, pool: list[str], pick: int | None = None, ttl: int | None = None) -> None:
        """Replaces the pool; takes effect for the next query (when running)."""
        self.pool = list(pool)
        if pick is not None:
            self.pick = pick
        if ttl is not None:
            self.ttl = ttl
        self._reload()

    def set_records(self, records: list[str]) -> None:
        self.records = list(records)
        self._reload()

    def query(self, name: str | None = None, qtype: str = "A", timeout: float = 1.0):
        """(rcode, addresses, ttl) for `name` (default: the ALB-like name)."""
        return query(self.address, self.port, name or self.fqdn, qtype, timeout)

    # -- files -------------------------------------------------------------
    def _reload(self) -> None:
        self._serial += 1
        self._write_zone()
        if not self.running():
            return
        out = subprocess.run([PDNS_CONTROL, f"--config-dir={self._dir}", "bind-reload-now", self.zone],
                             capture_output=True, text=True, timeout=10)
        if out.returncode != 0 or "parsed into memory" not in out.stdout:
            raise RuntimeError(f"pdns_control bind-reload-now failed: {out.stdout}{out.stderr}")

    def _write_config(self) -> None:
        (self._dir / "named.conf").write_text(
            f'zone "{self.zone}" {{ type master; file "{self._dir / "zone"}"; }};\n')
        (self._dir / "pdns.conf").write_text("\n".join([
            "launch=bind",
            f"bind-config={self._dir / 'named.conf'}",
            f"local-address={self.address}",
            f"local-port={self.port}",
            f"socket-dir={self._dir}",
            "security-poll-suffix=",  # no lookups of PowerDNS' own security status
            "guardian=no", "daemon=no", "disable-syslog=yes", "loglevel=4",
            "enable-lua-records=yes",
            # Answer every query afresh: a cached packet would repeat one subset.
            "cache-ttl=0", "query-cache-ttl=0", "negquery-cache-ttl=0",
            "distributor-threads=1", "receiver-threads=1",
            "webserver=no", "api=no",
            "",
        ]))

    def _lua(self, rtype: str, pool: list[str]) -> str:
        items = ",".join(f"'{a}'" for a in pool)
        count = min(self.pick, len(pool))
        return (f'{self.name} {self.ttl} IN LUA {rtype} '
                f'";local pool={{{items}}} return pickrandomsample({count}, pool)"')

    def _write_zone(self) -> None:
        z = self.zone + "."
        lines = [
            f"$ORIGIN {z}",
            f"@ 3600 IN SOA ns1.{z} admin.{z} {self._serial} 3600 600 86400 5",
            f"@ 3600 IN NS ns1.{z}",
            f"ns1 3600 IN A {self.address}",
        ]
        v4 = [a for a in self.pool if ":" not in a]
        v6 = [a for a in self.pool if ":" in a]
        if v4:
            lines.append(self._lua("A", v4))
        if v6:
            lines.append(self._lua("AAAA", v6))
        if not v4 and not v6:  # keep the name existing: NOERROR with no records
            lines.append(f"{self.name} {self.ttl} IN TXT \"empty pool\"")
        lines += self.records
        tmp = self._dir / "zone.tmp"
        tmp.write_text("\n".join(lines) + "\n")
        tmp.replace(self._dir / "zone")


if __name__ == "__main__":  # manual check: python3 dns_server.py, then dig
    pool = [f"10.9.0.{i}" for i in range(1, 41)]
    with DnsServer(pool=pool) as dns:
        print(f"serving {dns.fqdn} on {dns.server}; Ctrl-C to stop")
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
