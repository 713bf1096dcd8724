#!/usr/bin/env python3
"""A long document beside interactive requests: does a 200-page file slow the one-sentence
requests of other readers?

Starts `translator serve` on a free 127.0.0.1 port (tiny models, or --full-size random-weight
models as scripts/load_test.py builds them), then:

1. alone: one-sentence requests back to back for --window seconds, their latency (p50/p95);
2. a --pages-page .docx (news paragraphs, distinct sentences) is submitted to POST /v1/files under
   one key, and one-sentence requests from another key run back to back for --window seconds while
   it is translated: their latency, and the file's sentences per second meanwhile;
3. with --complete, the file is waited for to the end (its total time), as far as --limit allows.

Every loop is bounded in time and count and stops by itself; the server is stopped at the end.

    python scripts/load_file.py [--pages 200] [--window 60] [--full-size] [--complete] [--json out.json]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_test import (  # noqa: E402
    KEYS,
    SHORT,
    articles,
    build_config,
    distinct,
    free_port,
    percentile,
    wait_until_ready,
)

PARAGRAPHS_PER_PAGE = 3  # about 2,800 characters a page, as a report's page holds


def big_docx(pages: int) -> tuple[bytes, int]:
    """A .docx of ``pages`` pages of news paragraphs, every sentence distinct; and its paragraph count."""
    from docx import Document

    document = Document()
    texts = [p for article in articles(8) for p in article.split("\n\n") if p.strip()]
    count = pages * PARAGRAPHS_PER_PAGE
    for i in range(count):
        document.add_paragraph(distinct(texts[i % len(texts)], i))  # no sentence repeats
    out = io.BytesIO()
    document.save(out)
    return out.getvalue(), count


def short_loop(client, base: str, seconds: float, limit: int = 2000) -> list[float]:
    """One-sentence requests back to back for ``seconds``: their latencies."""
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and len(latencies) < limit:
        started = time.perf_counter()
        response = client.post(
            base + "/v1/translate", json={"text": SHORT, "api_key": KEYS["other"]}, timeout=120
        )
        if response.status_code == 200:
            latencies.append(time.perf_counter() - started)
    return latencies


def row(latencies: list[float]) -> dict:
    return {
        "requests": len(latencies),
        "p50_s": round(percentile(latencies, 0.5), 3),
        "p95_s": round(percentile(latencies, 0.95), 3),
        "max_s": round(max(latencies), 3) if latencies else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--window", type=float, default=60.0, help="seconds each measurement runs")
    parser.add_argument("--full-size", action="store_true")
    parser.add_argument(
        "--complete", action="store_true", help="wait for the whole file (bounded by --limit)"
    )
    parser.add_argument("--limit", type=float, default=1800.0, help="the most seconds to wait for the file")
    parser.add_argument(
        "--summary", choices=("top", "none"), default="top", help="the file's summary (default: top)"
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    import httpx

    data, paragraphs = big_docx(args.pages)
    with tempfile.TemporaryDirectory(prefix="translator-file-load-") as work_dir:
        work = Path(work_dir)
        os.environ["TRANSLATOR_CACHE"] = str(work / "cache")
        config = build_config(work, args.full_size)
        keys = work / "keys.txt"
        keys.write_text("\n".join(KEYS.values()) + "\n", encoding="utf-8")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = (work / "server.log").open("w", encoding="utf-8")
        server = subprocess.Popen(
            [sys.executable, "-m", "translator", "serve", "--config", str(config), "--port", str(port),
             "--api-keys", str(keys)],
            stdout=subprocess.DEVNULL, stderr=log, env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )  # fmt: skip
        report: dict = {
            "pages": args.pages,
            "paragraphs": paragraphs,
            "docx_bytes": len(data),
            "full_size": args.full_size,
            "summary": args.summary,
        }
        try:
            wait_until_ready(base, server, work / "server.log")
            with httpx.Client() as client:
                short_loop(client, base, 5)  # warm-up
                report["alone"] = row(short_loop(client, base, args.window))
                answer = client.post(
                    base + "/v1/files",
                    files={"file": ("laporan-besar.docx", data)},
                    data={"summary_in": args.summary},
                    headers={"Authorization": f"Bearer {KEYS['flood']}"},
                    timeout=120,
                )
                answer.raise_for_status()
                job = answer.json()
                status_path = job["status_url"][job["status_url"].index("/v1/") :]
                submitted = time.monotonic()
                report["beside_the_file"] = row(short_loop(client, base, args.window))
                progress = client.get(base + status_path).json()
                elapsed = time.monotonic() - submitted
                report["file_during_window"] = {
                    "status": progress["status"],
                    "error": progress["error"],
                    "sentences_done": progress["done"],
                    "sentences_total": progress["total"],
                    "seconds": round(elapsed, 1),
                    "sentences_per_s": round(progress["done"] / elapsed, 2),
                }
                if args.complete:
                    while time.monotonic() - submitted < args.limit:
                        progress = client.get(base + status_path).json()
                        if progress["status"] in ("done", "failed"):
                            break
                        time.sleep(1.0)
                    report["file"] = {
                        "status": progress["status"],
                        "error": progress["error"],
                        "sentences": progress["total"],
                        "seconds": round(time.monotonic() - submitted, 1),
                    }
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()
    alone, beside = report["alone"], report["beside_the_file"]
    for label, figures in (("alone", alone), (f"beside a {args.pages}-page file", beside)):
        print(
            f"one-sentence requests {label}: p50 {figures['p50_s']} s, p95 {figures['p95_s']} s "
            f"({figures['requests']} requests)"
        )
    window = report["file_during_window"]
    if window["error"]:
        print(f"the file failed: {window['error']}")
    print(
        f"the file meanwhile: {window['sentences_done']} of {window['sentences_total']} sentences, "
        f"{window['sentences_per_s']}/s"
    )
    if "file" in report:
        print(f"the file: {report['file']['status']} after {report['file']['seconds']} s")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
