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

_LOWEST = 20000  # above the well-known and most registered services' ports
_given: set[int] = set()  # handed out by this process: never twice, even if not yet bound


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on and that outgoing connections won't take."""
    top = _ephemeral_start()
    for _ in range(200):
        port = random.randrange(_LOWEST, top)
        if port in _given:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _given.add(port)
        return port
    raise RuntimeError(f"no free port between {_LOWEST} and {top} on 127.0.0.1")


def _ephemeral_start() -> int:
    """The first port of the kernel's ephemeral range (Linux's default is 32768)."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768
    return low if low > _LOWEST + 1000 else 32768
