#!/usr/bin/env python3
"""The translation memory on SQLite against PostgreSQL, in one run on one machine.

1. The memory alone: writes (``put_many`` of translation-batch-sized chunks) and lookups
   (``get_many``, every key a hit) per second, each backend timed three times, alternating; the
   median is reported.
2. The service: `translator serve` with its memory in a SQLite file, then with ``--database`` on
   PostgreSQL (a throwaway cluster on loopback, as the tests start), each sent the same short
   requests from 8 clients (half of them sentences the memory has seen) after 16 untimed ones.
   p50/p95 per round; three rounds each, the order alternating (SQLite first, then PostgreSQL
   first, ...); the median p95 is reported, and the ratio PostgreSQL / SQLite.

    python scripts/benchmark_database.py [--entries 4000] [--requests 400] [--full-size] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

from load_test import build_config, free_port, percentile, wait_until_ready  # noqa: E402

BATCH = 16  # entries per call: a translation batch's worth
CLIENTS = 8
ROUNDS = 3


def memory_rates(memory, entries: int, run: int) -> dict[str, float]:
    """Writes and lookups per second of one memory, on keys of its own (``run``)."""
    from translator.models.base import Generated

    keys = [f"run{run}-key{i:06d}" for i in range(entries)]
    value = Generated(
        "The Bandung city government began trialling electric buses on three corridors.", 14, False
    )
    started = time.perf_counter()
    for at in range(0, entries, BATCH):
        memory.put_many(
            [
                (k, value, "Pemerintah Kota Bandung mulai menguji coba bus listrik.")
                for k in keys[at : at + BATCH]
            ]
        )
    writes = entries / (time.perf_counter() - started)
    started = time.perf_counter()
    for at in range(0, entries, BATCH):
        found = memory.get_many(keys[at : at + BATCH])
        assert len(found) == len(keys[at : at + BATCH]), "a lookup missed what was written"
    lookups = entries / (time.perf_counter() - started)
    return {"writes_per_s": writes, "lookups_per_s": lookups}


def memory_phase(url: str, work: Path, entries: int) -> dict:
    from translator.memory.postgres import PostgresMemory
    from translator.memory.store import TranslationMemory

    runs: dict[str, list[dict[str, float]]] = {"sqlite": [], "postgres": []}
    sqlite, postgres = TranslationMemory(work / "bench.sqlite3"), PostgresMemory(url)
    try:
        for run in range(3):
            for name, memory in (("sqlite", sqlite), ("postgres", postgres)):
                runs[name].append(memory_rates(memory, entries, run))
    finally:
        sqlite.close()
        postgres.close()
    return {
        name: {
            key: round(statistics.median(r[key] for r in rows)) for key in ("writes_per_s", "lookups_per_s")
        }
        | {"runs": rows}
        for name, rows in runs.items()
    }


def sentences(count: int) -> list[str]:
    """Short requests: half of them sentences seen before (the memory's hits), half new."""
    seen = [f"Harga beras di pasar {i} naik dua persen pekan ini." for i in range(count // 4)]
    texts = []
    for i in range(count):
        texts.append(
            seen[i % len(seen)] if i % 2 else f"Pedagang ke-{i} di Bandung menjual cabai lebih mahal."
        )
    return texts


def service_round(config: Path, extra: list[str], texts: list[str], log: Path) -> dict:
    import httpx

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with log.open("w", encoding="utf-8") as server_log:
        server = subprocess.Popen(
            [sys.executable, "-m", "translator", "serve", "--config", str(config), "--port", str(port),
             "--access-log", "off", "--max-queue", "256", *extra],
            stdout=subprocess.DEVNULL, stderr=server_log, env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )  # fmt: skip
        try:
            wait_until_ready(base, server, log)
            with httpx.Client(timeout=300) as client:
                for i in range(16):  # warm-up, untimed: the first calls of a fresh process are slower
                    client.post(
                        base + "/translate", json={"q": f"Pemanasan {i}.", "source": "id", "target": "en"}
                    )

                def one(text: str) -> float:
                    started = time.perf_counter()
                    answer = client.post(
                        base + "/translate", json={"q": text, "source": "id", "target": "en"}
                    )
                    assert answer.status_code == 200, answer.text
                    return time.perf_counter() - started

                started = time.perf_counter()
                with ThreadPoolExecutor(CLIENTS) as pool:
                    latencies = list(pool.map(one, texts))
                seconds = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(60)
    return {
        "p50_s": round(percentile(latencies, 0.5), 4),
        "p95_s": round(percentile(latencies, 0.95), 4),
        "requests_per_s": round(len(texts) / seconds, 1),
    }


def service_phase(url: str, work: Path, full_size: bool, requests: int) -> dict:
    from translator.testing.postgres import fresh_database

    config = build_config(work, full_size)
    rounds: dict[str, list[dict]] = {"sqlite": [], "postgres": []}
    for number in range(ROUNDS):
        memory = work / f"service-{number}.sqlite3"
        sqlite_config = work / f"sqlite-{number}.yaml"
        sqlite_config.write_text(
            config.read_text(encoding="utf-8").replace("cache: null\n", f"cache: {memory}\n"),
            encoding="utf-8",
        )
        texts = sentences(requests)
        database = fresh_database(url, f"service_{number}")
        runs = [
            ("sqlite", sqlite_config, [], work / "sqlite.log"),
            ("postgres", config, ["--database", database], work / "pg.log"),
        ]
        for name, chosen, extra, log in runs if number % 2 == 0 else runs[::-1]:
            rounds[name].append(service_round(chosen, extra, texts, log))
    result = {
        name: {"p95_s": statistics.median(r["p95_s"] for r in rows), "rounds": rows}
        for name, rows in rounds.items()
    }
    result["p95_ratio_postgres_to_sqlite"] = round(result["postgres"]["p95_s"] / result["sqlite"]["p95_s"], 3)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--entries", type=int, default=4000, help="memory entries per timed run (default: 4000)"
    )
    parser.add_argument(
        "--requests", type=int, default=400, help="short requests per service round (default: 400)"
    )
    parser.add_argument("--full-size", action="store_true", help="full-size random-weight models (minutes)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    from translator.testing.postgres import fresh_database, throwaway_cluster

    with tempfile.TemporaryDirectory(prefix="translator-db-bench-") as folder, throwaway_cluster() as cluster:
        work, server = Path(folder), cluster.url
        os.environ["TRANSLATOR_CACHE"] = str(work / "cache")
        memory = memory_phase(fresh_database(server, "memory_bench"), work, args.entries)
        for name in ("sqlite", "postgres"):
            print(
                f"memory on {name:<8}: {memory[name]['writes_per_s']:>8,} writes/s  "
                f"{memory[name]['lookups_per_s']:>8,} lookups/s (batches of {BATCH}, median of 3)"
            )
        service = service_phase(server, work, args.full_size, args.requests)
        for name in ("sqlite", "postgres"):
            p95 = service[name]["p95_s"]
            print(f"service, memory on {name:<8}: short-request p95 {p95:.3f} s (median of {ROUNDS} rounds)")
        print(f"p95 PostgreSQL / SQLite: {service['p95_ratio_postgres_to_sqlite']}")
    report = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} cores",
        "models": "full-size random weights" if args.full_size else "tiny",
        "entries": args.entries,
        "requests": args.requests,
        "clients": CLIENTS,
        "memory": memory,
        "service": service,
    }
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
