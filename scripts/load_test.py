#!/usr/bin/env python3
"""Load test of `translator serve` on loopback: concurrency 1 against 8, against `translator batch`.

Starts the service in a child process on a free 127.0.0.1 port, with the tiny test models (or,
with --full-size, full-size random-weight models as scripts/benchmark.py builds them), and sends
the same news-sized articles:

1. one client, one article at a time;
2. eight clients at once (each request a whole article);
3. eight clients sending articles while a ninth sends one short sentence again and again: its
   latency shows whether short requests starve behind long ones;
4. fairness: one article alone (three times), then one key sends 50 articles at once while another
   key sends that article: the second key's latency against its time alone;
5. `translator batch` on the same articles (JSONL): through the same engine, the throughput to beat
   (run first, before the server starts, so that nothing the server finishes shares its cores);
6. starvation: six /translate_file uploads of 300 paragraphs and twelve /v1/files jobs with their
   event streams open, while another key times a one-sentence /translate for a minute (last: the
   uploads are abandoned and end with the server).

Articles are sent with ``Accept: text/event-stream``, so each one's time to its first translated
sentence is measured as well as its whole latency. Then --soak N short requests, with the server's
RSS read before and after. Every phase is bounded in requests and time and stops by itself (the 50
flooding articles are abandoned, their connections closed, once the measured one is done: the
server drops their work). Prints p50/p95/p99 latency, time to first sentence, requests/s,
sentences/s and errors, and writes JSON with --json.

    python scripts/load_test.py [--articles 48] [--soak 1000] [--full-size] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from translator.testing.ports import free_port  # noqa: E402

SOURCE_TEXTS = [
    ROOT / "examples" / "bus-listrik-bandung.id.txt",
    ROOT / "tests" / "data" / "berita-20-baris.id.txt",
]
SHORT = "Harga beras naik dua persen pekan ini."
PHASE_LIMIT_S = 900  # no phase runs longer than this


def articles(count: int) -> list[str]:
    """``count`` article-sized texts made of the project's own articles' paragraphs, each different."""
    paragraphs = [
        p for path in SOURCE_TEXTS for p in path.read_text(encoding="utf-8").split("\n") if len(p) > 40
    ]
    texts = []
    for i in range(count):
        picked = [paragraphs[(i * 7 + k) % len(paragraphs)] for k in range(8)]
        texts.append("\n".join(picked))
    return texts


def build_config(work: Path, full_size: bool) -> Path:
    from translator.testing.tiny import build_bart, build_marian, generated_lines, tiny_config_text

    indonesian, english = generated_lines("\n".join(p.read_text(encoding="utf-8") for p in SOURCE_TEXTS))
    if full_size:
        sys.path.insert(0, str(ROOT / "scripts"))
        from benchmark import (
            BART_POSITIONS,
            BART_SHAPE,
            BART_VOCAB,
            MARIAN_POSITIONS,
            MARIAN_SHAPE,
            MARIAN_VOCAB,
        )

        marian = build_marian(
            work / "marian", indonesian, MARIAN_POSITIONS, shape=MARIAN_SHAPE, vocab_size=MARIAN_VOCAB
        )
        bart = build_bart(work / "bart", english, BART_POSITIONS, shape=BART_SHAPE, vocab_size=BART_VOCAB)
    else:
        marian, bart = build_marian(work / "marian", indonesian), build_bart(work / "bart", english)
    text = tiny_config_text(marian, bart).replace("  backend: transformers\n", "  backend: ctranslate2\n")
    if full_size:  # fixed output lengths, as the benchmark times them
        text = text.replace("    max_new_tokens: 8\n", "    max_new_tokens: 32\n", 1)
    path = work / "models.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def wait_until_ready(base: str, server: subprocess.Popen, log: Path) -> None:
    """Until /readyz says 200 (the models are loaded), at most PHASE_LIMIT_S; the server's log if it stops."""
    import httpx

    deadline = time.monotonic() + PHASE_LIMIT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(log.read_text(encoding="utf-8") or "the server stopped")
        try:
            if httpx.get(base + "/readyz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server was not ready within {PHASE_LIMIT_S} s")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_s(pid: int) -> float:
    """The process's CPU seconds so far (user and kernel, all threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


KEYS = {"load": "kunci-beban", "flood": "kunci-banjir", "other": "kunci-lain"}


def send(client, base: str, text: str, key: str = KEYS["load"]) -> tuple[float, int, int, float]:
    """(seconds, status, sentences, seconds to the first sentence) of one translate-and-summarize
    request; a short text is sent as plain JSON (its first sentence is its answer)."""
    started = time.perf_counter()
    if len(text) < 200:
        response = client.post(
            base + "/v1/translate-and-summarize", json={"text": text, "api_key": key}, timeout=PHASE_LIMIT_S
        )
        seconds = time.perf_counter() - started
        sentences = len(response.json().get("segments", [])) if response.status_code == 200 else 0
        return seconds, response.status_code, sentences, seconds
    first: float | None = None
    status, sentences, answered = 0, 0, False
    headers = {"Accept": "text/event-stream", "Authorization": f"Bearer {key}"}
    with client.stream(
        "POST",
        base + "/v1/translate-and-summarize",
        json={"text": text},
        headers=headers,
        timeout=PHASE_LIMIT_S,
    ) as response:
        status = response.status_code
        for line in response.iter_lines():
            if line == "event: sentence" and first is None:
                first = time.perf_counter() - started
            elif line.startswith("data: ") and '"segments"' in line:
                sentences, answered = len(json.loads(line[6:])["segments"]), True
    if status == 200 and not answered:
        status = 500  # the stream ended with an error event
    return time.perf_counter() - started, status, sentences, float("nan") if first is None else first


def phase(name: str, base: str, texts: list[str], clients: int) -> dict:
    import httpx

    results: list[tuple[float, int, int, float]] = []
    lock = threading.Lock()
    queue = list(texts)
    deadline = time.monotonic() + PHASE_LIMIT_S

    def client_loop():
        with httpx.Client() as client:
            while time.monotonic() < deadline:
                with lock:
                    if not queue:
                        return
                    text = queue.pop()
                outcome = send(client, base, text)
                with lock:
                    results.append(outcome)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client_loop) for _ in range(clients)]:
            future.result()
    return summarise(name, results, time.perf_counter() - started)


def summarise(name: str, results: list[tuple[float, int, int, float]], seconds: float) -> dict:
    latencies = [r[0] for r in results]
    firsts = [r[3] for r in results if r[3] == r[3]]
    return {
        "phase": name,
        "requests": len(results),
        "errors": sum(1 for r in results if r[1] != 200),
        "server_errors": sum(1 for r in results if r[1] >= 500),
        "seconds": round(seconds, 2),
        "requests_per_s": round(len(results) / seconds, 2),
        "sentences": sum(r[2] for r in results),
        "sentences_per_s": round(sum(r[2] for r in results) / seconds, 1),
        "p50_s": round(percentile(latencies, 0.5), 3),
        "p95_s": round(percentile(latencies, 0.95), 3),
        "p99_s": round(percentile(latencies, 0.99), 3),
        "first_sentence_p50_s": round(percentile(firsts, 0.5), 3),
        "first_sentence_p95_s": round(percentile(firsts, 0.95), 3),
    }


def short_under_load(base: str, texts: list[str]) -> dict:
    """Eight clients send articles; one more sends a short sentence until they are done."""
    import httpx

    stop = threading.Event()
    short: list[tuple[float, int, int, float]] = []

    def short_loop():
        with httpx.Client() as client:
            while not stop.is_set() and len(short) < 500:
                short.append(send(client, base, SHORT))

    thread = threading.Thread(target=short_loop)
    thread.start()
    try:
        loaded = phase("8 clients (articles) while 1 sends a short sentence", base, texts, 8)
    finally:
        stop.set()
        thread.join(timeout=PHASE_LIMIT_S)
    row = summarise("the short sentence, meanwhile", short, loaded["seconds"])
    return {"articles": loaded, "short": row}


STARVE_UPLOADS, STARVE_PARAGRAPHS, STARVE_STREAMS = 6, 300, 12
STARVE_S = 60.0  # short requests are timed this long while the uploads and streams are open


def starvation(base: str, texts: list[str]) -> dict:
    """Six /translate_file uploads of 300 paragraphs and twelve /v1/files jobs whose event streams
    stay open, while another key times a one-sentence /translate for ``STARVE_S`` seconds. The
    uploads are abandoned at the end (the server is stopped right after this phase). Each short
    sentence is new (the translation memory would answer a repeated one without the model)."""
    import httpx

    paragraphs = [p for text in texts for p in text.split("\n")]
    big = "\n\n".join(paragraphs[i % len(paragraphs)] for i in range(STARVE_PARAGRAPHS)).encode()
    auth = {"Authorization": f"Bearer {KEYS['load']}"}
    stop = threading.Event()
    opened: list[str] = []

    def upload(i: int) -> None:
        try:
            with httpx.Client(timeout=PHASE_LIMIT_S) as client:
                client.post(base + "/translate_file", headers=auth, data={"source": "id", "target": "en"},
                            files={"file": (f"besar{i}.txt", big)})  # fmt: skip
        except httpx.HTTPError:
            pass  # abandoned when the phase ends

    def job_stream(i: int) -> None:
        try:
            with httpx.Client(timeout=PHASE_LIMIT_S) as client:
                job = client.post(
                    base + "/v1/files", headers=auth, files={"file": (f"job{i}.txt", big)}
                ).json()
                opened.append(job["id"])
                with client.stream("GET", job["events_url"], headers=auth) as events:
                    for _ in events.iter_lines():
                        if stop.is_set():
                            return
        except (httpx.HTTPError, KeyError):
            pass

    background = [threading.Thread(target=upload, args=(i,), daemon=True) for i in range(STARVE_UPLOADS)]
    background += [threading.Thread(target=job_stream, args=(i,), daemon=True) for i in range(STARVE_STREAMS)]
    for thread in background:
        thread.start()
    short: list[tuple[float, int, int, float]] = []
    with httpx.Client(timeout=PHASE_LIMIT_S) as client:
        while (
            len(opened) < STARVE_STREAMS and time.monotonic() < time.monotonic() + 60 and not stop.wait(0.1)
        ):
            pass
        started = time.perf_counter()
        while time.perf_counter() - started < STARVE_S:
            sent = time.perf_counter()
            body = {
                "q": distinct(SHORT, len(short)),
                "source": "id",
                "target": "en",
                "api_key": KEYS["other"],
            }
            answer = client.post(base + "/translate", json=body)
            seconds = time.perf_counter() - sent
            short.append((seconds, answer.status_code, 1 if answer.status_code == 200 else 0, seconds))
    stop.set()
    row = summarise(
        f"a short /translate beside {STARVE_UPLOADS} uploads and {STARVE_STREAMS} job streams",
        short,
        STARVE_S,
    )
    return {**row, "job_streams_open": len(opened)}


def distinct(text: str, i: int) -> str:
    """``text`` with every sentence made its own (no sentence shared with another copy)."""
    return re.sub(r"\.(\s|$)", lambda m: f" (edisi {i}).{m.group(1)}", text)


def fairness(base: str, text: str, flood: int = 50) -> dict:
    """One article alone (median of 3), then the same article from another key while one key has
    ``flood`` articles in flight; the flood's connections are closed once the article is answered."""
    import httpx

    with httpx.Client() as client:
        alone = sorted(send(client, base, text, KEYS["other"])[0] for _ in range(3))[1]
    stop = threading.Event()
    started = threading.Barrier(flood + 1)
    flood_errors: list[str] = []
    flood_timeouts: list[int] = []

    def flood_one(i: int) -> None:
        headers = {"Accept": "text/event-stream", "Authorization": f"Bearer {KEYS['flood']}"}
        with httpx.Client() as client:
            started.wait(timeout=PHASE_LIMIT_S)
            try:
                with client.stream(
                    "POST",
                    base + "/v1/translate-and-summarize",
                    json={"text": distinct(text, i)},
                    headers=headers,
                    timeout=30,
                ) as response:
                    for _ in response.iter_lines():
                        if stop.is_set():
                            return  # leaving: the server drops this request's remaining work
            except httpx.TimeoutException:
                flood_timeouts.append(
                    i
                )  # this client's own read timeout: it waited its turn longer than 30 s
            except httpx.TransportError as e:  # counted: the server must not drop a client
                flood_errors.append(f"{type(e).__name__}: {e}")

    threads = [threading.Thread(target=flood_one, args=(i,)) for i in range(flood)]
    for thread in threads:
        thread.start()
    started.wait(timeout=PHASE_LIMIT_S)
    time.sleep(2.0)  # the flood's requests are in the queue before the measured one is sent
    with httpx.Client() as client:
        loaded = send(client, base, text, KEYS["other"])
    stop.set()
    for thread in threads:
        thread.join(timeout=PHASE_LIMIT_S)
    return {
        "phase": f"one key sends {flood} articles at once; another key sends one",
        "alone_s": round(alone, 3),
        "under_flood_s": round(loaded[0], 3),
        "first_sentence_under_flood_s": round(loaded[3], 3),
        "ratio": round(loaded[0] / alone, 2),
        "status": loaded[1],
        "flood_errors": len(flood_errors),
        "flood_client_timeouts": len(flood_timeouts),
        "first_flood_error": flood_errors[0] if flood_errors else None,
    }


def write_corpus(texts: list[str], path: Path) -> Path:
    """The articles as the JSONL corpus ``translator batch`` reads."""
    lines = (json.dumps({"id": f"a{i}", "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(texts))
    path.write_text("".join(lines), encoding="utf-8")
    return path


def run_batch(config: Path, corpus: Path, out: Path, env: dict[str, str] | None = None) -> dict:
    """One ``translator batch`` process: its own seconds and sentences (its summary line, model
    loading excluded), the process's CPU time (user, kernel) and its wall time (loading included)."""
    out.unlink(missing_ok=True)
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "translator", "batch", str(corpus), "--output", str(out), "--config", str(config), "--quiet"],  # noqa: E501
        capture_output=True, text=True, timeout=PHASE_LIMIT_S, check=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})},
    )  # fmt: skip
    wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    line = proc.stderr.strip().splitlines()[-1]  # "...; N sentences, S s"
    sentences, seconds = line.rsplit("; ", 1)[-1].replace(" sentences,", "").replace(" s", "").split()
    return {
        "seconds": float(seconds),
        "sentences": int(sentences),
        "user_s": after.ru_utime - before.ru_utime,
        "kernel_s": after.ru_stime - before.ru_stime,
        "wall_s": wall,
    }


def batch_phase(config: Path, texts: list[str], work: Path) -> dict:
    run = run_batch(config, write_corpus(texts, work / "corpus.jsonl"), work / "out.jsonl")
    return {
        "phase": "translator batch (same articles)",
        "documents": len(texts),
        "seconds": run["seconds"],
        "sentences": run["sentences"],
        "sentences_per_s": round(run["sentences"] / run["seconds"], 1),
        # How much of the machine the process used, model loading included: the ceiling of any door.
        "cores_busy": round((run["user_s"] + run["kernel_s"]) / run["wall_s"], 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=48, help="articles per phase (default: 48)")
    parser.add_argument(
        "--soak", type=int, default=1000, help="short requests for the memory check (default: 1000; 0: none)"
    )
    parser.add_argument(
        "--full-size", action="store_true", help="full-size random-weight models (minutes), as the benchmark"
    )
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--server-log", type=Path, help="keep the server's stderr here (default: a temporary file)"
    )
    args = parser.parse_args(argv)

    texts = articles(args.articles)
    with tempfile.TemporaryDirectory(prefix="translator-load-") as work_dir:
        work = Path(work_dir)
        os.environ["TRANSLATOR_CACHE"] = str(work / "cache")
        config = build_config(work, args.full_size)
        keys = work / "keys.txt"
        keys.write_text("\n".join(KEYS.values()) + "\n", encoding="utf-8")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server_log = (args.server_log or work / "server.log").open(
            "w", encoding="utf-8"
        )  # a file: a pipe nobody reads would fill up
        # First, before the server starts: nothing the server still finishes (the abandoned flood's
        # summaries) may share the cores with the batch it is compared with.
        batch = batch_phase(config, texts, work)
        server = subprocess.Popen(
            [sys.executable, "-m", "translator", "serve", "--config", str(config), "--port", str(port), "--max-queue", "256", "--api-keys", str(keys)],  # noqa: E501
            stdout=subprocess.DEVNULL, stderr=server_log, env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )  # fmt: skip
        try:
            wait_until_ready(base, server, Path(server_log.name))
            phase("warm-up", base, texts[:4], 1)
            rows = [phase("1 client", base, texts, 1)]
            cpu_before = cpu_s(server.pid)
            rows.append(phase("8 clients", base, texts, 8))
            rows[-1]["cores_busy"] = round((cpu_s(server.pid) - cpu_before) / rows[-1]["seconds"], 2)
            under_load = short_under_load(base, texts)
            rows += [under_load["articles"], under_load["short"]]
            fair = fairness(base, texts[0])
            soak = {}
            if args.soak:
                before = rss_mb(server.pid)
                soak_row = phase(f"soak: {args.soak} short requests, 8 clients", base, [SHORT] * args.soak, 8)
                soak = {
                    "rss_before_mb": round(before, 1),
                    "rss_after_mb": round(rss_mb(server.pid), 1),
                    **soak_row,
                }
            starved = starvation(base, texts)  # last: the abandoned uploads end with the server
            rows.append(starved)
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            server_log.close()
            logged = [
                line
                for line in Path(server_log.name).read_text(encoding="utf-8").splitlines()
                if "ERROR" in line or "Traceback" in line
            ]
            if logged:
                print(
                    f"the server logged {len(logged)} error line(s); the first: {logged[0]}", file=sys.stderr
                )
    # From the unrounded counts: the targets (>= 1.1x one way, >= 0.9x the other) leave a narrow window.
    ratio = (rows[1]["sentences"] / rows[1]["seconds"]) / (batch["sentences"] / batch["seconds"])
    print(
        f"{'phase':<56} {'req':>5} {'err':>4} {'req/s':>7} {'sent/s':>8} {'p50':>7} {'p95':>7} {'p99':>7} "
        f"{'1st p95':>8}"
    )
    for row in rows + ([soak] if soak else []):
        print(
            f"{row['phase']:<56} {row['requests']:>5} {row['errors']:>4} {row['requests_per_s']:>7} "
            f"{row['sentences_per_s']:>8} "
            f"{row['p50_s']:>7} {row['p95_s']:>7} {row['p99_s']:>7} {row['first_sentence_p95_s']:>8}"
        )
    print(f"{batch['phase']:<56} {batch['documents']:>5} {'':>4} {'':>7} {batch['sentences_per_s']:>8}")
    print(
        f"8 clients reach {ratio:.2f}x the sentences/s of translator batch "
        f"(batch: {1 / ratio:.2f}x the service)"
    )
    print(
        f"fairness: one article alone {fair['alone_s']} s, beside a 50-article flood {fair['under_flood_s']} "
        f"s ({fair['ratio']}x)"
    )
    if soak:
        print(f"server RSS across the soak: {soak['rss_before_mb']} MB -> {soak['rss_after_mb']} MB")
    if args.json:
        report = {
            "full_size": args.full_size,
            "rows": rows,
            "fairness": fair,
            "batch": batch,
            "soak": soak,
            "ratio_8_clients_to_batch": round(ratio, 3),
            "ratio_batch_to_8_clients": round(1 / ratio, 3),
            "targets": {
                "batch >= 1.1x the 8-client service": 1 / ratio >= 1.1,
                "8-client service >= 0.9x batch": ratio >= 0.9,
                "short p95 <= 2 s among 8 article clients": rows[3]["p95_s"] <= 2.0,
                "short p95 <= 2 s among the uploads and streams": starved["p95_s"] <= 2.0,
                "first sentence p95 <= 3 s (8 clients)": rows[1]["first_sentence_p95_s"] <= 3.0,
                "0 errors": sum(r["errors"] for r in rows) == 0,
            },
            "cpus": os.cpu_count(),
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
