"""A throwaway PostgreSQL server for the tests and the benchmarks: ``initdb`` into a temporary
folder, ``pg_ctl`` on a free loopback port, and everything removed afterwards. Debian's
``postgresql`` package provides the programs (``.ci/run`` installs it where it is missing).
PostgreSQL refuses to run as root, so as root the cluster belongs to the ``postgres`` user."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from translator.testing.ports import free_port


def programs() -> Path | None:
    """The folder holding initdb and pg_ctl, or None when PostgreSQL is not installed."""
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(folder) / "initdb").exists():
            return Path(folder)
    return None


@dataclass
class Cluster:
    """A running throwaway server: its URL (user ``translator``, no password, database
    ``postgres``), and ``stop()`` for a test that needs the database to go away."""

    url: str
    stop: Callable[[], None]


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """A running server, removed with its files when the block ends."""
    bindir = programs()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql")
    root = Path(tempfile.mkdtemp(prefix="translator-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", free_port()

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, text=True, timeout=120)

    def stop() -> None:
        if (data / "postmaster.pid").exists():
            command = [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
            subprocess.run([*as_user, *command], capture_output=True, timeout=60)

    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", "translator", "--auth=trust", "-E", "UTF8",
            "--no-sync")  # fmt: skip
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100"
        run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start")
        yield Cluster(f"postgresql://translator@127.0.0.1:{port}/postgres", stop)
    finally:
        stop()
        shutil.rmtree(root, ignore_errors=True)


def fresh_database(url: str, name: str) -> str:
    """A new empty database ``name`` on the server at ``url`` (dropped first if it exists); its URL."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + f"/{name}"
