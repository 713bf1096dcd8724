"""Property tests with a fixed seed (derandomize) and 500 examples each, plus threads and determinism.

Random bytes go straight to the functions that decode and validate input, which is where a
traceback could come from; the CLI around them is tested on each kind of bad input elsewhere.
"""

from __future__ import annotations

import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from translator import ConfigError, InputError, load_config
from translator.config.schema import SECTION_KEYS, TOP_KEYS
from translator.documents.reader import decode, to_document
from translator.text.segment import segment
from translator.text.validate import validate_text

from helpers import EXAMPLE, cli, run

FUZZ = settings(
    max_examples=500, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
_WORK = Path(tempfile.mkdtemp(prefix="translator-fuzz-"))

# Keys people (and typos) would write, mixed with arbitrary ones, so that the fuzzer reaches the
# validation of each section and not only "unknown key".
KEYS = st.sampled_from(
    [*TOP_KEYS, *SECTION_KEYS, "num_beams", "max_new_tokens", "method", "fast", "x"]
) | st.text(max_size=8)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=True)
    | st.text(max_size=20)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)


def _load(text: str) -> None:
    path = _WORK / "models.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_config(path)
    except ConfigError:
        pass


@pytest.mark.slow  # 500 generated configs: 5 s of the fast tier's 60
@FUZZ
@given(st.dictionaries(KEYS, VALUES, max_size=5))
def test_config_loader_on_arbitrary_structures_raises_only_config_error(data):
    _load(yaml.safe_dump(data, allow_unicode=True))


@pytest.mark.slow  # 500 generated files
@FUZZ
@given(st.text(max_size=200))
def test_config_loader_on_arbitrary_text_raises_only_config_error(text):
    _load(text)


@FUZZ
@given(st.binary(max_size=300) | st.text(max_size=200).map(lambda t: t.encode("utf-8")))
def test_random_bytes_are_decoded_and_validated_or_refused_with_one_line(data):
    """What the CLI does with stdin before any model: decode, extract, validate, segment."""
    try:
        document = to_document(decode(data, "stdin"), "stdin")
        validate_text(document.text, 1_000_000, force=True)
    except InputError as e:
        message = str(e)
        assert message and len(message.splitlines()) == 1
        return
    sentences = segment(document.text)
    assert sentences, "valid text with no sentence"
    for sentence in sentences:
        assert sentence.span.text == document.text[sentence.span.start : sentence.span.end]


def test_one_pipeline_shared_by_8_threads_gives_the_sequential_results(tiny_pipeline, article_20):
    texts = [line for line in article_20.splitlines() if line.strip()][:16]
    expected = [tiny_pipeline(t, summarize=False).translation for t in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda t: tiny_pipeline(t, summarize=False).translation, texts * 2))
    assert results == expected * 2


_TIMING = re.compile(rb'^\s+"(segment|translate|summarize|total)": [0-9.e-]+,?$', re.MULTILINE)


@pytest.mark.slow
def test_same_input_and_config_give_byte_identical_json(tiny_config):
    """Across processes too: one run in a fresh process, one in this one."""
    outputs = []
    for runner in (run, cli):
        proc = runner("run", str(EXAMPLE), "--config", str(tiny_config), "--format", "json")
        assert proc.returncode == 0, proc.stderr.decode()
        outputs.append(_TIMING.sub(b"", proc.stdout))
    assert outputs[0] == outputs[1]
    assert b'"timings": {' in outputs[0]


def _model_text_by_categories(text: str) -> str:
    """model_text's definition, a character at a time (the function itself uses regex passes, and
    one scan where the text is clean already)."""
    import re
    import unicodedata

    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category != "Cf":
            kept.append(" " if category == "Cc" else char)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", "".join(kept))).strip()


@FUZZ
@given(st.text(max_size=40))
def test_model_text_is_its_definition(text):
    from translator.text.cleaning import model_text

    assert model_text(text) == _model_text_by_categories(text)


# Mostly text that is clean already (model_text's fast way), and the few characters that make it
# not: two spaces, other spaces, an invisible one, a combining accent that NFC composes (e + ◌́),
# and a character NFC replaces (the Ångström sign).
_NEARLY_CLEAN = st.text(
    alphabet=st.sampled_from([*"ab e", "é", "\u0301", "\u00a0", "\u200b", "\t", "\u3000", "\u212b"]),
    max_size=30,
)


@FUZZ
@given(_NEARLY_CLEAN)
def test_model_text_is_its_definition_on_text_that_is_nearly_clean(text):
    from translator.text.cleaning import model_text

    assert model_text(text) == _model_text_by_categories(text)


def _jumpy(text: str) -> int:
    """A count that is not monotone in the length: a word ending in "a" costs two tokens more ("kota"
    more than "kotak", as a SentencePiece model's counts go up and down inside a word), and a text
    ending at a semicolon or colon four more (a clause cut costs more than the word after it)."""
    ending = 4 if text.rstrip().endswith((";", ":")) else 0
    return sum(1 + 2 * word.endswith("a") for word in text.split()) + 1 + ending


_COUNTS = {
    "words": lambda text: len(text.split()) + 1,
    "characters": lambda text: len(text) // 4 + 1,
    "jumpy": _jumpy,
}
# Words and what comes after them: spaces of every kind, clause marks, sentence ends, quotes.
_SPLITTABLE = st.lists(
    st.tuples(
        st.sampled_from(["kota", "kotak", "dan", "Harga", "x" * 30, ""]),
        st.sampled_from([" ", "  ", "\n", "\t", "; ", ": ", ", ", ". ", "! ", " “", "” ", '" ', ""]),
    ).map("".join),
    max_size=80,
).map("".join)


@FUZZ
@given(_SPLITTABLE, st.integers(1, 24), st.sampled_from(sorted(_COUNTS)))
def test_splitting_to_the_budget_loses_nothing_and_every_piece_fits(text, budget, counting):
    """Whatever the text and however the count behaves: the pieces lie in order inside the span,
    together they hold every character that is not a space, and each fits (or is one character,
    the last resort when not even that fits)."""
    from translator.text.budget import split_to_budget
    from translator.types import Span

    count = _COUNTS[counting]
    stripped = text.strip()
    start = text.find(stripped) if stripped else 0
    span = Span(start, start + len(stripped), stripped)
    pieces = split_to_budget(text, span, count, budget)
    assert all(span.start <= p.start < p.end <= span.end for p in pieces)
    assert all(a.end <= b.start for a, b in zip(pieces, pieces[1:]))
    assert all(text[p.start : p.end] == p.text for p in pieces)
    assert "".join("".join(p.text.split()) for p in pieces) == "".join(stripped.split())
    assert all(count(p.text) <= budget or len(p.text) == 1 for p in pieces)
