"""Helpers the test modules share (test modules never import each other)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple
from unittest import mock

from translator.testing.ports import free_port  # noqa: F401  (the test modules import it from here)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
EXAMPLE = ROOT / "examples" / "bus-listrik-bandung.id.txt"
# Where child processes start: not the checkout's root, whose translator/ would shadow the installed
# package (python -m and -c put the working directory first on the path), so children test what the
# tests in this process test.
CHILD_CWD = ROOT / "tests"

SENTENCES = [
    "Pemerintah kota Bandung mulai menguji coba bus listrik di tiga koridor utama.",
    "Uji coba berlangsung selama tiga bulan dan penumpang tidak dipungut biaya.",
    "Harga beras di pasar tradisional naik dua persen pekan ini.",
    "Wali kota mengatakan warga ingin beralih ke transportasi umum yang bersih.",
    "Banjir merendam ratusan rumah di Kabupaten Bekasi pada Rabu pagi.",
    "Sekolah di daerah terdampak banjir diliburkan selama dua hari.",
    "Bank Indonesia mempertahankan suku bunga acuan pekan ini.",
    "Warga diminta tetap waspada terhadap hujan lebat hingga pekan depan.",
]


# --- the command line -------------------------------------------------------------------------


@dataclass
class CliResult:
    returncode: int
    stdout: bytes
    stderr: bytes


class _Stdin:
    def __init__(self, data: bytes):
        self.buffer = io.BytesIO(data)

    def isatty(self) -> bool:
        return False


def cli(*args: str, stdin: bytes | None = b"", cwd: Path | None = None) -> CliResult:
    """Run ``translator ARGS`` in this process through ``main()``, as a subprocess would see it."""
    from translator.cli import main

    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    threads = sys.modules["torch"].get_num_threads() if "torch" in sys.modules else None
    try:
        os.chdir(cwd or ROOT)
        with (
            mock.patch("sys.stdin", _Stdin(stdin if stdin is not None else b"")),
            mock.patch(
                "translator.cli.entry.restore_sigpipe"
            ),  # a process-wide signal setting: not in pytest
            mock.patch.dict(os.environ, {"HF_HUB_OFFLINE": "1"}),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            try:
                code = main(list(args))
            except SystemExit as e:  # argparse's usage errors
                code = e.code if isinstance(e.code, int) else 2
    finally:
        os.chdir(previous)
        if threads is not None:  # --threads sets torch's process-wide count, as a program's edge may
            sys.modules["torch"].set_num_threads(threads)
    return CliResult(code, out.getvalue().encode(), err.getvalue().encode())


def run(
    *args: str,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
    prefix: list[str] | None = None,
):
    """Run ``python -m translator ARGS`` as a real process (for signals, terminals, imports)."""
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", "translator", *args],
        input=stdin if stdin is not None else b"",
        capture_output=True,
        cwd=CHILD_CWD,
        env=full_env,
        timeout=timeout,
    )


def _default_sigint() -> None:
    """Ctrl-C as a terminal gives it: a suite started as a background job (``cmd &``, nohup) passes
    SIGINT on ignored, and Python then never turns it into KeyboardInterrupt."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextlib.contextmanager
def running(command: list[str]):
    """A child process (stdout and stderr piped), killed if it still runs and reaped when the block ends."""
    process = subprocess.Popen(
        command,
        cwd=CHILD_CWD,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_default_sigint,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def wait_ready(base: str, process: subprocess.Popen | None = None, limit_s: float = 300) -> None:
    """Until ``base``/readyz answers 200 (models loaded); fails at once if ``process`` has exited."""
    import threading

    import httpx

    pause = threading.Event()
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(
                f"the server exited ({process.returncode}): {process.communicate()[1].decode()}"
            )
        try:
            if httpx.get(base + "/readyz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        pause.wait(0.1)
    raise AssertionError(f"{base} did not become ready in {limit_s:.0f} s")


@contextlib.contextmanager
def serving(app):
    """``app`` on uvicorn in a thread, on a free loopback port; yields the base URL once ready and
    stops the server when the block ends."""
    import threading

    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_ready(f"http://127.0.0.1:{port}")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def assert_one_line_error(proc, code: int, *fragments: str) -> str:
    stderr = proc.stderr.decode()
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    for fragment in fragments:
        assert fragment in lines[0]
    assert proc.stdout == b""
    return lines[0]


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# --- models -----------------------------------------------------------------------------------


class Call(NamedTuple):
    length: int  # the longest input, in tokens as the model counts them
    max_new: int | None
    batch: int
    beams: int | None
    texts: tuple[str, ...]


def spy_generate(monkeypatch, model) -> list[Call]:
    """Record every generate() call on a Model (either backend): input size and main settings."""
    calls: list[Call] = []
    original = model.generate

    def spy(texts: list[str], settings: dict[str, Any], candidates: int = 1):
        calls.append(
            Call(
                max(model.count_tokens(t) for t in texts),
                settings.get("max_new_tokens"),
                len(texts),
                settings.get("num_beams"),
                tuple(texts),
            )
        )
        return original(texts, settings, candidates)

    monkeypatch.setattr(model, "generate", spy)
    return calls


def check_contract(text: str, result) -> None:
    """The offset contract: segments in order, nothing dropped, each translated, paragraphs joined."""
    assert result.segments, "no segments"
    position = 0
    for segment in result.segments:
        assert segment.source == text[segment.start : segment.end]
        assert segment.start >= position, "segments out of order or overlapping"
        assert text[position : segment.start].strip() == "", "text between segments was dropped"
        position = segment.end
        assert segment.translation.strip(), f"segment {segment.source!r} has no translation"
    assert text[position:].strip() == ""
    assert result.summary.strip()
    by_paragraph: dict[int, list[str]] = {}
    for segment in result.segments:
        by_paragraph.setdefault(segment.paragraph, []).append(segment.translation)
    assert sorted(by_paragraph) == list(range(len(by_paragraph)))
    assert result.translation == "\n\n".join(" ".join(by_paragraph[p]) for p in sorted(by_paragraph))


# A person's correction of SENTENCES[0], and a sentence whose numbers a correction must keep.
FIXED = "The Bandung city government began trialling electric buses on three main corridors."
NUMBERED = "Harga beras naik 2,5 persen menjadi Rp 14.500 per kilogram."


def config_with_memory(tiny_dirs, tmp_path: Path, memory: Path, extra: str = "") -> Path:
    """A tiny models.yaml whose translation memory is ``memory``."""
    from translator.testing.tiny import tiny_config_text

    path = tmp_path / f"memory-{len(list(tmp_path.glob('memory-*.yaml')))}.yaml"
    path.write_text(
        tiny_config_text(*tiny_dirs).replace("cache: null\n", f"cache: {memory}\n") + extra, encoding="utf-8"
    )
    return path


def ready_client(app, raise_server_exceptions: bool = True):
    """A started TestClient of ``app`` once /readyz says the models are loaded (close it after)."""
    from fastapi.testclient import TestClient

    client = TestClient(app, raise_server_exceptions=raise_server_exceptions)
    client.__enter__()
    deadline = time.monotonic() + 300
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, client.get("/readyz").json()
        time.sleep(0.05)
    return client
