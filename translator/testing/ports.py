"""Free loopback ports for the servers that tests and scripts start.

A port the kernel hands out for ``bind(0)`` lies in its ephemeral range, the same range it draws
the local ports of outgoing connections from: between choosing such a port and the server binding
it, any client connection (to PostgreSQL, to another test's server) may take it, and the server
fails with "address already in use". CI saw exactly that. So the port is chosen below that range,
where only explicit binds land, at random so that parallel test workers rarely meet, and checked.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

_given: set[int] = set()  # handed out by this process: never twice, even if not yet bound


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on and that outgoing connections won't take."""
    low, high = _outside_ephemeral()
    for _ in range(200):
        port = random.randrange(low, high)
        if port in _given:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _given.add(port)
        return port
    raise RuntimeError(f"no free port between {low} and {high} on 127.0.0.1")


def _outside_ephemeral() -> tuple[int, int]:
    """A range of ports (start, stop) the kernel does not draw outgoing connections' ports from:
    below its ephemeral range (Linux's default is 32768-60999), else above it."""
    try:
        first, last = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[:2])
    except (OSError, ValueError):
        first, last = 32768, 60999
    if first >= 21000:
        return 20000, first  # above the well-known and most registered services' ports
    if last <= 64000:
        return last + 1, 65536
    return 20000, 32768  # the whole range is ephemeral: the old default's gap is the best guess
