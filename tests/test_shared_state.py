"""One contract, two backends: the memory, the corrections, the jobs, the translated files and the
rate limits behave the same in this machine's SQLite (or process) and in the PostgreSQL that
replicas share. Every PostgreSQL test runs against a real server (a throwaway cluster), never a
mock; the schema's migration is safe when several replicas start at once."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from translator.database import Database, DatabaseError, open_database
from translator.database.postgres import SCHEMA_VERSION
from translator.memory.corrections import CorrectionRefused
from translator.memory.postgres import PostgresMemory
from translator.memory.store import TranslationMemory
from translator.models.base import Generated
from translator.server.access import RateLimiter
from translator.server.jobs import MAX_ATTEMPTS, SqliteJobs, TooManyJobs
from translator.server.routes_files import LocalFiles
from translator.server.service import ApiError
from translator.server.shared import PostgresFiles, PostgresJobs, SharedRateLimiter

from fakes import WAIT_S
from helpers import cli

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path):
    """(name, make): ``make(kind, **options)`` opens a memory, jobs, files or limiter on the backend;
    everything made is closed after the test."""
    made: list = []
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None

    def make(kind: str, **options):
        if request.param == "sqlite":
            thing = {
                "memory": lambda: TranslationMemory(tmp_path / "memory.sqlite3", **options),
                "jobs": lambda: SqliteJobs(tmp_path / "jobs.sqlite3", **options),
                "files": lambda: LocalFiles(**options),
                "limiter": lambda: RateLimiter(**options),
            }[kind]()
        else:
            assert url is not None
            thing = {
                "memory": lambda: PostgresMemory(url, **options),
                "jobs": lambda: PostgresJobs(open_database(url), **options),
                "files": lambda: PostgresFiles(open_database(url), **options),
                "limiter": lambda: SharedRateLimiter(open_database(url), scope="test", **options),
            }[kind]()
        made.append(thing)
        return thing

    yield request.param, make
    for thing in reversed(made):
        close = getattr(thing, "close", None)
        if close is not None:
            close()


def generated(text: str, **extra) -> Generated:
    return Generated(text, len(text.split()), False, **extra)


# --- the translation memory -------------------------------------------------------------------------


def test_the_memory_gives_back_what_it_was_given_and_counts_hits_and_misses(backend):
    name, make = backend
    memory = make("memory")
    alternatives = (generated("Rice prices climb."),)
    rise = generated("Rice prices rise.", confidence=0.8, alternatives=alternatives)
    memory.put_many([("k1", rise, "Harga")])
    memory.put_many([("k2", generated("first")), ("k2", generated("second"))])  # the last of a key wins
    found = memory.get_many(["k1", "k2", "nope"])
    assert set(found) == {"k1", "k2"}
    assert found["k1"].text == "Rice prices rise." and found["k1"].cached
    assert found["k1"].confidence == 0.8
    assert [a.text for a in found["k1"].alternatives] == ["Rice prices climb."]
    assert found["k2"].text == "second"
    stats = memory.stats()
    assert (stats.entries, stats.hits, stats.misses) == (2, 2, 1)


def test_the_memory_stays_within_its_bound_and_keeps_what_was_used_last(backend):
    name, make = backend
    memory = make("memory", max_mb=0.01)  # about 10 kB
    memory.put_many([(f"old-{i}", generated("x" * 100)) for i in range(20)])
    memory.get_many(["old-0"])  # used: the last to go
    for batch in range(10):
        memory.put_many([(f"new-{batch}-{i}", generated("y" * 100)) for i in range(10)])
    entries = memory.stats().entries
    assert 10 <= entries <= 0.01 * 1024 * 1024 // 140, entries  # each entry takes over 140 bytes
    assert not memory.get_many([f"old-{i}" for i in range(1, 20)]), "the least recently used stayed"
    assert memory.get_many([f"new-9-{i}" for i in range(10)]), "the newest entries were evicted"


# --- corrections --------------------------------------------------------------------------------------


def test_corrections_keep_their_history_and_the_latest_wins(backend):
    name, make = backend
    corrections = make("memory").corrections()
    first = corrections.add("Harga  beras naik.", "Rice prices go up.", who="key:a", created=1000)
    again = corrections.add("Harga beras naik.", "Rice prices go up.", who="key:a", created=1000)
    assert again == first, "the same correction made twice is one row"
    latest = corrections.add("Harga beras\nnaik.", "The price of rice rises.", who="key:b", created=2000)
    assert corrections.latest(["Harga beras naik.", "Lain."]) == {"Harga beras naik.": latest}
    assert [c.translation for c in corrections.history("Harga beras naik.")] == [
        "The price of rice rises.",
        "Rice prices go up.",
    ]
    assert [c.id for c in corrections.all()] == [latest.id]
    assert len(corrections.all(history=True)) == 2
    assert corrections.delete(latest.id) and not corrections.delete(latest.id)
    assert corrections.latest(["Harga beras naik."])["Harga beras naik."].translation == "Rice prices go up."


def test_a_correction_that_loses_a_number_is_refused_unless_forced(backend):
    name, make = backend
    corrections = make("memory").corrections()
    with pytest.raises(CorrectionRefused, match="14"):
        corrections.add("Harga naik Rp 14.500.", "Prices rose.")
    assert corrections.all() == []
    assert corrections.add("Harga naik Rp 14.500.", "Prices rose.", force=True).translation == "Prices rose."


# --- jobs ---------------------------------------------------------------------------------------------


def test_jobs_queued_or_running_are_bounded_and_finished_ones_free_their_place(backend):
    name, make = backend
    jobs = make("jobs", active_max=2)
    first = jobs.add("a.txt", "x", b"Harga beras naik.", {"profile": "default"})
    jobs.add("b.txt", "x", b"", {"profile": "default"})
    assert first.status == "queued" and jobs.get(first.id) == first
    with pytest.raises(TooManyJobs):
        jobs.add("c.txt", "x", b"", {})
    claim = jobs.claim("replica-a", 30)
    assert claim is not None and claim.job.id == first.id and claim.content == b"Harga beras naik."
    assert claim.work == {"profile": "default"} and claim.job.status == "running"
    assert jobs.finish(first.id, "replica-a", stored="0" * 32 + ".a.en.txt")
    assert jobs.add("d.txt", "x", b"", {}).status == "queued"
    assert jobs.get("no-such-job") is None


def test_two_replicas_never_take_the_same_job(backend):
    name, make = backend
    jobs = make("jobs", active_max=100)
    made = {jobs.add(f"{i}.txt", "x", b"", {}).id for i in range(40)}
    taken: dict[str, list[str]] = {"a": [], "b": [], "c": []}
    go = threading.Barrier(3)

    def take(replica: str) -> None:
        go.wait(WAIT_S)
        while (claim := jobs.claim(replica, 30)) is not None:
            taken[replica].append(claim.job.id)

    threads = [threading.Thread(target=take, args=(r,)) for r in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_S)
    everything = [job for replica in taken.values() for job in replica]
    assert sorted(everything) == sorted(made), "a job was taken twice, or never"


def test_a_job_whose_lease_ran_out_is_taken_over_and_ends_once(backend):
    name, make = backend
    jobs = make("jobs")
    job = jobs.add("a.txt", "x", b"data", {})
    assert jobs.claim("replica-a", 0.2) is not None
    assert jobs.claim("replica-b", 30) is None, "a job under a live lease was taken"
    assert jobs.renew(job.id, "replica-a", 0.2) and not jobs.renew(job.id, "replica-b", 30)
    assert jobs.progress(job.id, "replica-a", 3, 10) and not jobs.progress(job.id, "replica-b", 9, 10)
    taken = _claim_within(jobs, "replica-b", 30)  # replica-a stopped renewing: its lease runs out
    assert taken.job.id == job.id and taken.content == b"data"
    assert not jobs.renew(job.id, "replica-a", 30), "the old holder still renews"
    assert not jobs.finish(job.id, "replica-a", stored="0" * 32 + ".late.txt"), "the old holder ended it"
    assert jobs.finish(job.id, "replica-b", stored="0" * 32 + ".a.en.txt")
    assert not jobs.finish(job.id, "replica-b", error="again"), "a job ended twice"
    ended = jobs.get(job.id)
    assert ended is not None and (ended.status, ended.stored) == ("done", "0" * 32 + ".a.en.txt")


def test_a_job_that_stops_its_replica_again_and_again_is_failed_not_retried_forever(backend):
    name, make = backend
    jobs = make("jobs")
    job = jobs.add("poison.txt", "x", b"", {})
    for attempt in range(MAX_ATTEMPTS):
        _claim_within(jobs, f"replica-{attempt}", 0.05)
    deadline = time.monotonic() + WAIT_S
    while (found := jobs.get(job.id)) is not None and found.status == "running":
        assert jobs.claim("replica-last", 30) is None
        assert time.monotonic() < deadline
        threading.Event().wait(0.05)
    assert found is not None and found.status == "failed" and str(MAX_ATTEMPTS) in (found.error or "")


def _claim_within(jobs, replica: str, lease_s: float):
    deadline = time.monotonic() + WAIT_S
    while (claim := jobs.claim(replica, lease_s)) is None:
        assert time.monotonic() < deadline, "the lease never ran out"
        threading.Event().wait(0.05)
    return claim


# --- translated files and rate limits ---------------------------------------------------------------


def test_translated_files_come_back_whole_within_their_quota_and_names(backend):
    name, make = backend
    files = make("files", ttl_s=3600, max_bytes=100)
    stored = files.put("laporan akhir.en.docx", b"\x00PK" + b"x" * 57)
    assert stored.endswith(".laporan akhir.en.docx") and files.get(stored) == b"\x00PK" + b"x" * 57
    with pytest.raises(ApiError) as full:
        files.put("b.txt", b"x" * 60)
    assert full.value.status == 503 and full.value.headers["Retry-After"]
    for bad in ("../rahasia.txt", "..", "0" * 32 + "/../x.txt", "rahasia.txt"):
        with pytest.raises(ApiError):
            files.get(bad)
    files.delete(stored)
    assert files.get(stored) is None
    files.put("b.txt", b"x" * 60)  # the room the deleted file held is free again


def test_a_key_gets_its_limit_and_no_more(backend):
    name, make = backend
    first, second = make("limiter", per_minute=5), make("limiter", per_minute=5)
    answers = [(first if i % 2 else second).allow("key:abc") for i in range(8)]
    if name == "sqlite":  # this process's limiters count apart: the one-machine server has one
        assert answers.count(True) == 8
    else:  # counted in the database: two replicas' limiters are one limit
        assert answers == [True] * 5 + [False] * 3
        assert first.allow("key:other"), "another caller has a limit of its own"


# --- the schema ---------------------------------------------------------------------------------------


def test_replicas_that_start_together_migrate_the_schema_once(empty_postgres_url):
    opened: list[Database] = []
    errors: list[BaseException] = []
    go = threading.Barrier(6)

    def start() -> None:
        go.wait(WAIT_S)
        try:
            opened.append(Database(empty_postgres_url, max_size=1))
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_S)
    try:
        assert not errors and len(opened) == 6
        assert opened[0].query("SELECT version FROM translator_schema") == [(SCHEMA_VERSION,)]
    finally:
        for db in opened:
            db.close()


def test_a_database_from_a_newer_translator_is_refused_untouched(empty_postgres_url):
    Database(empty_postgres_url).close()
    with psycopg.connect(empty_postgres_url, autocommit=True) as conn:
        conn.execute("INSERT INTO translator_schema VALUES (%s)", (SCHEMA_VERSION + 1,))
    with pytest.raises(DatabaseError, match=f"schema version {SCHEMA_VERSION + 1}, newer"):
        Database(empty_postgres_url)


def test_an_unreachable_database_is_named_without_its_password():
    url = "postgresql://ana:rahasia@127.0.0.1:1/translator"
    with pytest.raises(DatabaseError) as refused:
        Database(url)
    message = str(refused.value)
    assert "ana:***@127.0.0.1:1/translator" in message and "rahasia" not in message
    assert "--database" in message


def test_doctor_checks_the_database_and_its_schema_version(empty_postgres_url, tiny_config):
    def doctor(url: str):
        return cli("doctor", "--no-run", "--config", str(tiny_config), "--database", url)

    empty = doctor(empty_postgres_url)
    assert "the schema is made by the first translator serve" in empty.stdout.decode(), empty.stdout.decode()
    Database(empty_postgres_url).close()
    made = doctor(empty_postgres_url)
    assert made.returncode == 0 and f"schema version {SCHEMA_VERSION}" in made.stdout.decode(), (
        made.stdout.decode()
    )
    down = doctor("postgresql://ana:rahasia@127.0.0.1:1/translator")
    assert (
        down.returncode == 1
        and "ana:***@127.0.0.1:1" in down.stdout.decode()
        and "rahasia" not in down.stdout.decode()
    )
    assert "fix: start PostgreSQL there" in down.stdout.decode()


@pytest.mark.slow  # a PostgreSQL server of its own, stopped under a running service
def test_a_service_whose_database_goes_away_answers_503_naming_it(tiny_config):
    from translator import Pipeline
    from translator.config import load_config
    from translator.server.app import ServerSettings, create_app
    from translator.testing.postgres import throwaway_cluster

    from helpers import ready_client

    with throwaway_cluster() as cluster:
        held = open_database(cluster.url)  # the process's one pool for the URL, shared with the service
        held.wait_s = 0.5  # how long a request waits for a connection before its 503 (5 s by default)
        pipeline = Pipeline.from_config(load_config(tiny_config).with_changes({"database": cluster.url}))
        client = ready_client(create_app(ServerSettings(database=cluster.url), lambda: {"default": pipeline}))
        try:
            asked = {"q": "Harga beras naik.", "source": "id", "target": "en"}
            assert client.post("/translate", json=asked).status_code == 200
            cluster.stop()
            refused = client.post("/translate", json={**asked, "q": "Harga cabai turun."})
            assert refused.status_code == 503 and refused.headers["Retry-After"], refused.text
            assert "did not answer" in refused.json()["error"] and "127.0.0.1" in refused.json()["error"]
            upload = client.post("/v1/files", files={"file": ("a.txt", b"Harga beras naik.")})
            assert upload.status_code == 503 and "did not answer" in upload.json()["error"], upload.text
        finally:
            client.__exit__(None, None, None)
            assert pipeline.translator is not None and pipeline.translator.memory is not None
            pipeline.translator.memory.close()
            held.close()  # the pool's last share: no reconnecting after the test


def test_serve_refuses_a_wrong_or_unreachable_database_in_one_line(tiny_config, monkeypatch):
    wrong = cli("serve", "--config", str(tiny_config), "--database", "mysql://db/x")
    assert wrong.returncode == 2 and "--database must be a postgresql:// URL" in wrong.stderr.decode()
    monkeypatch.setenv("TRANSLATOR_DATABASE_URL", "postgresql://ana:rahasia@127.0.0.1:1/x")
    down = cli("serve", "--config", str(tiny_config), "--port", "1")
    said = down.stderr.decode()
    assert down.returncode == 1 and "Traceback" not in said and "rahasia" not in said, said
    assert "cannot use the database postgresql://ana:***@127.0.0.1:1/x" in said
