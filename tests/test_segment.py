from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from translator.testing.golden import read_cases
from translator.text.budget import split_to_budget
from translator.text.segment import is_boilerplate, segment, split_paragraphs, split_sentences
from translator.types import Span

CASES = read_cases(Path(__file__).parent / "data" / "segmentation_id.txt")


def fold(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_golden_sentences(case):
    spans = split_sentences(case.text)
    assert [fold(s.text) for s in spans] == case.expected
    for span in spans:
        assert case.text[span.start : span.end] == span.text


def test_golden_file_has_enough_cases():
    assert len(CASES) >= 80


def assert_covers(text: str, spans: list[Span]) -> None:
    """Spans are in order, do not overlap, are stripped, and hold every non-space character."""
    position = 0
    for span in spans:
        assert span.start >= position
        assert text[span.start : span.end] == span.text
        assert span.text == span.text.strip() and span.text
        assert text[position : span.start].strip() == ""
        position = span.end
    assert text[position:].strip() == ""


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_spans_cover_every_character_of_any_text(text):
    assert_covers(text, split_sentences(text))


@settings(max_examples=500, deadline=None, derandomize=True)
@given(
    st.lists(
        st.sampled_from(
            [
                "Dr.",
                "Rp4.850",
                "kata",
                "Jing.",
                "“Ya,”",
                "\n",
                "\r\n",
                "  ",
                "B.J.",
                "A",
                "...",
                "?",
                "dll.",
                "2,5",
                '"',
                "“",
                "”",
                "«",
                "»",
                "„",
                "Co.",
                "Namun",
                "Jum'at",
            ]
        ),
        max_size=40,
    )
)
def test_spans_cover_text_built_from_hard_tokens(tokens):
    text = " ".join(tokens)
    assert_covers(text, split_sentences(text))


def test_every_line_break_kind_ends_a_paragraph():
    text = "Satu.\r\nDua.\rTiga.\u2028Empat.\u2029Lima.\x85Enam."
    paragraphs = split_paragraphs(text)
    assert [p.text for p in paragraphs] == ["Satu.", "Dua.", "Tiga.", "Empat.", "Lima.", "Enam."]


def test_blank_lines_do_not_make_empty_paragraphs():
    text = "\n\n  Judul\n\n\n   Isi berita.  \n\n"
    assert [p.text for p in split_paragraphs(text)] == ["Judul", "Isi berita."]


def test_hard_wrap_joins_only_lowercase_continuations():
    text = "Baris ini terpotong di\ntengah kalimat.\nBaris Baru Bukan Lanjutan\nlanjutan judul"
    paragraphs = split_paragraphs(text)
    assert [fold(p.text) for p in paragraphs] == [
        "Baris ini terpotong di tengah kalimat.",
        "Baris Baru Bukan Lanjutan lanjutan judul",
    ]


def test_blank_line_prevents_join_even_for_lowercase():
    assert len(split_paragraphs("kalimat tanpa titik\n\nlanjutan")) == 2


def test_segment_marks_paragraph_indices_and_boilerplate():
    text = "Judul Berita\nKalimat satu. Kalimat dua.\nBaca Juga: Berita Lain\nEditor: Dewi"
    sentences = segment(text)
    assert [(s.paragraph, s.boilerplate) for s in sentences] == [
        (0, False),
        (1, False),
        (1, False),
        (2, True),
        (3, True),
    ]


@pytest.mark.parametrize(
    "line, expected",
    [
        ("Baca Juga: Harga Emas Naik", True),
        ("baca juga: sesuatu", True),
        ("Simak juga video berikut", True),
        ("ADVERTISEMENT", True),
        ("SCROLL TO CONTINUE WITH CONTENT", True),
        ("Penulis: Ahmad", True),
        ("Editor : Dewi", True),
        ("Pembaca juga diminta berhati-hati.", False),
        ("Editor senior itu mundur kemarin.", False),
    ],
)
def test_boilerplate(line, expected):
    assert is_boilerplate(line) is expected


def words(text: str) -> int:
    """A stand-in tokenizer: one token per word, plus one for the end-of-sentence token."""
    return len(text.split()) + 1


def budget_split(text: str, budget: int) -> list[str]:
    span = Span(0, len(text), text)
    pieces = split_to_budget(text, span, words, budget)
    assert_covers(text, pieces)
    assert all(words(p.text) <= budget for p in pieces)
    return [p.text for p in pieces]


def test_budget_keeps_a_sentence_that_fits_whole():
    assert budget_split("Harga beras naik lagi.", 10) == ["Harga beras naik lagi."]


def test_budget_prefers_semicolon_then_conjunction_comma():
    text = "Harga beras naik di banyak pasar; pemerintah menyiapkan operasi, dan pedagang menahan stok."
    assert budget_split(text, 9) == [
        "Harga beras naik di banyak pasar;",
        "pemerintah menyiapkan operasi, dan pedagang menahan stok.",
    ]


def test_budget_cuts_before_conjunction_rather_than_plain_word():
    text = "Pemerintah kota menambah armada bus, karena jumlah penumpang terus naik setiap bulan"
    pieces = budget_split(text, 9)
    assert pieces[0] == "Pemerintah kota menambah armada bus,"


def test_budget_falls_back_to_words_then_characters():
    text = " ".join(["kata"] * 25)
    pieces = budget_split(text, 6)
    assert all(len(p.split()) == 5 for p in pieces)
    unbroken = "x" * 50
    pieces = split_to_budget(unbroken, Span(0, 50, unbroken), lambda t: len(t) // 10 + 1, 3)
    assert "".join(p.text for p in pieces) == unbroken
    assert all(len(p.text) // 10 + 1 <= 3 for p in pieces)


def test_budget_pieces_are_offsets_into_the_original_text():
    prefix = "Kalimat pendek. "
    sentence = "Satu dua tiga; empat lima enam; tujuh delapan sembilan."
    text = prefix + sentence
    span = Span(len(prefix), len(text), sentence)
    pieces = split_to_budget(text, span, words, 4)
    assert [p.text for p in pieces] == ["Satu dua tiga;", "empat lima enam;", "tujuh delapan sembilan."]
    assert all(text[p.start : p.end] == p.text for p in pieces)
    assert re.sub(r"\s+", "", "".join(p.text for p in pieces)) == re.sub(r"\s+", "", sentence)


def test_a_quotation_over_the_budget_is_cut_at_its_inner_sentence_ends_first():
    text = "“Harga beras naik, kata pedagang. Stok di gudang menipis, kata petugas. Warga antre sejak pagi,” ujar Siti."  # noqa: E501
    assert len(split_sentences(text)) == 1  # one segment: the quotation stays whole
    pieces = budget_split(text, 8)
    assert pieces[:2] == ["“Harga beras naik, kata pedagang.", "Stok di gudang menipis, kata petugas."]


def test_an_unclosed_quotation_does_not_swallow_the_paragraph():
    text = "Ia berkata “kami tidak setuju. Harga terlalu mahal. Petani rugi."
    assert [s.text for s in split_sentences(text)] == [
        "Ia berkata “kami tidak setuju.",
        "Harga terlalu mahal.",
        "Petani rugi.",
    ]


def test_a_quotation_longer_than_the_bound_is_split_as_if_unquoted():
    from translator.text.segment import MAX_QUOTE_CHARS

    inner = " ".join(f"Kalimat nomor {i} di dalam kutipan." for i in range(MAX_QUOTE_CHARS // 30))
    assert len(inner) > MAX_QUOTE_CHARS
    sentences = split_sentences(f"“{inner}” Ia lalu diam.")
    assert len(sentences) > 10
    short = split_sentences("“Kalimat satu. Kalimat dua.” Ia lalu diam.")
    assert [s.text for s in short] == ["“Kalimat satu. Kalimat dua.”", "Ia lalu diam."]


# ---- the budget splitter's edges and last resorts ---------------------------------------------


def _pieces(text: str, count, budget: int) -> list[str]:
    return [p.text for p in split_to_budget(text, Span(0, len(text), text), count, budget)]


def test_a_word_longer_than_the_budget_is_cut_between_characters_and_nothing_is_lost():
    word = "x" * 25  # no space, no clause: only characters to cut between
    assert _pieces(word, len, 10) == ["x" * 10, "x" * 10, "x" * 5]
    assert _pieces(word, len, 1) == ["x"] * 25  # a budget of one is allowed


def test_when_not_even_one_character_fits_each_piece_is_one_character():
    # Counting a special token as well, one character is 2 tokens: over a budget of 1. The splitter
    # still moves on, one character at a time, instead of looping or dropping text.
    assert _pieces("abcd", lambda s: len(s) + 1, 1) == ["a", "b", "c", "d"]


@pytest.mark.parametrize("budget", [0, -3])
def test_a_budget_under_one_is_refused(budget):
    with pytest.raises(ValueError, match=f"budget must be >= 1, got {budget}"):
        split_to_budget("abc", Span(0, 3, "abc"), len, budget)


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            '"Stok aman. Harga stabil," kata Arief.',
            ['"Stok aman. Harga stabil," kata Arief.'],
        ),  # a quote at the very start
        (
            'Kata Arief: "Stok aman. Harga stabil."',
            ['Kata Arief: "Stok aman. Harga stabil."'],
        ),  # and at the very end
        (
            "“Stok aman. Harga stabil,” kata Arief. Harga naik.",
            ["“Stok aman. Harga stabil,” kata Arief.", "Harga naik."],
        ),
    ],
    ids=["quote-first", "quote-last", "curly-then-sentence"],
)
def test_quotations_at_the_edges_of_a_text_stay_whole(text, expected):
    assert [s.span.text for s in segment(text)] == expected
