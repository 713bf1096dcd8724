"""Two `translator serve` processes on one PostgreSQL, as two replicas behind a load balancer (and
behind nginx as the docs configure it): what one is told, the other knows; a job made on one is
polled and downloaded from the other; a replica killed mid-job has its job finished by the other,
once; a key's rate limit holds across both. Each is started by one command, ignores SIGPIPE, and
the survivor stops on SIGTERM with exit 0 (the checks a one-server test made, on these servers)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from fakes import WAIT_S
from helpers import ROOT, free_port, running, wait_ready

pytestmark = pytest.mark.slow  # two server processes and nginx, and a job that outlives a killed one
LEASE_S = 1.0
NO_SUMMARY = {"summary_in": "none"}
SENTENCES = 1500  # a file long enough that a replica is still on it when the test kills it
LIMIT = 20  # requests a minute per key
AUTH = {
    "Authorization": "Bearer main-key"
}  # a file long enough that a replica is still on it when the test kills it


@contextlib.contextmanager
def replicas(config, url: str, *extra: str, count: int = 2):
    """``count`` servers on one database: [(process, base URL)], each killed when the block ends."""
    with contextlib.ExitStack() as stack:
        started = []
        for _ in range(count):
            port = free_port()
            command = [sys.executable, "-m", "translator", "serve", "--config", str(config)]
            command += ["--port", str(port), "--database", url, "--job-lease", str(LEASE_S)]
            command += ["--access-log", "off", *extra]
            started.append((stack.enter_context(running(command)), f"http://127.0.0.1:{port}"))
        for process, base in started:
            wait_ready(base, process)
        yield started


@contextlib.contextmanager
def nginx_in_front(ports: list[int], folder: Path):
    """Debian's nginx with the configuration docs/how-to/replicas.md shows, its replicas' ports and
    its own put in; the base URL. Stopped when the block ends."""
    page = (ROOT / "docs" / "how-to" / "replicas.md").read_text(encoding="utf-8")
    config = re.search(r"```nginx\n(.*?)```", page, re.S)
    assert config is not None, "the replicas page shows no nginx configuration"
    port = free_port()
    text = config.group(1).replace("8001", str(ports[0])).replace("8002", str(ports[1]))
    (folder / "logs").mkdir(parents=True)
    (folder / "nginx.conf").write_text(text.replace("8080", str(port)), encoding="utf-8")
    main = f"daemon off; pid {folder}/nginx.pid; error_log {folder}/logs/error.log;"
    main += " user root;" if os.geteuid() == 0 else ""
    command = [shutil.which("nginx") or "/usr/sbin/nginx", "-p", str(folder), "-c", "nginx.conf", "-g", main]
    with running(command) as process:
        base = f"http://127.0.0.1:{port}"
        until("nginx answering", lambda: _answers(base, process))
        yield base


def _answers(base: str, process) -> bool:
    assert process.poll() is None, process.communicate()[1].decode()
    try:
        return httpx.get(base + "/healthz", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def pause(seconds: float) -> None:
    threading.Event().wait(seconds)


def until(what, check, limit_s: float = WAIT_S):
    """``check()`` again and again until it returns something true; that value."""
    deadline = time.monotonic() + limit_s
    while not (found := check()):
        assert time.monotonic() < deadline, f"{what}: not within {limit_s:.0f} s"
        pause(0.1)
    return found


def post_file(base: str, name: str, data: bytes) -> dict:
    """A /v1/files job (no summary: the output is the translated paragraphs alone)."""
    answer = httpx.post(
        f"{base}/v1/files", files={"file": (name, data)}, data=NO_SUMMARY, headers=AUTH, timeout=WAIT_S
    )
    return answer.json()


def finished(base: str, job_id: str) -> dict | None:
    view = httpx.get(f"{base}/v1/jobs/{job_id}", timeout=WAIT_S).json()
    return view if view["status"] in ("done", "failed") else None


def test_two_replicas_share_corrections_jobs_and_files_and_finish_a_killed_replicas_job(
    tiny_config, postgres_url, tmp_path
):
    keys = tmp_path / "keys.txt"
    keys.write_text("main-key\nlimited-key\n", encoding="utf-8")
    limits = ("--api-keys", str(keys), "--req-limit", str(LIMIT))
    with replicas(tiny_config, postgres_url, *limits) as [(process_a, a), (process_b, b)]:
        # Each started with one command; the CLI resets SIGPIPE (so that `translator run | head` ends
        # quietly) but a server must not inherit that: a client that left mid-answer would kill it.
        for process in (process_a, process_b):
            status = Path(f"/proc/{process.pid}/status").read_text()
            ignored = int(
                next(line for line in status.splitlines() if line.startswith("SigIgn:")).split()[1], 16
            )
            assert ignored & (1 << (signal.SIGPIPE - 1)), "SIGPIPE is not ignored"

        # A correction told to A is what B answers next.
        source = "Harga beras naik dua persen pekan ini."
        told = httpx.post(
            f"{a}/v1/corrections",
            json={"source": source, "translation": "Rice is two percent dearer."},
            headers=AUTH,
        )
        assert told.status_code == 201, told.text
        asked = {"q": source, "source": "id", "target": "en"}
        answer = httpx.post(f"{b}/translate", json=asked, headers=AUTH, timeout=WAIT_S)
        assert answer.json()["translatedText"] == "Rice is two percent dearer."

        # A file posted to A is polled and downloaded from B.
        small = "\n\n".join(f"Kalimat nomor {i} tentang harga beras." for i in range(5)).encode()
        made = post_file(a, "kecil.txt", small)
        view = until("the small job", lambda: finished(b, made["id"]))
        assert view["status"] == "done", view
        download = httpx.get(view["download_url"].replace(a, b), timeout=WAIT_S)
        assert download.status_code == 200 and len(download.text.strip().split("\n\n")) == 5

        # Behind nginx as the docs configure it: every answer agrees, whichever replica gives it.
        with nginx_in_front(
            [int(a.rsplit(":", 1)[1]), int(b.rsplit(":", 1)[1])], tmp_path / "nginx"
        ) as front:
            answers = {
                httpx.post(f"{front}/translate", json=asked, headers=AUTH, timeout=WAIT_S).json()[
                    "translatedText"
                ]
                for _ in range(4)
            }
            assert answers == {"Rice is two percent dearer."}
            made = post_file(front, "kecil.txt", small)
            with httpx.stream("GET", f"{front}/v1/jobs/{made['id']}/events", timeout=WAIT_S) as events:
                names = [line for line in events.iter_lines() if line.startswith("event: ")]
            assert names[-1] == "event: done", names
            view = httpx.get(f"{front}/v1/jobs/{made['id']}", timeout=WAIT_S).json()
            download = httpx.get(view["download_url"], timeout=WAIT_S)
            assert view["download_url"].startswith(front) and len(download.text.strip().split("\n\n")) == 5

        # A key limited to LIMIT requests a minute gets LIMIT in all, however they fall on A and B.
        limited = {"Authorization": "Bearer limited-key"}
        codes = [
            httpx.post(f"{base}/translate", json=asked, headers=limited, timeout=WAIT_S).status_code
            for base in [a, b] * LIMIT
        ]
        assert codes.count(200) == LIMIT and codes.count(429) == LIMIT, codes

        # A long job: whichever replica takes it is killed mid-job; the other finishes it, once.
        lines = [f"Berita ke-{i}: harga cabai di pasar {i % 7} naik lagi." for i in range(SENTENCES)]
        long = "\n\n".join(lines).encode()
        made = post_file(a, "panjang.txt", long)
        holder = until("the job running with progress", lambda: _holder(postgres_url, made["id"]))
        victim, survivor = (process_a, b) if holder.split(":")[1] == str(process_a.pid) else (process_b, a)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
        view = until("the job finished by the survivor", lambda: finished(survivor, made["id"]), 300)
        assert view["status"] == "done", view
        assert (view["done"], view["total"]) == (SENTENCES, SENTENCES)
        resumed = httpx.get(view["download_url"], timeout=WAIT_S).text.strip().split("\n\n")
        with psycopg.connect(postgres_url) as conn:
            attempts, owner = conn.execute(
                "SELECT attempts, lease_owner FROM jobs WHERE id = %s", (made["id"],)
            ).fetchone()
        assert attempts == 2 and owner is None, "taken more than twice, or still leased"
        assert len(resumed) == SENTENCES, "a sentence was lost or came twice"

        # The survivor stops on SIGTERM: exit 0, its first and last lines, no traceback.
        survivor_process = process_b if victim is process_a else process_a
        survivor_process.send_signal(signal.SIGTERM)
        _, stderr = survivor_process.communicate(timeout=WAIT_S)
        said = stderr.decode()
        assert survivor_process.returncode == 0 and "Traceback" not in said, said
        lines = said.splitlines()
        assert (
            lines[0].startswith("translator: serving on http://127.0.0.1:")
            and lines[-1] == "translator: stopped"
        )


def _holder(url: str, job_id: str) -> str | None:
    """The replica holding the job's lease once it has recorded progress (and is not done)."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT lease_owner, done, total, status FROM jobs WHERE id = %s", (job_id,)
        ).fetchone()
    assert row is not None and row[3] != "done", f"the job ended before its replica was killed: {row}"
    return row[0] if row[3] == "running" and 0 < row[1] < row[2] else None
