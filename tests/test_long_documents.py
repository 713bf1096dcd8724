"""Issue 4's done-when: a 200-sentence document through tiny models with 64 positions."""

from __future__ import annotations

import logging
import random
import re

import pytest

from translator.text.segment import split_sentences

from helpers import spy_generate

SENTENCES = 200


@pytest.fixture(scope="module")
def document_200(example_text, article_20) -> str:
    """200 distinct sentences, 5 to a paragraph, some long enough to need cutting."""
    rng = random.Random(200)
    words = sorted({w.lower() for w in re.findall(r"[A-Za-z]+", example_text + article_20) if len(w) > 2})
    paragraphs, sentences = [], []
    for i in range(SENTENCES):
        length = rng.choice([6, 9, 12, 15, 20, 45]) if i % 17 else 70  # every 17th is over the budget
        sentence = " ".join(rng.choice(words) for _ in range(length)).capitalize() + f" nomor {i + 1}."
        sentences.append(sentence)
        if len(sentences) == 5:
            paragraphs.append(" ".join(sentences))
            sentences = []
    return "\n\n".join(paragraphs)


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture
def transformers_warnings(monkeypatch):
    """Every WARNING transformers logs during the test (loading models sets its level to ERROR)."""
    from transformers.utils import logging as hf_logging

    previous = hf_logging.get_verbosity()
    hf_logging.set_verbosity_warning()
    handler = _Collect()
    root = logging.getLogger("transformers")
    root.addHandler(handler)
    yield handler.messages
    root.removeHandler(handler)
    hf_logging.set_verbosity(previous)


def test_the_warning_listener_hears_an_over_long_input(tiny_pipeline, transformers_warnings):
    # The control for the test below: feeding the tokenizer too much is heard.
    tiny_pipeline.translator.model.tokenizer(["kata " * 200])
    assert any("longer than the specified maximum sequence length" in m for m in transformers_warnings)


@pytest.mark.slow
def test_200_sentences_translated_and_summarised_within_limits(
    tiny_pipeline, document_200, monkeypatch, transformers_warnings
):
    assert len(split_sentences(document_200)) == SENTENCES
    translation_calls = spy_generate(monkeypatch, tiny_pipeline.translator.model)
    summary_calls = spy_generate(monkeypatch, tiny_pipeline.summary.summarizer.model)

    result = tiny_pipeline(document_200)

    assert len(result.segments) == SENTENCES
    assert all(s.translation.strip() for s in result.segments)
    assert sum(s.pieces > 1 for s in result.segments) >= 10, "the long sentences were not cut"
    assert result.summary.strip()
    assert result.summary_chunks >= 3 and result.summary_rounds >= 2
    for stage, calls in (("translation", translation_calls), ("summarization", summary_calls)):
        loaded = (
            tiny_pipeline.translator if stage == "translation" else tiny_pipeline.summary.summarizer
        ).model
        assert calls, stage
        assert max(c.length for c in calls) <= loaded.max_input_tokens <= loaded.max_positions, stage
        assert max(c.max_new for c in calls) + 1 <= loaded.max_positions, stage
    assert not [m for m in transformers_warnings if "maximum sequence length" in m]
