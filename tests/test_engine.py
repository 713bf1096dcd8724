"""The engine against a fake model whose batches the test holds and releases: no sleeps
and no timing assertions, only the order in which work is done and answered."""

from __future__ import annotations

import threading

import pytest

from translator import Pipeline, load_config
from translator.engine import (
    Cancelled,
    Engine,
    Parts,
    QueueFull,
    RequestFailed,
    ShuttingDown,
)
from translator.engine.summarize import SummaryStage
from translator.engine.translate import Translator
from translator.models.base import Generated

from fakes import WAIT_S, FakeModel, GatedModel


@pytest.fixture
def config():
    loaded = load_config(None)  # the shipped settings; no model is loaded
    # A small batch so that a long request takes many batches; no memory, no retry, no glossary.
    translation = loaded.translation.model_copy(
        update={"max_batch_tokens": 64, "retry_generation": None, "candidates": 1}
    )
    return loaded.model_copy(update={"translation": translation, "cache": None, "glossary": ()})


@pytest.fixture
def gated(config):
    model = GatedModel(max_input_tokens=64, max_positions=256)
    pipeline = Pipeline(
        Parts(config, Translator(model, config.translation), SummaryStage.disabled(config.summarization))
    )
    scheduler = Engine({"default": pipeline.parts})
    try:
        yield model, pipeline, scheduler
    finally:
        model.open()
        scheduler.stop()


def article(tag: str, sentences: int) -> str:
    return " ".join(f"Kalimat {tag} nomor {i} tentang harga beras di pasar." for i in range(sentences))


def finish_order(futures: dict[str, object]) -> list[str]:
    """The names of ``futures`` in the order they finish (list.append is atomic)."""
    order: list[str] = []
    for name, future in futures.items():
        future.add_done_callback(lambda f, name=name: order.append(name))
    return order


def hold_the_model(model: GatedModel, scheduler: Engine) -> object:
    """A request whose first batch is held at the gate, so that what comes next waits in the queue."""
    ticket = scheduler.submit(["Pembuka."], profile="default", owner="pembuka", summarize=False)
    assert model.next_batch() == ["Pembuka."]
    return ticket


def test_a_short_request_queued_after_eight_long_ones_finishes_before_them(gated):
    model, pipeline, scheduler = gated
    hold_the_model(model, scheduler)
    futures = {
        f"long{i}": scheduler.submit([article(f"L{i}", 20)], profile="default", summarize=False).future
        for i in range(8)
    }
    futures["short"] = scheduler.submit(["Harga beras naik."], profile="default", summarize=False).future
    order = finish_order(futures)
    model.release()  # the held batch
    assert "Harga beras naik." in model.next_batch(), "the short request did not join the very next batch"
    model.open()
    results = {name: f.result(timeout=WAIT_S) for name, f in futures.items()}
    assert order[0] == "short" and sorted(order) == sorted(futures)
    for i in range(8):  # nothing lost: every sentence of every request answered
        assert len(results[f"long{i}"][0].segments) == 20


def test_a_poisoned_request_fails_alone_and_the_others_are_answered(gated):
    model, pipeline, scheduler = gated
    hold_the_model(model, scheduler)
    healthy = [
        scheduler.submit([f"Harga beras naik {i} persen."], profile="default", summarize=False)
        for i in range(4)
    ]
    poisoned = scheduler.submit(
        ["Harga naik. Kalimat RACUN ini merusak model."], profile="default", summarize=False
    )
    model.release()
    shared = model.next_batch()
    assert len(shared) == 6, "the poisoned and the healthy sentences were not in one batch"
    model.open()
    with pytest.raises(
        RequestFailed, match=r"sentence 2 of this request.*cannot take this input.*request id"
    ):
        poisoned.future.result(timeout=WAIT_S)
    for i, ticket in enumerate(healthy):
        [result] = ticket.future.result(timeout=WAIT_S)
        assert result.translation == pipeline(f"Harga beras naik {i} persen.", summarize=False).translation


def test_a_cancelled_request_generates_nothing_more(gated):
    model, pipeline, scheduler = gated
    ticket = scheduler.submit([article("C", 30)], profile="default", summarize=False)
    first = model.next_batch()
    model.release()
    second = model.next_batch()  # built and held: the request is cancelled while it runs
    scheduler.cancel(ticket)
    model.release()
    with pytest.raises(Cancelled):
        ticket.future.result(timeout=WAIT_S)
    # A later request's batch is the next call: none of the cancelled request's sentences is in it.
    after = scheduler.submit(["Harga beras naik."], profile="default", summarize=False)
    assert model.next_batch() == ["Harga beras naik."]
    model.release()
    after.future.result(timeout=WAIT_S)
    assert len(first) + len(second) < 30
    assert len(model.generated) == len(first) + len(second) + 1


def test_a_key_that_floods_does_not_starve_another_key(gated):
    model, pipeline, scheduler = gated
    hold_the_model(model, scheduler)
    flood = {
        f"flood{i}": scheduler.submit(
            [article(f"F{i}", 10)], profile="default", owner="key:A", summarize=False
        ).future
        for i in range(20)
    }
    other = scheduler.submit([article("B", 10)], profile="default", owner="key:B", summarize=False).future
    order = finish_order({**flood, "other": other})
    model.release()
    model.open()
    other.result(timeout=WAIT_S)
    for future in flood.values():
        future.result(timeout=WAIT_S)
    assert order[0] == "other", order[:3]


def test_sentences_are_sent_in_order_then_the_summary_then_the_result(config):
    from translator.text.extractive import summarize_extractive  # noqa: F401 - the extractive stage needs no model

    summary = SummaryStage(
        config.summarization.model_copy(update={"method": "extractive"}), None, "extractive"
    )
    pipeline = Pipeline(
        Parts(
            config, Translator(FakeModel(max_input_tokens=64, max_positions=256), config.translation), summary
        )
    )
    scheduler = Engine({"default": pipeline.parts})
    events: list[tuple[str, object]] = []
    try:
        text = article("S", 12)
        ticket = scheduler.submit(
            [text], profile="default", on_event=lambda kind, doc, payload: events.append((kind, payload))
        )
        [result] = ticket.future.result(timeout=WAIT_S)
    finally:
        scheduler.stop()
    kinds = [kind for kind, _ in events]
    assert [k for k in kinds if k != "window"] == ["sentences"] + ["sentence"] * 12 + ["summary"]
    assert kinds.index("window") > kinds.index("sentence") + 11, "the summary starts after the last sentence"
    sent = [payload for kind, payload in events if kind == "sentence"]
    assert [index for index, *_ in sent] == list(range(12))
    assert [segment for _, segment, *_ in sent] == result.segments
    assert result.to_dict() == pipeline(text).to_dict() | {"timings": result.to_dict()["timings"]}


def test_identical_sentences_of_two_requests_are_generated_once_per_batch(gated):
    model, pipeline, scheduler = gated
    hold_the_model(model, scheduler)
    a = scheduler.submit(["Harga beras naik. Banjir di Bekasi."], profile="default", summarize=False)
    b = scheduler.submit(["Harga beras naik. Sekolah libur."], profile="default", summarize=False)
    model.release()
    assert sorted(model.next_batch()) == sorted(["Harga beras naik.", "Banjir di Bekasi.", "Sekolah libur."])
    model.open()
    assert a.future.result(timeout=WAIT_S)[0].segments[0] == b.future.result(timeout=WAIT_S)[0].segments[0]


def test_a_full_queue_refuses_and_stopping_answers_what_is_left(config):
    model = GatedModel(max_input_tokens=64, max_positions=256)
    pipeline = Pipeline(
        Parts(config, Translator(model, config.translation), SummaryStage.disabled(config.summarization))
    )
    scheduler = Engine({"default": pipeline.parts}, max_queue=2)
    try:
        running = scheduler.submit(["Jalan."], profile="default", summarize=False)
        assert model.next_batch() == ["Jalan."]
        waiting = scheduler.submit(["Antre."], profile="default", summarize=False)
        with pytest.raises(QueueFull):
            scheduler.submit(["Lagi."], profile="default", summarize=False)
        stopper = threading.Thread(target=scheduler.stop)
        stopper.start()
        with pytest.raises(ShuttingDown):
            waiting.future.result(timeout=WAIT_S)
        with pytest.raises(ShuttingDown):
            running.future.result(timeout=WAIT_S)
        with pytest.raises(ShuttingDown):
            scheduler.submit(["Baru."], profile="default", summarize=False)
    finally:
        model.open()
        stopper.join(timeout=WAIT_S)


def test_input_errors_come_back_in_their_place(gated):
    model, pipeline, scheduler = gated
    model.open()
    ticket = scheduler.submit(["   ", "Harga beras naik."], profile="default", summarize=False)
    empty, fine = ticket.future.result(timeout=WAIT_S)
    assert "empty" in str(empty) and fine.translation


def test_the_batch_budget_follows_the_measured_cost(gated):
    from translator.engine._batching import BatchCost

    model, pipeline, scheduler = gated
    assert (
        scheduler.translation.budget("default") == 64
    )  # the first batch: the initial budget within the profile's cap
    cost = BatchCost(target_s=1.0)
    assert cost.budget("p", cap=4096) == 256  # nothing measured yet: the initial budget
    cost.record("p", seconds=1.0, padded=40)  # 40 tokens a second on this machine
    assert cost.budget("p", cap=4096) == 40
    assert cost.budget("p", cap=30) == 30
    cost.record("p", seconds=0.5, padded=40)  # faster now: the estimate moves 30% of the way
    assert cost.budget("p", cap=4096) == int(1.0 / (0.025 - 0.3 * 0.0125))  # 47
    slow = BatchCost(target_s=1.0)
    slow.record("p", seconds=10.0, padded=10)  # very slow: never below the floor
    assert slow.budget("p", cap=4096) == 32


def test_generated_outputs_reach_the_memory_and_a_second_request_is_served_from_it(tmp_path, config):
    from translator.memory.store import TranslationMemory

    model = FakeModel(max_input_tokens=64, max_positions=256)
    memory = TranslationMemory(tmp_path / "memory.sqlite3", 10)
    pipeline = Pipeline(
        Parts(
            config,
            Translator(model, config.translation, memory=memory),
            SummaryStage.disabled(config.summarization),
        )
    )
    scheduler = Engine({"default": pipeline.parts})
    try:
        first = scheduler.submit(
            ["Harga beras naik. Banjir di Bekasi."], profile="default", summarize=False
        ).future.result(timeout=WAIT_S)[0]
        calls = len(model.calls)
        again = scheduler.submit(
            ["Harga beras naik. Banjir di Bekasi."], profile="default", summarize=False
        ).future.result(timeout=WAIT_S)[0]
    finally:
        scheduler.stop()
    assert len(model.calls) == calls and again.cache_hits == 2 and again.translation == first.translation
    assert isinstance(memory.get_many([]), dict)


def test_a_capped_output_is_retried_in_its_batch(config):
    def respond(text, settings):
        capped = settings.get("repetition_penalty") != 1.2  # the retry settings
        return Generated("en " * 3, 3, True) if capped else Generated("fixed.", 2, False)

    cfg = config.translation.model_copy(update={"retry_generation": {"repetition_penalty": 1.2}})
    model = FakeModel(max_input_tokens=64, max_positions=256, respond=respond)
    pipeline = Pipeline(
        Parts(
            config.model_copy(update={"translation": cfg}),
            Translator(model, cfg),
            SummaryStage.disabled(config.summarization),
        )
    )
    scheduler = Engine({"default": pipeline.parts})
    try:
        [result] = scheduler.submit(["Harga beras naik."], profile="default", summarize=False).future.result(
            timeout=WAIT_S
        )
    finally:
        scheduler.stop()
    assert result.translation == "fixed." and [f.kind for f in result.segments[0].flags] == ["retried"]


def test_two_batches_at_once_finishing_out_of_order_still_send_sentences_in_order(config):
    first_held, first_go = threading.Event(), threading.Event()

    def respond(text, settings):
        if "nomor 0" in text:  # the first sentence's batch waits until the second batch is done
            first_held.set()
            assert first_go.wait(timeout=WAIT_S)
        return Generated(f"en {text}", 2, False)

    model = FakeModel(max_input_tokens=64, max_positions=256, respond=respond)
    cfg = config.model_copy(
        update={"translation": config.translation.model_copy(update={"max_batch_tokens": 8})}
    )
    pipeline = Pipeline(
        Parts(cfg, Translator(model, cfg.translation), SummaryStage.disabled(cfg.summarization))
    )
    scheduler = Engine({"default": pipeline.parts}, workers=2)
    sent: list[int] = []
    second_sent = threading.Event()
    try:

        def on_event(kind, doc, payload):
            if kind == "sentence":
                sent.append(payload[0])

        ticket = scheduler.submit(
            ["Harga nomor 0 naik. Harga nomor 1 naik."], profile="default", summarize=False, on_event=on_event
        )
        assert first_held.wait(timeout=WAIT_S)
        for _ in range(1200):  # the other worker translates sentence 2 meanwhile
            if "Harga nomor 1 naik." in ticket.outputs:
                second_sent.set()
                break
            threading.Event().wait(0.05)
        with scheduler.translation._handoff:  # its hand-off is over: sentence 2 is held back, not sent
            assert second_sent.is_set() and sent == [], "sentence 2 was sent before sentence 1"
        first_go.set()
        [result] = ticket.future.result(timeout=WAIT_S)
    finally:
        first_go.set()
        scheduler.stop()
    assert sent == [0, 1] and [s.translation for s in result.segments] == [
        "en Harga nomor 0 naik.",
        "en Harga nomor 1 naik.",
    ]


@pytest.mark.parametrize(
    "total, workers, summary, expected",
    [(2, None, None, (2, 2)), (8, None, None, (8, 8)), (1, None, None, (1, 1)), (8, 4, 2, (4, 2))],
)
def test_each_lane_has_a_worker_per_core_unless_told(total, workers, summary, expected):
    from translator.engine.cores import split as split_threads

    assert split_threads(total, workers, summary) == expected


def test_a_summary_that_needs_no_model_does_not_wait_for_the_summary_lane(config):
    """A one-sentence request's summary is itself: it is made at once, even while every summary
    worker is busy with an article."""
    from fakes import FakeModel as Summariser

    busy, free = threading.Event(), threading.Event()

    def slow_summary(text, settings):
        busy.set()
        assert free.wait(timeout=WAIT_S)
        return Generated("A summary.", 3, False)

    stage = SummaryStage(config.summarization, None, "abstractive")
    from translator.engine.summarize import Summarizer

    stage.summarizer = Summarizer(
        Summariser(role="summarization", max_input_tokens=512, max_positions=512, respond=slow_summary),
        config.summarization,
    )
    pipeline = Pipeline(
        Parts(
            config, Translator(FakeModel(max_input_tokens=64, max_positions=256), config.translation), stage
        )
    )
    scheduler = Engine({"default": pipeline.parts}, summary_workers=1)
    try:
        article_ticket = scheduler.submit([article("A", 3)], profile="default")
        assert busy.wait(timeout=WAIT_S)  # the only summary worker is taken
        [short] = scheduler.submit(["Harga beras naik."], profile="default").future.result(timeout=WAIT_S)
        assert not article_ticket.future.done()
        assert short.summary == short.translation and any(
            "its own summary" in w.message for w in short.warnings
        )
        free.set()
        assert article_ticket.future.result(timeout=WAIT_S)[0].summary == "A summary."
    finally:
        free.set()
        scheduler.stop()


# ---- one owner of the state: faults, admission, waste, bulk order ------------------------------------


def test_a_bug_in_a_worker_fails_only_the_requests_it_touched_and_the_next_is_served(
    gated, monkeypatch, caplog
):
    model, pipeline, scheduler = gated
    real = pipeline.parts.segment

    def broken(doc, index, parts):
        if "RUSAK" in doc.text:
            raise KeyError("a bug in building the segment")
        return real(doc, index, parts)

    monkeypatch.setattr(pipeline.parts, "segment", broken)
    hit = scheduler.submit(["Data RUSAK di sini."], profile="default", summarize=False)
    assert model.next_batch() == ["Data RUSAK di sini."]
    model.release()
    with pytest.raises(RequestFailed, match=r"internal error in the engine.*request id") as failed:
        hit.future.result(timeout=WAIT_S)
    assert failed.value.request_id == hit.id
    assert any(hit.id in r.getMessage() and r.exc_info for r in caplog.records), "logged with its traceback"
    after = scheduler.submit(["Harga beras naik."], profile="default", summarize=False)
    assert model.next_batch() == ["Harga beras naik."], "the worker lives on"
    model.release()
    [result] = after.future.result(timeout=WAIT_S)
    assert result.segments and scheduler.stats.faults == 1


def test_what_is_generated_for_a_cancelled_request_is_counted_and_then_nothing(gated):
    model, pipeline, scheduler = gated
    ticket = scheduler.submit([article("W", 30)], profile="default", summarize=False)
    model.next_batch()
    scheduler.cancel(ticket)  # while its first batch runs
    model.release()
    after = scheduler.submit(["Harga beras naik."], profile="default", summarize=False)
    assert model.next_batch() == ["Harga beras naik."]
    model.release()
    after.future.result(timeout=WAIT_S)
    first = len(model.generated) - 1
    assert 0 < first < 30 and scheduler.stats.wasted == first
    assert scheduler.stats.pieces == first + 1


def test_admission_takes_its_place_at_once_so_two_cannot_share_the_last(config, monkeypatch):
    model = GatedModel(max_input_tokens=64, max_positions=256)
    model.open()
    pipeline = Pipeline(
        Parts(config, Translator(model, config.translation), SummaryStage.disabled(config.summarization))
    )
    scheduler = Engine({"default": pipeline.parts}, max_queue=1)
    preparing, go_on = threading.Event(), threading.Event()
    real = pipeline.parts.prepare_many

    def slow_prepare(texts, force=False):
        preparing.set()
        assert go_on.wait(WAIT_S)
        return real(texts, force)

    monkeypatch.setattr(pipeline.parts, "prepare_many", slow_prepare)
    outcome: list = []
    first = threading.Thread(target=lambda: outcome.append(scheduler.submit(["Satu."], profile="default")))
    try:
        first.start()
        assert preparing.wait(WAIT_S)
        with pytest.raises(QueueFull):  # the first holds the only place while it is prepared
            scheduler.submit(["Dua."], profile="default", summarize=False)
        go_on.set()
        first.join(WAIT_S)
        assert outcome[0].future.result(timeout=WAIT_S)[0].segments
    finally:
        go_on.set()
        scheduler.stop()


def test_bulk_work_goes_shortest_first_across_its_texts(gated):
    model, pipeline, scheduler = gated
    hold_the_model(model, scheduler)
    long_first = ["Ini kalimat yang panjang sekali tentang harga beras di pasar induk.", "Pendek."]
    ticket = scheduler.submit(
        [" ".join(long_first), "Harga naik."], profile="default", summarize=False, bulk=True
    )
    model.release()
    model.open()
    ticket.future.result(timeout=WAIT_S)
    order = model.generated[1:]
    assert order == sorted(order, key=lambda t: len(t.split())), order


def test_every_door_gives_the_same_result_for_the_same_texts(tiny_pipeline, tiny_config, tmp_path):
    """The library (one text, a list), batch and the service: one engine, so the same Results."""
    import json

    from fastapi.testclient import TestClient  # noqa: F401 - the service's door, as a client sees it

    from translator.batch.items import Item
    from translator.batch.local import run_batch
    from translator.server.app import ServerSettings, create_app

    from helpers import ready_client

    texts = [
        "Harga beras naik dua persen pekan ini. Pemerintah menyiapkan operasi pasar.",
        "Banjir merendam tiga desa di Bekasi.\nWarga mengungsi ke sekolah.",
    ]
    one = [tiny_pipeline(t, summarize=False).to_dict() for t in texts]
    many = [r.to_dict() for r in tiny_pipeline.run_many(texts, summarize=False)]
    out = tmp_path / "out.jsonl"
    run_batch(tiny_pipeline, iter([Item(f"d{i}", t) for i, t in enumerate(texts)]), out, summarize=False)
    batch = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    client = ready_client(create_app(ServerSettings(), lambda: {"default": tiny_pipeline}))
    try:
        served = [client.post("/v1/translate", json={"text": t}).json() for t in texts]
    finally:
        client.__exit__(None, None, None)

    def same(result: dict) -> tuple:
        return result["translation"], [
            (s["source"], s["translation"], s["flags"]) for s in result["segments"]
        ]

    for i in range(len(texts)):
        assert same(one[i]) == same(many[i]) == same(batch[i]) == same(served[i])


def test_bulk_summaries_go_longest_first_and_a_requests_shortest_first(config):
    """Bulk work is waited for whole: the longest summary starts first, so none starts last with the
    other cores idle. A request waits for its own: the shortest goes first."""
    from translator.engine.tickets import SummaryJob, Ticket

    def jobs(bulk: bool) -> list[int]:
        ticket = Ticket("-", "default", None, [], True, None, bulk=bulk)  # type: ignore[arg-type]
        queued = [SummaryJob(ticket, i, words) for i, words in enumerate((300, 50, 900))]
        return [j.words for j in sorted(queued, key=lambda j: j.key(queued[0].queued))]

    assert jobs(bulk=True) == [900, 300, 50]
    assert jobs(bulk=False) == [50, 300, 900]
