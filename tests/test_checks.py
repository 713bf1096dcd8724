"""Each faithfulness flag fires on a crafted pair and stays quiet on a clean one. No models."""

from __future__ import annotations

import pytest

from translator.text.checks import KINDS, check_segment, find_loop, summary_flags
from translator.text.numbers import english_numbers, indonesian_numbers, keys_of, unmatched

CLEAN = [
    pytest.param("Harga naik 2,5 persen.", "Prices rose 2.5 percent.", id="decimal-comma"),
    pytest.param("Harganya Rp4.850 per kilogram.", "The price is Rp4,850 per kilogram.", id="thousands-dot"),
    pytest.param("Sebanyak 10 juta warga terdampak.", "As many as 10 million residents were affected.", id="juta"),
    pytest.param("Nilainya Rp1,5 triliun.", "It is worth Rp1.5 trillion.", id="triliun"),
    pytest.param("Anggaran Rp 250 miliar disiapkan.", "A budget of Rp 250 billion was prepared.", id="miliar"),
    pytest.param("Rapat digelar Rabu (31/1/2024).", "The meeting was held on Wednesday (31/1/2024).", id="date-kept"),
    pytest.param("Rapat digelar Rabu (31/1/2024).", "The meeting was held on Wednesday, January 31, 2024.", id="date-rendered"),
    pytest.param("Banjir terjadi pada 3 Maret 2024.", "The flood happened on March 3, 2024.", id="month-name"),
    pytest.param("Acara dimulai pukul 14.30 WIB.", "The event started at 14:30 WIB.", id="time-colon"),
    pytest.param("Acara dimulai pukul 14.30 WIB.", "The event started at 2:30 p.m. WIB.", id="time-pm"),
    pytest.param("Ada dua korban dan 3 rumah rusak.", "There were two victims and three houses damaged.", id="words"),
    pytest.param("Ia menjabat selama 5 tahun.", "He served for five years.", id="digit-to-word"),
    pytest.param("Sebanyak 12.500 ton beras tiba.", "As many as 12,500 tons of rice arrived.", id="tons"),
    pytest.param("Inflasi 3,05 persen pada 2023.", "Inflation was 3.05 percent in 2023.", id="year"),
]


@pytest.mark.parametrize("source, translation", CLEAN)
def test_clean_pairs_raise_no_flag(source, translation):
    assert check_segment(0, source, translation) == []


@pytest.mark.parametrize(
    "source, translation, missing, added",
    [
        ("Harga naik 2,5 persen.", "Prices rose 25 percent.", ["2,5"], ["25"]),
        ("Harganya Rp4.850 per kilogram.", "The price is Rp4.850 per kilogram.", ["4.850"], ["4.850"]),
        ("Sebanyak 10 juta warga terdampak.", "As many as 10 residents were affected.", ["10 juta"], ["10"]),
        ("Rapat digelar Rabu (31/1/2024).", "The meeting was held on Wednesday (30/1/2024).", ["31/1/2024"], ["30/1/2024"]),
        ("Sebanyak 40 rumah rusak.", "Houses were damaged.", ["40"], []),
        ("Rumah rusak.", "As many as 300 houses were damaged.", [], ["300"]),
    ],
)
def test_changed_numbers_are_flagged_missing_and_added(source, translation, missing, added):
    flags = check_segment(3, source, translation)
    assert [f.detail for f in flags if f.kind == "number_missing"] == missing
    assert [f.detail for f in flags if f.kind == "number_added"] == added
    assert all(f.segment == 3 for f in flags)


def test_number_words_never_count_as_missing_or_added():
    # "dua" -> "2" and "5" -> "five" are both fine; weak numbers are only used to match.
    assert check_segment(0, "Ada dua korban.", "There were 2 victims.") == []
    source = indonesian_numbers("lima orang")
    assert unmatched(source, set()) == []


def test_repeated_number_is_reported_once():
    flags = check_segment(0, "Harga 7 dan 7 lagi.", "Price and again.")
    assert [f.detail for f in flags if f.kind == "number_missing"] == ["7"]


@pytest.mark.parametrize(
    "text, loop",
    [
        ("I'm sorry I'm sorry I'm sorry I'm sorry", ("i'm sorry", 4)),
        ("The price of the price of the price of rice", ("the price of", 3)),
        ("no no no no no", ("no", 5)),
    ],
)
def test_loops_are_found(text, loop):
    assert find_loop(text) == loop
    flags = check_segment(1, "Maaf, saya tidak tahu apa yang terjadi.", text)
    assert [(f.kind, f.segment, f.detail) for f in flags if f.kind == "repetition"] == [("repetition", 1, loop[0])]


@pytest.mark.parametrize("text", ["He said no, no, and no again.", "Very very good news for the city.", "ha ha ha"])
def test_ordinary_repetition_is_not_a_loop(text):
    assert find_loop(text) is None


def test_a_copy_of_the_source_is_untranslated():
    source = "Pemerintah kota mulai menguji coba bus listrik."
    flags = check_segment(0, source, source)
    assert [f.kind for f in flags] == ["untranslated"]


def test_mostly_indonesian_output_is_untranslated():
    flags = check_segment(0, "Pemerintah akan menambah armada bus tahun depan.", "The government akan menambah bus yang dan untuk next year.")
    assert [f.kind for f in flags] == ["untranslated"]


@pytest.mark.parametrize("source", ["Jakarta", "Joko Widodo", "COVID-19"])
def test_names_copied_unchanged_are_not_untranslated(source):
    assert check_segment(0, source, source) == []


def test_length_ratio_flags_too_short_and_too_long():
    source = "Pemerintah kota Bandung mulai menguji coba bus listrik di tiga koridor utama."
    short = check_segment(0, source, "Bandung.")
    long = check_segment(0, source, " ".join(["Bandung started testing electric buses on three main corridors."] * 4))
    assert [f.kind for f in short] == ["length_ratio"] and float(short[0].detail) < 0.4
    assert [f.kind for f in long] == ["length_ratio"] and float(long[0].detail) > 2.5
    assert check_segment(0, source, "Bandung's city government began testing electric buses on three main corridors.") == []


def test_short_segments_are_not_judged_by_length():
    assert check_segment(0, "Ya.", "Yes, that is certainly the case as far as I know.") == []


def test_an_empty_translation_is_flagged_alone():
    assert [(f.kind, f.segment) for f in check_segment(5, "Harga naik 5 persen.", "  ")] == [("empty", 5)]


def test_summary_numbers_must_come_from_the_translation():
    translation = "Prices rose 2.5 percent. As many as 10 million residents were affected."
    source = "Harga naik 2,5 persen. Sebanyak 10 juta warga terdampak."
    assert summary_flags("Prices rose 2.5 percent, affecting 10 million people.", translation, source) == []
    flags = summary_flags("Prices rose 25 percent, affecting 10 million people.", translation, source)
    assert [(f.kind, f.detail, f.segment) for f in flags] == [("summary_number", "25", None)]


def test_a_looping_summary_is_flagged():
    flags = summary_flags("the city the city the city the city", "The city.", "Kota.")
    assert [f.kind for f in flags] == ["repetition"]


def test_every_flag_kind_is_documented():
    kinds = {"number_missing", "number_added", "repetition", "untranslated", "length_ratio", "summary_number"}
    assert kinds <= set(KINDS)


@pytest.mark.parametrize(
    "text, values",
    [
        ("Rp4.850", {4850}),
        ("2,5 persen", {2.5}),
        ("US$1,4 juta", {1_400_000}),
        ("12.500 ton", {12500}),
        ("tahun 2024", {2024}),
    ],
)
def test_indonesian_number_values(text, values):
    found = {float(k[1]) for k in keys_of(indonesian_numbers(text)) if k[0] == "n"}
    assert found == {float(v) for v in values}


def test_english_reads_commas_as_thousands_and_dots_as_decimals():
    assert {k for k in keys_of(english_numbers("4,850 and 2.5")) if k[0] == "n"} == {("n", 4850), ("n", 2.5)}
