"""The service's state has one owner: blocking work on bounded pools of its own kind, jobs and the
file store bounded, watchers that hold no thread, a client that leaves at any moment cancelled."""

from __future__ import annotations

import asyncio
import threading
from urllib.parse import quote

import httpx
import pytest

from translator.engine import Cancelled
from translator.server import routes_files
from translator.server.app import ServerSettings, create_app
from translator.server.jobs import Changes
from translator.server.routes_files import LocalFiles
from translator.server.service import ApiError

from fakes import WAIT_S
from helpers import ready_client


@pytest.fixture
def blocked_files(monkeypatch):
    """Files that hold their pool's thread until the test lets them go: (entered, release)."""
    entered, release = threading.Semaphore(0), threading.Event()

    def held(*args, **kwargs):
        entered.release()
        assert release.wait(WAIT_S), "the test never let the file go"
        raise ApiError(400, "held by the test")

    monkeypatch.setattr(routes_files, "translate_scheduled", held)
    try:
        yield entered, release
    finally:
        release.set()


def test_uploads_that_fill_their_pool_do_not_hold_up_a_short_request(gated_server, blocked_files):
    model, base, service = gated_server
    entered, release = blocked_files
    model.open()
    size = service.pools.sizes["files"]
    answers: list[int] = []

    def upload(i: int) -> None:
        with httpx.Client(timeout=WAIT_S) as http:
            files = {"file": (f"berita{i}.txt", "Harga beras naik.".encode())}
            answers.append(
                http.post(
                    base + "/translate_file", data={"source": "id", "target": "en"}, files=files
                ).status_code
            )

    uploads = [threading.Thread(target=upload, args=(i,)) for i in range(size + 4)]
    for thread in uploads:
        thread.start()
    try:
        for _ in range(size):
            assert entered.acquire(timeout=WAIT_S)
        assert not entered.acquire(timeout=0.2), "more files ran at once than the files pool holds"
        with httpx.Client(timeout=WAIT_S) as http:  # all the while the files hold their threads
            short = http.post(
                base + "/translate", json={"q": "Harga beras naik.", "source": "id", "target": "en"}
            )
        assert short.status_code == 200 and not release.is_set()
    finally:
        release.set()
        for thread in uploads:
            thread.join(WAIT_S)
    assert answers == [400] * len(uploads), "every queued upload is answered once its turn comes"


def test_file_jobs_are_bounded_with_503_and_retry_after(tiny_pipeline, blocked_files):
    entered, release = blocked_files
    client = ready_client(create_app(ServerSettings(max_jobs=1), lambda: {"default": tiny_pipeline}))
    try:
        first = client.post("/v1/files", files={"file": ("a.txt", b"Harga beras naik.")})
        assert first.status_code == 202
        assert entered.acquire(timeout=WAIT_S)
        second = client.post("/v1/files", files={"file": ("b.txt", b"Harga beras naik.")})
        assert second.status_code == 503 and second.headers["retry-after"]
        assert "1 file jobs queued or running" in second.json()["error"]
        release.set()
        deadline = threading.Event()
        while (
            client.get(first.json()["status_url"][first.json()["status_url"].index("/v1/") :]).json()[
                "status"
            ]
            != "failed"
        ):
            assert not deadline.wait(0.05) and client is not None
        third = client.post("/v1/files", files={"file": ("c.txt", b"Harga beras naik.")})
        assert third.status_code == 202, "a finished job frees its place"
    finally:
        client.__exit__(None, None, None)


def test_the_file_store_has_a_byte_quota(tiny_pipeline, tmp_path):
    store = LocalFiles(3600, max_bytes=100)
    try:
        store.put("a.txt", b"x" * 60)
        with pytest.raises(ApiError) as full:
            store.put("b.txt", b"x" * 60)
        assert full.value.status == 503 and full.value.headers["Retry-After"]
    finally:
        store.close()
    client = ready_client(create_app(ServerSettings(file_store_bytes=10), lambda: {"default": tiny_pipeline}))
    try:
        files = {"file": ("berita.txt", "Harga beras naik dua persen pekan ini.".encode())}
        answer = client.post("/translate_file", data={"source": "id", "target": "en"}, files=files)
        assert answer.status_code == 503 and "file store is full" in answer.json()["error"]
    finally:
        client.__exit__(None, None, None)


def test_watchers_of_a_job_hold_no_thread_and_each_wakes_on_a_change():
    changes = Changes()

    async def watch_many() -> list[None]:
        before = threading.active_count()
        watchers = [asyncio.ensure_future(changes.wait("job", WAIT_S)) for _ in range(50)]
        await asyncio.sleep(0)  # every watcher is waiting now
        during = threading.active_count()
        started = asyncio.get_running_loop().time()
        threading.Thread(target=changes.notify, args=("job",)).start()
        seen = await asyncio.gather(*watchers)
        assert during == before, "a watcher took a thread"
        assert asyncio.get_running_loop().time() - started < WAIT_S, "the watchers waited out their timeout"
        return seen

    assert len(asyncio.run(watch_many())) == 50


def test_a_client_that_leaves_while_its_request_is_prepared_has_it_cancelled(gated_server):
    model, base, service = gated_server
    engine = service.engine()
    preparing, go_on, made = threading.Event(), threading.Event(), threading.Event()
    real = engine.submit
    submitted: list = []

    def slow_submit(*args, **kwargs):
        preparing.set()
        assert go_on.wait(WAIT_S)
        submitted.append(real(*args, **kwargs))
        made.set()
        return submitted[0]

    async def leave() -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.ensure_future(service.submit(slow_submit, ["Harga beras naik."], profile="default"))
        assert await loop.run_in_executor(None, preparing.wait, WAIT_S)
        task.cancel()  # the client left while its texts were being prepared
        with pytest.raises(asyncio.CancelledError):
            await task
        go_on.set()
        assert await loop.run_in_executor(None, made.wait, WAIT_S)
        with pytest.raises(Cancelled):  # the model is held at its gate: only a cancel ends the ticket
            await asyncio.wait_for(asyncio.wrap_future(submitted[0].future), WAIT_S)

    asyncio.run(leave())
    assert engine.in_progress == 0


# ---- names: one rule on the way in, every stored file downloadable under its own name ---------------


@pytest.mark.parametrize(
    "uploaded, stored",
    [
        ("laporan (1).docx", "laporan (1).docx"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ani\\laporan.docx", "laporan.docx"),
        ("..", "upload.txt"),
        ("", "upload.txt"),
        ("lap\x00or\x1fan\u202e.txt", "laporan.txt"),  # control characters and a right-to-left override
        ("  berita   akhir\tpekan.md ", "berita akhir pekan.md"),
        ("Laporan Keuangan Tahunan " * 20 + ".pptx", None),  # 500 characters: cut, its suffix kept
        ("Cafe\u0301.txt", "Caf\u00e9.txt"),  # one form of each letter (NFC)
    ],
)
def test_one_rule_makes_a_stored_name_of_any_uploaded_name(uploaded, stored):
    from translator.server.routes_files import MAX_NAME, store_name

    made = store_name(uploaded)
    if stored is None:
        assert len(made) <= MAX_NAME and made.endswith(".pptx") and made.startswith("Laporan Keuangan")
    else:
        assert made == stored
    assert "/" not in made and "\\" not in made and not made.startswith(".")
    assert store_name(made) == made, "the rule is idempotent"


@pytest.mark.parametrize(
    "name",
    [
        "laporan (1).docx",
        "laporan (1).txt",
        "berita [final] #2.txt",
        "ringkasan akhir.txt",
        "laporan \u00fcber \u62a5\u544a.txt",
    ],
)
def test_every_stored_file_downloads_under_its_own_name(tiny_pipeline, name):
    from documents_kit import make_docx

    from helpers import SENTENCES

    content = (
        make_docx("Kepala", "Judul", "Pemerintah kota ", "menguji", " bus.", SENTENCES[2], SENTENCES[1])
        if name.endswith(".docx")
        else "Harga beras naik dua persen pekan ini.".encode()
    )
    client = ready_client(create_app(ServerSettings(), lambda: {"default": tiny_pipeline}))
    try:
        answer = client.post(
            "/translate_file", data={"source": "id", "target": "en"}, files={"file": (name, content)}
        )
        assert answer.status_code == 200, answer.text
        url = answer.json()["translatedFileUrl"]
        download = client.get(url[url.index("/download_file/") :])
        assert download.status_code == 200 and download.content
        stem, suffix = name.rsplit(".", 1)
        expected = f"{stem}.en.{suffix}"
        disposition = download.headers["content-disposition"]
        assert expected in disposition or quote(expected) in disposition, disposition
    finally:
        client.__exit__(None, None, None)


def test_nothing_outside_the_store_can_be_named(tiny_pipeline, tmp_path):
    store = LocalFiles(3600)
    try:
        outside = store.root.parent / "rahasia.txt"
        for name in (
            "../rahasia.txt",
            "..",
            "0" * 32 + "/../../rahasia.txt",
            "rahasia.txt",
            "0" * 32 + ".\x00x",
        ):
            with pytest.raises(ApiError) as refused:
                store.get(name)
            assert refused.value.status == 400, name
        assert store.get("0" * 32 + ".tidak-ada.txt") is None
        assert not outside.exists()
    finally:
        store.close()


def test_beyond_loopback_a_rate_limit_is_on_unless_set(capsys):
    from translator.server.run import PUBLIC_REQ_LIMIT, with_public_limits

    assert with_public_limits(ServerSettings(), "127.0.0.1").req_limit is None
    assert with_public_limits(ServerSettings(), "localhost").req_limit is None
    public = with_public_limits(ServerSettings(), "0.0.0.0")
    assert public.req_limit == PUBLIC_REQ_LIMIT and "--req-limit 0" in capsys.readouterr().err
    assert with_public_limits(ServerSettings(req_limit=0), "0.0.0.0").req_limit == 0  # off, as asked
    assert with_public_limits(ServerSettings(req_limit=30), "::").req_limit == 30
    from translator.server.service import Service

    assert Service(ServerSettings(req_limit=0)).limiter is None


def test_with_keys_an_address_has_its_own_limit_and_key_guessing_counts(tiny_pipeline):
    from translator.server.service import IP_SHARE

    settings = ServerSettings(api_keys=frozenset({"kunci-a", "kunci-b"}), req_limit=2)
    client = ready_client(create_app(settings, lambda: {"default": tiny_pipeline}))
    try:
        guesses = [
            client.get("/v1/models", headers={"Authorization": f"Bearer tebakan-{i}"}).status_code
            for i in range(2 * IP_SHARE + 1)
        ]
        assert guesses == [403] * (2 * IP_SHARE) + [429], "guessing keys is limited per address"
        limited = client.get("/v1/models", headers={"Authorization": "Bearer kunci-a"})
        assert limited.status_code == 429 and "from this address" in limited.json()["error"]
    finally:
        client.__exit__(None, None, None)
    client = ready_client(create_app(settings, lambda: {"default": tiny_pipeline}))
    try:
        per_key = [
            client.get("/v1/models", headers={"Authorization": "Bearer kunci-a"}).status_code
            for _ in range(3)
        ]
        assert per_key == [200, 200, 429], "each key keeps its own limit"
        assert client.get("/v1/models", headers={"Authorization": "Bearer kunci-b"}).status_code == 200
    finally:
        client.__exit__(None, None, None)
