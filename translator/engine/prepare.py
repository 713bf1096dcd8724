"""The first phase of a text: validate it, cut it into sentences, and the sentences into pieces that
fit the translation model's input budget. No model runs here, only its tokenizer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..documents.reader import Document
from ..text.budget import split_to_budget
from ..text.cleaning import has_words, model_text
from ..text.segment import Sentence, segment
from ..text.validate import validate_text
from ..types import Flag, Source, Span


@dataclass
class Prepared:
    """One validated text, its sentences, and the pieces of them that fit the model's budget."""

    text: str
    sentences: list[Sentence]
    notes: list[Flag] = field(default_factory=list)  # document and language flags
    extracted: bool = False  # the text was extracted from HTML or Markdown: spans index it, not the file
    pieces: list[Span] = field(default_factory=list)
    owner: list[int] = field(default_factory=list)  # for each piece, the index of its sentence
    # What the model sees of each piece; None for pieces without a letter or digit ("***", "—"),
    # which are kept as they are instead of being sent to the model.
    model_texts: list[str | None] = field(default_factory=list)
    # Pieces that are whole sentences a person corrected: the correction, by piece index (model text None).
    fixed: dict[int, str] = field(default_factory=dict)
    source: Source | None = None  # the page the text was fetched from

    @property
    def to_translate(self) -> list[str]:
        return [t for t in self.model_texts if t is not None]


def prepare_document(
    text: str | Document,
    count_tokens: Callable[[str], int],
    budget: int,
    max_chars: int | None = None,
    force: bool = False,
    corrected: Callable[[list[str]], dict[str, str]] | None = None,
) -> Prepared:
    """Validate ``text`` and cut it into sentences and budget-sized pieces; raises InputError.

    ``count_tokens`` counts what the model sees of a piece (its ``model_text``), so the budget is
    measured on that, not on the raw span. ``corrected`` gives the corrections people made of
    whole sentences, by sentence text: such a sentence is one piece that no model sees.
    """
    notes: list[Flag] = []
    extracted = isinstance(text, Document) and text.format != "text"
    source = text.source if isinstance(text, Document) else None
    if isinstance(text, Document):
        notes = [Flag("document", note) for note in text.notes]
        text = text.text
    notes += validate_text(text, max_chars, force)
    doc = Prepared(text, segment(text), notes, extracted, source=source)
    fixed = corrected([s.span.text for s in doc.sentences]) if corrected else {}
    for i, sentence in enumerate(doc.sentences):
        if sentence.span.text in fixed:
            doc.fixed[len(doc.pieces)] = fixed[sentence.span.text]
            doc.pieces.append(sentence.span)
            doc.owner.append(i)
            doc.model_texts.append(None)
            continue
        for piece in split_to_budget(text, sentence.span, count_tokens, budget):
            doc.pieces.append(piece)
            doc.owner.append(i)
            doc.model_texts.append(model_text(piece.text) if has_words(piece.text) else None)
    return doc
