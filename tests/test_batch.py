"""Batch runs: resumable after SIGKILL, bad documents isolated, sentences pooled across documents."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from translator import OutputError, Pipeline
from translator.batch.items import read_items
from translator.batch.resume import ResumeState
from translator.testing.tiny import tiny_config_text
from translator.types import Result

from helpers import SENTENCES, cli, records, running, spy_generate


@pytest.fixture
def slow_config(tiny_dirs, tmp_path) -> Path:
    """Long outputs, one sentence a call: a batch that runs long enough to be interrupted."""
    text = (
        tiny_config_text(*tiny_dirs)
        .replace("    max_new_tokens: 8\n", "    max_new_tokens: 60\n", 1)
        .replace("  batch_size: 8\n", "  batch_size: 1\n", 1)
    )
    path = tmp_path / "slow.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def corpus(tmp_path) -> Path:
    """30 documents: 28 articles of 8 sentences (in rotating order), one empty, one binary."""
    root = tmp_path / "berita"
    (root / "nested").mkdir(parents=True)
    for i in range(28):
        lines = SENTENCES[i % 8 :] + SENTENCES[: i % 8]
        folder = root / "nested" if i % 5 == 0 else root
        (folder / f"artikel-{i:02d}.txt").write_text(f"Artikel {i}. " + " ".join(lines), encoding="utf-8")
    (root / "kosong.txt").write_text("  \n", encoding="utf-8")
    (root / "sampah.txt").write_bytes(bytes(range(256)) * 4)
    return root


def expected_ids(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*.txt")}


def _wait_for_records(process: subprocess.Popen, out: Path, count: int) -> None:
    """Until ``out`` has ``count`` lines or the process ends (a generous bound, for a busy machine)."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and process.poll() is None:
        if out.exists() and out.read_bytes().count(b"\n") >= count:
            return
        time.sleep(0.02)


@pytest.mark.slow
def test_killed_batch_is_completed_by_a_rerun_without_loss_or_duplicates(
    corpus, slow_config, tiny_config, tmp_path
):
    out = tmp_path / "hasil.jsonl"
    command = [
        sys.executable,
        "-m",
        "translator",
        "batch",
        str(corpus),
        "--output",
        str(out),
        "--config",
        str(slow_config),
        "--pool-docs",
        "2",
        "--no-summary",
    ]
    with running(command) as process:
        _wait_for_records(process, out, 3)
        assert process.poll() is None, (
            "the batch finished before it could be killed; make the documents longer"
        )
        process.send_signal(signal.SIGKILL)
        process.wait()
    written = out.read_bytes().count(b"\n")
    assert 3 <= written < 30

    rerun = cli(
        "batch",
        str(corpus),
        "--output",
        str(out),
        "--config",
        str(tiny_config),
        "--pool-docs",
        "2",
        "--no-summary",
        # the rerun is made fast on purpose (8 new tokens, not 60): another configuration, said so
        "--mix-configs",
    )
    stderr = rerun.stderr.decode()
    assert rerun.returncode == 1, stderr
    assert "Traceback" not in stderr
    found = records(out)
    ids = [r["id"] for r in found]
    assert len(ids) == 30 and set(ids) == expected_ids(corpus)
    errors = {r["id"]: r["error"] for r in found if r["error"] is not None}
    assert set(errors) == {"kosong.txt", "sampah.txt"}
    assert "empty" in errors["kosong.txt"] and (
        "binary" in errors["sampah.txt"] or "UTF-8" in errors["sampah.txt"]
    )
    for record in found:
        assert set(record) == {"id", "error", *Result("", "", [], [], [], {}).to_dict()}, (
            "one schema for every record"
        )
        if record["error"] is None:
            assert record["translation"].strip() and record["models"][0]["role"] == "translation"
    assert "batch: 30 documents: " in stderr and f", {written} skipped (already in the output)" in stderr


def test_a_torn_last_line_is_repaired_and_the_document_done_again(tmp_path, tiny_config):
    docs = tmp_path / "docs.jsonl"
    docs.write_text(
        "\n".join(json.dumps({"id": f"d{i}", "text": SENTENCES[i]}) for i in range(3)) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    good = json.dumps(
        {
            "id": "d0",
            "translation": "x",
            "summary": None,
            "warnings": [],
            "error": None,
            "models": [],
            "timings": {},
        }
    )
    out.write_text(good + "\n" + '{"id": "d1", "translation": "hal', encoding="utf-8")
    proc = cli("batch", str(docs), "--output", str(out), "--config", str(tiny_config), "--no-summary")
    assert proc.returncode == 0, proc.stderr.decode()
    found = records(out)
    assert [r["id"] for r in found] == ["d0", "d1", "d2"]
    assert found[0]["translation"] == "x", "a finished record was redone"


def test_a_finished_batch_reruns_in_no_time_and_still_reports_old_failures(tmp_path, tiny_config):
    docs = tmp_path / "docs.jsonl"
    docs.write_text(
        json.dumps({"id": "a", "text": SENTENCES[0]}) + "\n" + json.dumps({"id": "b", "text": ""}) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    first = cli("batch", str(docs), "--output", str(out), "--config", str(tiny_config), "--no-summary")
    assert first.returncode == 1
    before = out.read_bytes()
    second = cli("batch", str(docs), "--output", str(out), "--config", str(tiny_config), "--no-summary")
    assert second.returncode == 1
    assert out.read_bytes() == before
    assert (
        "2 documents: 0 ok, 0 failed, 2 skipped (already in the output); 1 of the skipped had failed before"
        in second.stderr.decode()
    )


def test_jsonl_with_other_field_names_and_summaries(tmp_path, tiny_config):
    docs = tmp_path / "docs.jsonl"
    lines = [
        json.dumps({"kode": "satu", "isi": " ".join(SENTENCES[:4])}),
        "{not json",
        json.dumps({"kode": "dua", "isi": 42}),
        json.dumps({"kode": "satu", "isi": "Duplikat."}),
    ]
    docs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    proc = cli(
        "batch",
        str(docs),
        "--output",
        str(out),
        "--config",
        str(tiny_config),
        "--text-field",
        "isi",
        "--id-field",
        "kode",
    )
    assert proc.returncode == 1
    found = {r["id"]: r for r in records(out)}
    assert set(found) == {"satu", "line-2", "dua"}
    assert found["satu"]["summary"] and found["satu"]["error"] is None
    assert "not JSON" in found["line-2"]["error"]
    assert "not a string" in found["dua"]["error"]
    assert "satu: duplicate id in the input" in proc.stderr.decode()


def test_csv_input(tmp_path, tiny_config):
    docs = tmp_path / "docs.csv"
    docs.write_text('id,text\nx1,"Harga naik, kata dia."\nx2,Banjir datang.\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    proc = cli("batch", str(docs), "--output", str(out), "--config", str(tiny_config), "--no-summary")
    assert proc.returncode == 0, proc.stderr.decode()
    assert [r["id"] for r in records(out)] == ["x1", "x2"]


@pytest.mark.parametrize(
    "name, content, fragment",
    [
        ("docs.csv", "nomor,isi\n1,Teks.\n", "no column 'text' in the header (columns: nomor, isi)"),
        ("docs.xml", "<x/>", "expected a directory, a .jsonl file or a .csv file"),
    ],
)
def test_unusable_batch_inputs_are_usage_errors(tmp_path, tiny_config, name, content, fragment):
    source = tmp_path / name
    source.write_text(content, encoding="utf-8")
    proc = cli("batch", str(source), "--output", str(tmp_path / "out.jsonl"), "--config", str(tiny_config))
    assert proc.returncode == 2 and fragment in proc.stderr.decode()
    assert not (tmp_path / "out.jsonl").exists()


def test_an_output_that_is_not_ours_is_not_touched(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text("hello\n", encoding="utf-8")
    with pytest.raises(OutputError, match="not a record this tool wrote"):
        ResumeState.repair_and_read(out)
    assert out.read_text() == "hello\n"


def test_directory_ids_are_relative_paths(corpus):
    items = list(read_items(corpus))
    assert {i.id for i in items} == expected_ids(corpus)
    assert [i.id for i in items if i.error] == ["sampah.txt"]  # the empty one fails later, in the pipeline


def test_pooled_batching_calls_the_model_fewer_times(tiny_dirs, tmp_path, monkeypatch):
    config = tmp_path / "models.yaml"
    config.write_text(tiny_config_text(*tiny_dirs), encoding="utf-8")
    pipeline = Pipeline.from_config(config, summarize=False)
    texts = [" ".join(SENTENCES[i : i + 3]) for i in range(6)]  # 6 documents of 3 sentences, some shared

    calls = spy_generate(monkeypatch, pipeline.translator.model)
    one_by_one = [pipeline(t, summarize=False) for t in texts]
    separate = len(calls)
    calls.clear()
    pooled = pipeline.run_many(texts, summarize=False)
    assert len(calls) < separate
    assert separate == 6 and len(calls) == 1  # 8 distinct sentences fit one batch of 8
    # Batch composition (padding) may change a random model's greedy choices, so compare structure,
    # and check that a sentence shared by documents got one translation in the pooled run.
    assert [[s.source for s in r.segments] for r in pooled] == [
        [s.source for s in r.segments] for r in one_by_one
    ]
    translations: dict[str, set[str]] = {}
    for result in pooled:
        for segment in result.segments:
            translations.setdefault(segment.source, set()).add(segment.translation)
    assert all(len(t) == 1 for t in translations.values())


@pytest.mark.slow
def test_ctrl_c_exits_130_and_leaves_whole_records(corpus, slow_config, tmp_path):
    out = tmp_path / "hasil.jsonl"
    command = [
        sys.executable,
        "-m",
        "translator",
        "batch",
        str(corpus),
        "--output",
        str(out),
        "--config",
        str(slow_config),
        "--pool-docs",
        "1",
        "--no-summary",
    ]
    with running(command) as process:
        _wait_for_records(process, out, 2)
        assert process.poll() is None, "the batch finished before it could be interrupted"
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=300)
    assert process.returncode == 130, stderr.decode()
    assert stderr.decode().strip().splitlines() == ["translator: interrupted"]
    assert all(r["id"] for r in records(out)), "a record is torn"


def test_the_batch_streams_its_inputs_pool_by_pool(tiny_pipeline, tmp_path):
    """Memory is bounded by the pools in flight, not the corpus: when the first pool's records are
    written, no more than the pools read ahead (and the one item that closed the last) has been read."""
    from translator.batch.items import Item
    from translator.batch.local import READ_AHEAD_POOLS, run_batch

    pulled = []

    def items():
        for i in range(40):
            pulled.append(i)
            yield Item(f"d{i}", SENTENCES[i % len(SENTENCES)])

    seen_at_first_record = []
    run_batch(
        tiny_pipeline,
        items(),
        tmp_path / "out.jsonl",
        summarize=False,
        pool_docs=4,
        on_document=lambda n: seen_at_first_record.append(len(pulled)),
    )
    assert seen_at_first_record[0] <= READ_AHEAD_POOLS * 4 + 1 < 40
    assert len(seen_at_first_record) == 40 and len(pulled) == 40


def test_a_batch_with_nothing_to_do_loads_no_model(tmp_path):
    from translator.batch.items import Item
    from translator.batch.local import run_batch

    out = tmp_path / "out.jsonl"
    out.write_text(json.dumps({"id": "a", "error": None}) + "\n", encoding="utf-8")

    def no_loading():
        raise AssertionError("a model was loaded for a finished batch")

    stats = run_batch(no_loading, iter([Item("a", "Harga naik.")]), out)
    assert stats.skipped == 1 and stats.ok == 0


def test_a_bug_is_not_turned_into_a_failed_record(tiny_pipeline, tmp_path, monkeypatch):
    """Only document failures (our errors, memory) become error records; a bug in the batch's own
    code stops the batch (a bug inside the engine fails the requests it touched: test_engine)."""
    from translator.batch.items import Item
    from translator.batch.local import run_batch

    monkeypatch.setattr(tiny_pipeline, "submit", lambda *a, **k: [][1])
    with pytest.raises(IndexError):
        run_batch(tiny_pipeline, iter([Item("a", "Harga naik.")]), tmp_path / "out.jsonl", summarize=False)


def test_failed_documents_are_redone_with_retry_failed(tmp_path, tiny_config):
    french = "Le gouvernement de la ville a commencé à tester des bus électriques sur trois corridors principaux mercredi."  # noqa: E501
    docs = tmp_path / "docs.jsonl"
    docs.write_text(
        json.dumps({"id": "id", "text": SENTENCES[0]})
        + "\n"
        + json.dumps({"id": "fr", "text": french})
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    first = cli("batch", str(docs), "--output", str(out), "--config", str(tiny_config), "--no-summary")
    assert first.returncode == 1
    assert "pass --force" in records(out)[1]["error"] and "force=True" not in records(out)[1]["error"]
    assert "rerun with --retry-failed" in first.stderr.decode()

    forced = cli(
        "batch", str(docs), "--output", str(out), "--config", str(tiny_config), "--no-summary", "--force"
    )
    assert forced.returncode == 1 and len(records(out)) == 2, "without --retry-failed a failed id stays done"

    retried = cli(
        "batch",
        str(docs),
        "--output",
        str(out),
        "--config",
        str(tiny_config),
        "--no-summary",
        "--force",
        "--retry-failed",
    )
    stderr = retried.stderr.decode()
    assert retried.returncode == 0, stderr
    assert (
        "2 documents: 1 ok, 0 failed, 1 skipped (already in the output); 1 of the processed had failed before"
        in stderr
    )
    found = records(out)
    assert [r["id"] for r in found] == ["id", "fr", "fr"], "the new record is appended; the old one stays"
    assert found[-1]["error"] is None and found[-1]["translation"]
    assert ResumeState.repair_and_read(out).done == {"id": False, "fr": False}, (
        "the last record of an id is its state"
    )


def test_batch_reads_other_encodings_with_encoding(tmp_path, tiny_config):
    root = tmp_path / "latin"
    root.mkdir()
    (root / "kafe.txt").write_bytes("Kafé di Bandung menaikkan harga kopi.".encode("latin-1"))
    out = tmp_path / "out.jsonl"
    failed = cli("batch", str(root), "--output", str(out), "--config", str(tiny_config), "--no-summary")
    assert failed.returncode == 1 and "--encoding latin-1" in records(out)[0]["error"]
    redone = cli(
        "batch",
        str(root),
        "--output",
        str(out),
        "--config",
        str(tiny_config),
        "--no-summary",
        "--encoding",
        "latin-1",
        "--retry-failed",
    )
    assert redone.returncode == 0, redone.stderr.decode()
    assert records(out)[-1]["segments"][0]["source"] == "Kafé di Bandung menaikkan harga kopi."
    unknown = cli(
        "batch", str(root), "--output", str(out), "--config", str(tiny_config), "--encoding", "klingon"
    )
    assert unknown.returncode == 2 and "unknown encoding 'klingon'" in unknown.stderr.decode()


def test_resume_refuses_records_of_another_configuration(tmp_path, tiny_dirs, tiny_config):
    docs = tmp_path / "docs.jsonl"
    docs.write_text(json.dumps({"id": "a", "text": SENTENCES[0]}) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    first = cli("batch", str(docs), "--output", str(out), "--config", str(tiny_config), "--no-summary")
    assert first.returncode == 0, first.stderr.decode()
    before = out.read_bytes()

    other = tmp_path / "beams.yaml"
    text = tiny_config_text(*tiny_dirs)
    assert "    num_beams: 1\n" in text
    other.write_text(text.replace("    num_beams: 1\n", "    num_beams: 2\n", 1), encoding="utf-8")
    with docs.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "b", "text": SENTENCES[1]}) + "\n")

    refused = cli("batch", str(docs), "--output", str(out), "--config", str(other), "--no-summary")
    stderr = refused.stderr.decode()
    assert refused.returncode == 2, stderr
    assert "another configuration" in stderr and "beams:1" in stderr and "beams:2" in stderr
    assert "--mix-configs" in stderr and "Traceback" not in stderr
    assert out.read_bytes() == before, "nothing is appended to a file of another configuration"

    same = cli("batch", str(docs), "--output", str(out), "--config", str(tiny_config))
    assert same.returncode == 2 and out.read_bytes() == before, "summaries on change the signature too"

    mixed = cli(
        "batch", str(docs), "--output", str(out), "--config", str(other), "--no-summary", "--mix-configs"
    )
    assert mixed.returncode == 0, mixed.stderr.decode()
    found = records(out)
    assert [r["id"] for r in found] == ["a", "b"]
    assert "beams:1" in found[0]["signature"] and "beams:2" in found[1]["signature"]


def test_a_file_only_kind_in_a_jsonl_batch_gets_a_record_that_says_what_to_do(tmp_path, tiny_config):
    root = tmp_path / "masuk"
    root.mkdir()
    (root / "berita.txt").write_text(SENTENCES[0], encoding="utf-8")
    (root / "laporan.docx").write_bytes(b"PK\x03\x04 an office file")
    out = tmp_path / "out.jsonl"
    done = cli("batch", str(root), "--output", str(out), "--config", str(tiny_config), "--no-summary")
    assert done.returncode == 1, "the office file is a failed record, never passed over silently"
    found = {r["id"]: r for r in records(out)}
    assert found["berita.txt"]["error"] is None
    assert "--output-dir" in found["laporan.docx"]["error"]
