"""People's corrections: used wherever the sentence comes again, refused when they lose a number,
moved in and out as TMX 1.4."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from translator import Pipeline
from translator.memory.corrections import CorrectionRefused
from translator.memory.store import Corrections, TranslationMemory
from translator.memory.tmx import XML_LANG, TmxError, export_memory, import_memory

from helpers import FIXED, NUMBERED, SENTENCES, cli, config_with_memory, spy_generate

TEXT = " ".join(SENTENCES[:3])


@pytest.fixture
def memory_config(tiny_dirs, tmp_path):
    return config_with_memory(tiny_dirs, tmp_path, tmp_path / "tm.sqlite3"), tmp_path / "tm.sqlite3"


def test_a_correction_replaces_the_model_for_that_sentence_in_every_later_run(memory_config, monkeypatch):
    config, path = memory_config
    memory = TranslationMemory(path)
    Corrections(memory).add(SENTENCES[0], FIXED, who="editor")
    memory.close()

    pipeline = Pipeline.from_config(config, summarize=False)
    calls = spy_generate(monkeypatch, pipeline.translator.model)
    result = pipeline(TEXT, summarize=False)
    first, second = result.segments[0], result.segments[1]
    assert first.translation == FIXED and first.origin == "correction" and first.confidence is None
    assert second.origin == "model" and second.translation != FIXED
    assert result.translation.startswith(FIXED)
    assert sum(len(c.texts) for c in calls) == 2, "the corrected sentence is never sent to the model"
    assert result.to_dict()["segments"][0]["origin"] == "correction"


def test_the_latest_correction_wins_and_the_earlier_ones_are_history(tmp_path):
    memory = TranslationMemory(tmp_path / "tm.sqlite3")
    corrections = Corrections(memory)
    first = corrections.add(SENTENCES[0], "First try at the three corridors.", created=1000)
    second = corrections.add("  " + SENTENCES[0].replace(" ", "\n", 2), FIXED, created=2000)
    assert corrections.latest([SENTENCES[0]])[SENTENCES[0]].translation == FIXED, "white space is folded"
    assert [c.id for c in corrections.history(SENTENCES[0])] == [second.id, first.id]
    assert [c.id for c in corrections.all()] == [second.id]
    assert corrections.delete(second.id) and not corrections.delete(second.id)
    assert corrections.latest([SENTENCES[0]])[SENTENCES[0]].translation.startswith("First try")


@pytest.mark.parametrize(
    "translation, reason",
    [
        ("   ", "empty"),
        (NUMBERED.upper(), "source sentence itself"),
        ("The price of rice rose to Rp 14,500 per kilogram.", "'2,5' in the source is missing"),
        ("The price of rice rose 2.5 percent to Rp 14,500 per kilogram in 2024.", "2024"),  # added
    ],
)
def test_a_correction_that_would_mislead_is_refused_with_its_reason(tmp_path, translation, reason):
    corrections = Corrections(TranslationMemory(tmp_path / "tm.sqlite3"))
    with pytest.raises(CorrectionRefused) as refused:
        corrections.add(NUMBERED, translation)
    assert reason in str(refused.value) and "force" in str(refused.value)
    assert corrections.all() == []
    if translation.strip():
        kept = corrections.add(NUMBERED, translation, force=True)
        assert corrections.all() == [kept], "force keeps it"


def test_a_correct_number_passes():
    from translator.memory.corrections import problem

    assert problem(NUMBERED, "The price of rice rose 2.5 percent to Rp 14,500 per kilogram.") is None


def test_tmx_export_clear_import_gives_back_every_entry(memory_config, tmp_path):
    config, path = memory_config
    Pipeline.from_config(config, summarize=False)(TEXT, summarize=False)  # model translations
    memory = TranslationMemory(path)
    corrections = Corrections(memory)
    corrections.add(SENTENCES[0], "An older correction of the corridors.", who="a", created=1000)
    corrections.add(SENTENCES[0], FIXED, who="b", created=2000)
    before_rows = memory.read("SELECT key, value FROM memory ORDER BY key")
    before_corrections = [(c.source, c.translation, c.who, c.created) for c in corrections.all(history=True)]
    assert len(before_rows) == 3 and len(before_corrections) == 2

    out = tmp_path / "memory.tmx"
    assert export_memory(memory, out) == (5, 0)
    root = etree.parse(str(out)).getroot()
    assert root.tag == "tmx" and root.get("version") == "1.4"
    header = root.find("header")
    for attribute in (
        "creationtool",
        "creationtoolversion",
        "segtype",
        "o-tmf",
        "adminlang",
        "srclang",
        "datatype",
    ):
        assert header.get(attribute), attribute  # the attributes TMX 1.4 requires of <header>
    units = root.findall("body/tu")
    assert len(units) == 5
    for tu in units:
        assert sorted(tuv.get(XML_LANG) for tuv in tu.findall("tuv")) == ["en", "id"]
        assert all(tuv.find("seg") is not None for tuv in tu.findall("tuv"))
        assert [child.tag for child in tu][0] == "prop", "props come before the variants"
    origins = sorted(tu.find("prop[@type='x-origin']").text for tu in units)
    assert origins == ["correction", "correction", "model", "model", "model"]

    memory.clear(corrections=True)
    assert memory.read("SELECT count(*) FROM memory") == [(0,)] and corrections.all(history=True) == []
    count = import_memory(memory, out)
    # The later of the two corrections of one sentence changes the earlier: 4 new, 1 changed.
    assert (count.new, count.same, count.changed, count.skipped, count.refused) == (4, 0, 1, 0, {})
    assert memory.read("SELECT key, value FROM memory ORDER BY key") == before_rows
    after = [(c.source, c.translation, c.who, c.created) for c in corrections.all(history=True)]
    assert after == before_corrections
    again = import_memory(memory, out)
    assert (again.new, again.same, again.changed) == (0, 5, 0), "counted exactly: all already there"
    assert len(corrections.all(history=True)) == 2 and len(memory.read("SELECT key FROM memory")) == 3, (
        "a second import adds nothing"
    )


def test_a_tmx_from_another_tool_comes_in_as_corrections(tmp_path):
    tmx = tmp_path / "omegat.tmx"
    tmx.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n'
        '<tmx version="1.4"><header creationtool="OmegaT" creationtoolversion="6" segtype="sentence" '
        'o-tmf="OmegaT" adminlang="EN-US" srclang="ID" datatype="plaintext"/><body>'
        f'<tu><tuv xml:lang="ID"><seg>{SENTENCES[0]}</seg></tuv>'
        f'<tuv xml:lang="EN-US"><seg>{FIXED}</seg></tuv></tu>'
        '<tu><tuv xml:lang="id"><seg>Hanya satu bahasa.</seg></tuv></tu>'
        "</body></tmx>",
        encoding="utf-8",
    )
    memory = TranslationMemory(tmp_path / "tm.sqlite3")
    count = import_memory(memory, tmx)
    assert (count.new, count.same, count.skipped) == (1, 0, 1)
    assert Corrections(memory).latest([SENTENCES[0]])[SENTENCES[0]].translation == FIXED


@pytest.mark.parametrize(
    "content, message",
    [
        ("this is not xml <", "not XML"),
        ("<html><body/></html>", "not a TMX file"),
        (
            '<tmx version="1.4"><header/><body><tu><tuv xml:lang="fr"><seg>a</seg></tuv></tu></body></tmx>',
            "no translation unit",
        ),
        (
            '<!DOCTYPE tmx [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            '<tmx version="1.4"><header/><body><tu><tuv xml:lang="id"><seg>&b;</seg></tuv></tu></body></tmx>',
            "no translation unit",
        ),
    ],
)
def test_a_bad_tmx_changes_nothing(tmp_path, content, message):
    memory = TranslationMemory(tmp_path / "tm.sqlite3")
    Corrections(memory).add(SENTENCES[0], FIXED)
    bad = tmp_path / "bad.tmx"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(TmxError, match=message):
        import_memory(memory, bad)
    assert len(Corrections(memory).all(history=True)) == 1


def test_a_huge_tmx_is_refused_before_it_is_read(tmp_path):
    from translator.memory.tmx import read_tmx

    big = tmp_path / "big.tmx"
    big.write_bytes(b"<tmx>" + b" " * 2_000_000 + b"</tmx>")
    with pytest.raises(TmxError, match="over the limit of 1 MB"):
        read_tmx(big, max_mb=1)


def test_the_memory_command_corrects_exports_and_imports(memory_config, tmp_path):
    config, path = memory_config
    made = cli("memory", "correct", SENTENCES[0], FIXED, "--config", str(config))
    assert made.returncode == 0, made.stderr.decode()
    refused = cli("memory", "correct", NUMBERED, "Rice went up.", "--config", str(config))
    assert refused.returncode == 2 and "number" in refused.stderr.decode().lower()
    assert "Traceback" not in refused.stderr.decode()

    run = cli("translate", "--config", str(config), "--format", "json", stdin=TEXT.encode())
    assert run.returncode == 0, run.stderr.decode()
    assert FIXED in run.stdout.decode() and '"origin": "correction"' in run.stdout.decode()

    listed = cli("memory", "corrections", "--config", str(config)).stdout.decode()
    assert FIXED in listed and "local" in listed
    out = tmp_path / "out.tmx"
    assert cli("cache", "export", str(out), "--config", str(config)).returncode == 0, "cache is an alias"
    cleared = cli("memory", "clear", "--config", str(config))
    assert cleared.returncode == 0 and "kept 1 correction" in cleared.stdout.decode()
    assert FIXED in cli("memory", "corrections", "--config", str(config)).stdout.decode(), (
        "people's work kept"
    )
    unasked = cli("memory", "clear", "--corrections", "--config", str(config))
    assert unasked.returncode == 2 and "--yes" in unasked.stderr.decode(), "no terminal: refused"
    assert FIXED in cli("memory", "corrections", "--config", str(config)).stdout.decode()
    confirmed = cli("memory", "clear", "--corrections", "--yes", "--config", str(config))
    assert confirmed.returncode == 0, confirmed.stderr.decode()
    assert FIXED not in cli("memory", "corrections", "--config", str(config)).stdout.decode()
    backup = re.search(r"written to (\S+\.tmx)", confirmed.stdout.decode()).group(1)
    restored = cli("memory", "import", backup, "--config", str(config))
    assert restored.returncode == 0 and "1 new" in restored.stdout.decode(), restored.stdout.decode()
    assert FIXED in cli("memory", "corrections", "--config", str(config)).stdout.decode(), (
        "the backup restores"
    )
    imported = cli("memory", "import", str(out), "--config", str(config))
    # the correction is there already; the model's translations, cleared, come back
    assert imported.returncode == 0 and "1 already there, 0 changed" in imported.stdout.decode()
    bad = tmp_path / "bad.tmx"
    bad.write_text("<nope", encoding="utf-8")
    failed = cli("memory", "import", str(bad), "--config", str(config))
    assert failed.returncode == 2 and "not XML" in failed.stderr.decode()
    assert FIXED in cli("memory", "corrections", "--config", str(config)).stdout.decode()


def _tmx(tmp_path, *pairs: tuple[str, str]):
    units = "".join(
        f'<tu><tuv xml:lang="id"><seg>{source}</seg></tuv><tuv xml:lang="en"><seg>{target}</seg></tuv></tu>'
        for source, target in pairs
    )
    path = tmp_path / "cat.tmx"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><tmx version="1.4"><header creationtool="Trados" '
        'creationtoolversion="1" segtype="sentence" o-tmf="x" adminlang="en" srclang="id" '
        f'datatype="rtf"/><body>{units}</body></tmx>',
        encoding="utf-8",
    )
    return path


def test_tmx_inline_codes_stay_out_of_the_text(tmp_path):
    """TMX 1.4b: <bpt>/<ept>/<ph>/<it>/<ut> hold the native code of the tool (here RTF and HTML),
    <hi> holds text; only text reaches the memory."""
    source = 'Harga <bpt i="1">{\\b </bpt>beras<ept i="1">}</ept> naik<ph x="2">&lt;br/&gt;</ph> tajam.'
    target = 'The price of <bpt i="1">{\\b </bpt>rice<ept i="1">}</ept> rose <hi type="x">sharply</hi>.'
    memory = TranslationMemory(tmp_path / "tm.sqlite3")
    count = import_memory(memory, _tmx(tmp_path, (source, target)))
    assert count.new == 1
    (kept,) = Corrections(memory).all()
    assert (kept.source, kept.translation) == ("Harga beras naik tajam.", "The price of rice rose sharply.")


def test_tmx_units_pass_the_checks_of_memory_correct_unless_forced(tmp_path):
    lost = ("Harga naik 2,5 persen.", "The price rose by percent.")
    same = ("Kota itu sepi.", "Kota itu sepi.")
    good = ("Kota itu ramai.", "The city is busy.")
    path = _tmx(tmp_path, lost, same, good)
    memory = TranslationMemory(tmp_path / "tm.sqlite3")
    count = import_memory(memory, path)
    assert (count.new, sum(count.refused.values())) == (1, 2)
    assert any("2,5" in reason for reason in count.refused) and any("source" in r for r in count.refused)
    assert [c.source for c in Corrections(memory).all()] == ["Kota itu ramai."]
    forced = import_memory(memory, path, force=True)
    assert (forced.new, forced.same, forced.refused) == (2, 1, {})


def test_tmx_reimport_counts_a_changed_correction(tmp_path):
    memory = TranslationMemory(tmp_path / "tm.sqlite3")
    import_memory(memory, _tmx(tmp_path, ("Kota itu ramai.", "The city is busy.")))
    count = import_memory(memory, _tmx(tmp_path, ("Kota itu ramai.", "The town is crowded.")))
    assert (count.new, count.same, count.changed) == (0, 0, 1)
    assert (
        Corrections(memory).latest(["Kota itu ramai."])["Kota itu ramai."].translation
        == "The town is crowded."
    )
