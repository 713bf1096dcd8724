"""The glossary: matching rules, config, the choice among candidates, and the flags."""

from __future__ import annotations

import pytest

from translator import ConfigError, Pipeline, load_config
from translator.engine import Parts
from translator.engine.summarize import Summary, SummaryStage
from translator.engine.translate import Translator
from translator.models.base import Generated
from translator.testing.tiny import tiny_config_text
from translator.text.glossary import DEFAULT, Glossary, Term, load_glossary

from fakes import FakeModel
from helpers import cli

GLOSSARY = Glossary(
    (
        Term("DPR", "House of Representatives"),
        Term("Wali Kota", "mayor"),
        Term("Wakil Wali Kota", "deputy mayor"),
        Term("Ant Group", "Ant Group"),
    )
)


def test_terms_match_whole_words_in_any_case_and_acronyms_in_capitals_only():
    assert [t.source for t in GLOSSARY.find("Rapat DPR dihadiri wali kota.")] == ["DPR", "Wali Kota"]
    assert GLOSSARY.find("Lihat https://dpr.go.id/berita atau DPRD setempat.") == []
    assert GLOSSARY.find("Kota-kota besar") == []


def test_the_longest_term_wins():
    assert [t.source for t in GLOSSARY.find("Wakil Wali Kota Bandung hadir.")] == ["Wakil Wali Kota"]


def test_missing_and_untranslated_terms():
    assert [
        t.source
        for t in GLOSSARY.missing("DPR menolak usul itu.", "The House of Representatives rejected it.")
    ] == []
    assert [t.source for t in GLOSSARY.missing("DPR menolak usul itu.", "The DPR rejected it.")] == ["DPR"]
    assert [t.source for t in GLOSSARY.missing("Ant Group ekspansi.", "Ant Group expands.")] == [], (
        "a term kept as it is"
    )
    assert [t.source for t in GLOSSARY.untranslated("The DPR and the mayor met.")] == ["DPR"]


def test_the_default_glossary_has_150_terms_as_the_press_writes_them():
    shipped = load_glossary((DEFAULT,))
    assert len(shipped.terms) >= 150
    by_source = {t.source: t.english for t in shipped.terms}
    assert by_source["DPR"] == "House of Representatives" and by_source["Kemenkeu"] == "Finance Ministry"
    assert by_source["KPK"] == "Corruption Eradication Commission" and by_source["Ant Group"] == "Ant Group"
    assert load_config(None).glossary == (DEFAULT,), "on by default"


def test_glossary_config_files_off_and_errors(tmp_path):
    (tmp_path / "house.tsv").write_text("# ours\nPemkot\tcity hall\n", encoding="utf-8")
    base = "translation:\n  model: org/x\nsummarization:\n  method: extractive\n"
    path = tmp_path / "models.yaml"
    path.write_text(base + "glossary: [default, house.tsv]\n", encoding="utf-8")
    config = load_config(path)
    assert config.glossary == (DEFAULT, str(tmp_path / "house.tsv"))
    assert {t.source: t.english for t in load_glossary(config.glossary).terms}["Pemkot"] == "city hall", (
        "later files win"
    )
    path.write_text(base + "glossary: []\n", encoding="utf-8")
    assert load_config(path).glossary == ()
    (tmp_path / "bad.tsv").write_text("Pemkot city hall\n", encoding="utf-8")
    path.write_text(base + "glossary: [bad.tsv, missing.tsv]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "glossary: " in str(info.value) and "bad.tsv:1: expected 'Indonesian<TAB>English'" in str(
        info.value
    )
    assert "missing.tsv: no such file" in str(info.value)


def pipeline_with(candidates: list[Generated], glossary: Glossary = GLOSSARY) -> Pipeline:
    config = load_config(None)
    cfg = config.translation.model_copy(update={"generation": {"num_beams": 4}})
    fake = FakeModel(max_input_tokens=32, respond=lambda text, settings: candidates)
    return Pipeline(
        Parts(
            config.model_copy(update={"translation": cfg}),
            Translator(fake, cfg, glossary),
            SummaryStage.disabled(config.summarization),
        )
    )


def test_a_candidate_with_the_term_is_preferred():
    chosen = pipeline_with(
        [
            Generated("The DPR rejected the plan.", 6, False),
            Generated("Parliament rejected the plan.", 5, False),
            Generated("The House of Representatives rejected the plan.", 8, False),
        ]
    )("DPR menolak rencana itu.", summarize=False).segments[0]
    assert chosen.translation == "The House of Representatives rejected the plan."
    assert [(f.kind, f.detail) for f in chosen.flags] == [
        ("reranked", "glossary")
    ] and "candidate 3 of 3" in chosen.flags[0].message


def test_without_a_candidate_that_has_it_the_term_is_flagged_never_pasted_in():
    segment = pipeline_with([Generated("The DPR rejected the plan.", 6, False)])(
        "DPR menolak rencana itu.", summarize=False
    ).segments[0]
    assert segment.translation == "The DPR rejected the plan."
    assert [(f.kind, f.detail) for f in segment.flags] == [("glossary", "DPR")]
    assert "'House of Representatives'" in segment.flags[0].message


def test_the_summary_is_checked_against_the_glossary():
    from translator.engine.assemble import assemble_result

    result = assemble_result(
        translation="The House of Representatives met.", segments=[], summary=Summary("The DPR met.", 1, 1), source="DPR bersidang.",  # noqa: E501
        notes=[], models=[], timings={}, signature="", glossary=GLOSSARY,
    )  # fmt: skip
    assert [(w.kind, w.detail) for w in result.warnings] == [("summary_glossary", "DPR")]


def test_the_glossary_reaches_the_real_pipeline_and_the_signature(tiny_dirs, tmp_path):
    (tmp_path / "house.tsv").write_text("Bandung\tBandung City\n", encoding="utf-8")
    path = tmp_path / "models.yaml"
    path.write_text(tiny_config_text(*tiny_dirs) + "glossary: [house.tsv]\n", encoding="utf-8")
    result = Pipeline.from_config(path, summarize=False)(
        "Pemerintah kota Bandung mulai menguji coba bus listrik."
    )
    assert [(w.kind, w.detail) for w in result.warnings if w.kind == "glossary"] == [("glossary", "Bandung")]
    assert "glossary:1:" in result.signature


def test_glossary_on_the_command_line(tiny_config, tmp_path):
    (tmp_path / "house.tsv").write_text("Bandung\tBandung City\n", encoding="utf-8")
    proc = cli(
        "translate",
        "--config",
        str(tiny_config),
        "--glossary",
        str(tmp_path / "house.tsv"),
        "--warnings",
        "all",
        stdin="Pemerintah kota Bandung mulai menguji coba bus listrik.".encode(),
    )
    assert proc.returncode == 0 and "'Bandung' is 'Bandung City' in the glossary" in proc.stderr.decode()
    bad = cli(
        "translate",
        "--config",
        str(tiny_config),
        "--glossary",
        str(tmp_path / "none.tsv"),
        stdin=b"Harga naik.",
    )
    assert (
        bad.returncode == 2 and "--glossary" in bad.stderr.decode() and "no such file" in bad.stderr.decode()
    )
