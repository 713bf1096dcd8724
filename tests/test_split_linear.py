"""Splitting a long paragraph to the token budget: the windowed splitter (linear, its search
galloping from a guess) makes exactly the cuts of the splitter that looked at the whole rest each
time and bisected all its cuts (quadratic), kept here as the reference."""

from __future__ import annotations

import random

import pytest

from translator.text.budget import _CLAUSE_CUTS, split_to_budget
from translator.text.segment import sentences_in, strip_span
from translator.types import Span


def reference_split(text, span, count_tokens, budget):
    """The splitter before it was windowed (git history: translator/text/segment.py at ec85cff)."""
    pieces = []
    start, end = span.start, span.end
    while start < end and count_tokens(text[start:end]) > budget:
        cut = reference_cut(text, start, end, count_tokens, budget)
        piece_start, piece_end = strip_span(text, start, cut)
        pieces.append(Span(piece_start, piece_end, text[piece_start:piece_end]))
        start, end = strip_span(text, cut, end)
    if start < end:
        pieces.append(Span(start, end, text[start:end]))
    return pieces


def reference_longest_fitting(text, start, cuts, count_tokens, budget):
    """The furthest cut whose prefix fits, by bisecting all the cuts (before the galloping search)."""
    lo, hi, best = 0, len(cuts) - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        if count_tokens(text[start : cuts[mid]]) <= budget:
            best, lo = cuts[mid], mid + 1
        else:
            hi = mid - 1
    return best


def reference_cut(text, start, end, count_tokens, budget):
    inner = [span.end for span in sentences_in(text, start, end, quotes=False)[:-1]]
    cut = reference_longest_fitting(text, start, inner, count_tokens, budget)
    if cut is not None:
        return cut
    chunk = text[start:end]
    for pattern in _CLAUSE_CUTS:
        cuts = [start + m.end(1) for m in pattern.finditer(chunk)]
        cut = reference_longest_fitting(text, start, cuts, count_tokens, budget)
        if cut is not None:
            return cut
    cut = reference_longest_fitting(text, start, list(range(start + 1, end)), count_tokens, budget)
    return cut if cut is not None else start + 1


WORDS = "harga beras naik dua persen pekan ini pemerintah kota Bandung menguji bus listrik di koridor".split()
MARKS = [
    " ",
    " ",
    " ",
    " ",
    ", ",
    ", dan ",
    "; ",
    ": ",
    ". ",
    ". Dr. ",
    " (kata dia) ",
    " https://contoh.id/a/b/c?d=1 ",
]


def paragraph(rng: random.Random, words: int, punctuated: bool) -> str:
    parts = []
    for _ in range(words):
        parts.append(
            rng.choice(WORDS) if rng.random() > 0.05 else rng.choice(WORDS).upper() * rng.randint(1, 30)
        )
        parts.append(rng.choice(MARKS) if punctuated else " ")
    return "".join(parts).strip()


def by_words(text: str) -> int:
    return len(text.split()) + 1


def by_chars(text: str) -> int:  # long tokens: a model whose tokens are whole words of any length
    return len(text) // 3 + 1


@pytest.mark.parametrize("seed", range(24))
def test_the_windowed_splitter_makes_the_reference_cuts(seed):
    rng = random.Random(seed)
    text = paragraph(rng, rng.randint(50, 900), punctuated=seed % 3 != 0)
    count = by_words if seed % 2 else by_chars
    budget = rng.choice([4, 16, 64, 200, 512])
    span = Span(0, len(text), text)
    made = split_to_budget(text, span, count, budget)
    assert made == reference_split(text, span, count, budget)
    assert "".join(text[p.start : p.end] for p in made).replace(" ", "") == text.replace(" ", ""), (
        "nothing dropped"
    )
    assert all(count(p.text) <= budget or len(p.text) == 1 for p in made)


def test_a_run_without_spaces_is_cut_between_characters_as_before():
    text = "x" * 5000
    span = Span(0, len(text), text)
    assert split_to_budget(text, span, by_chars, 50) == reference_split(text, span, by_chars, 50)


def test_the_cost_grows_linearly_in_token_counts():
    """Counted, not timed: the characters the splitter hands to count_tokens for 4x the text."""
    rng = random.Random(7)
    base = paragraph(rng, 2000, punctuated=True)

    def counted(text: str) -> int:
        seen = [0]

        def count(piece: str) -> int:
            seen[0] += len(piece)
            return by_words(piece)

        split_to_budget(text, Span(0, len(text), text), count, 64)
        return seen[0]

    small, large = counted(base), counted(" ".join([base] * 4))
    assert large <= 4.5 * small, (small, large)


def test_with_a_real_tokenizer_the_cuts_are_the_reference_cuts_too(tiny_dirs):
    """A SentencePiece model's count is not monotone between characters: "lis" of "listrik." may
    take three tokens where the whole word takes two. A window counted in the middle of a word
    looked over budget while a longer prefix still fitted, and the pieces came out shorter than
    the reference's; windows now end at the end of a word. (Where not even one word fits, the
    cut is between characters, and there no search can promise one answer: counts go up and down.)
    """
    from translator.config import ModelConfig
    from translator.models.hf import load
    from translator.text.cleaning import model_text

    model = load("translation", ModelConfig(model=str(tiny_dirs[0])))

    def count(text: str) -> int:
        return model.count_tokens(model_text(text))

    for seed in range(12):
        rng = random.Random(seed)
        marks = MARKS[:-1] if seed % 3 else [" "]  # every word fits the budgets: no URL, no long runs
        text = "".join(rng.choice(WORDS) + rng.choice(marks) for _ in range(rng.randint(50, 400))).strip()
        span = Span(0, len(text), text)
        for budget in (24, 64):
            made = split_to_budget(text, span, count, budget)
            assert made == reference_split(text, span, count, budget), (seed, budget)
            assert all(count(p.text) <= budget for p in made)
