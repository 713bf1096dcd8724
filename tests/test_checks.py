"""Each faithfulness flag fires on a crafted pair and stays quiet on a clean one. No models."""

from __future__ import annotations

import pytest

from translator.text import checks
from translator.text._numbers import english_numbers, indonesian_numbers, keys_of, unmatched
from translator.text.checks import KINDS, check_segment, find_loop, summary_flags

CLEAN = [
    pytest.param("Harga naik 2,5 persen.", "Prices rose 2.5 percent.", id="decimal-comma"),
    pytest.param("Harganya Rp4.850 per kilogram.", "The price is Rp4,850 per kilogram.", id="thousands-dot"),
    pytest.param(
        "Sebanyak 10 juta warga terdampak.", "As many as 10 million residents were affected.", id="juta"
    ),
    pytest.param("Nilainya Rp1,5 triliun.", "It is worth Rp1.5 trillion.", id="triliun"),
    pytest.param(
        "Anggaran Rp 250 miliar disiapkan.", "A budget of Rp 250 billion was prepared.", id="miliar"
    ),
    pytest.param(
        "Rapat digelar Rabu (31/1/2024).", "The meeting was held on Wednesday (31/1/2024).", id="date-kept"
    ),
    pytest.param(
        "Rapat digelar Rabu (31/1/2024).",
        "The meeting was held on Wednesday, January 31, 2024.",
        id="date-rendered",
    ),
    pytest.param(
        "Banjir terjadi pada 3 Maret 2024.", "The flood happened on March 3, 2024.", id="month-name"
    ),
    pytest.param("Acara dimulai pukul 14.30 WIB.", "The event started at 14:30 WIB.", id="time-colon"),
    pytest.param("Acara dimulai pukul 14.30 WIB.", "The event started at 2:30 p.m. WIB.", id="time-pm"),
    pytest.param(
        "Ada dua korban dan 3 rumah rusak.", "There were two victims and three houses damaged.", id="words"
    ),
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
        (
            "Rapat digelar Rabu (31/1/2024).",
            "The meeting was held on Wednesday (30/1/2024).",
            ["31/1/2024"],
            ["30/1/2024"],
        ),
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
    assert [(f.kind, f.segment, f.detail) for f in flags if f.kind == "repetition"] == [
        ("repetition", 1, loop[0])
    ]


@pytest.mark.parametrize(
    "text", ["He said no, no, and no again.", "Very very good news for the city.", "ha ha ha"]
)
def test_ordinary_repetition_is_not_a_loop(text):
    assert find_loop(text) is None


def test_a_copy_of_the_source_is_untranslated():
    source = "Pemerintah kota mulai menguji coba bus listrik."
    flags = check_segment(0, source, source)
    assert [f.kind for f in flags] == ["untranslated"]


def test_mostly_indonesian_output_is_untranslated():
    flags = check_segment(
        0,
        "Pemerintah akan menambah armada bus tahun depan.",
        "The government akan menambah bus yang dan untuk next year.",
    )
    assert [f.kind for f in flags] == ["untranslated"]


@pytest.mark.parametrize("source", ["Jakarta", "Joko Widodo", "COVID-19"])
def test_names_copied_unchanged_are_not_untranslated(source):
    assert check_segment(0, source, source) == []


def test_length_ratio_flags_too_short_and_too_long():
    source = "Pemerintah kota Bandung mulai menguji coba bus listrik di tiga koridor utama."
    short = check_segment(0, source, "Bandung.")
    long = check_segment(
        0, source, " ".join(["Bandung started testing electric buses on three main corridors."] * 4)
    )
    assert [f.kind for f in short] == ["length_ratio"] and float(short[0].detail) < 0.4
    assert [f.kind for f in long] == ["length_ratio"] and float(long[0].detail) > 2.5
    assert (
        check_segment(
            0, source, "Bandung's city government began testing electric buses on three main corridors."
        )
        == []
    )


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


# ---- thresholds on both sides of their edges (each row kills a mutant the suite let live) ---------


# "Mostly Indonesian" needs both: at least 3 function words, and at least a fifth of all words.
@pytest.mark.parametrize(
    "translation, flagged",
    [
        ("yang dan di " + "word " * 12, True),  # 3 hits of 15 words: 0.20, both edges met
        ("yang dan di " + "word " * 13, False),  # 3 hits of 16: 0.1875, the share is short
        ("yang dan word word word", False),  # 2 hits of 5: 0.40, too few hits
        ("yang dan di ini " + "word " * 16, True),  # 4 of 20: 0.20 again, more hits
    ],
    ids=["3-of-15", "3-of-16", "2-of-5", "4-of-20"],
)
def test_mostly_indonesian_needs_three_hits_and_a_fifth_of_the_words(translation, flagged):
    kinds = [f.kind for f in checks.untranslated_flags(0, "Sumber yang berbeda sama sekali.", translation)]
    assert kinds == (["untranslated"] if flagged else [])


# A copy of the source is untranslated when it has 4 words or more, or any Indonesian function word.
@pytest.mark.parametrize(
    "text, flagged",
    [
        ("Bandung Jakarta Surabaya Medan", True),  # 4 words, no function word
        ("Bandung Jakarta Surabaya", False),  # 3 words, no function word: names copied as they are
        ("Bandung dan Jakarta", True),  # 3 words with a function word
    ],
    ids=["four-names", "three-names", "three-with-dan"],
)
def test_a_copy_is_untranslated_from_four_words_or_with_a_function_word(text, flagged):
    kinds = [f.kind for f in checks.untranslated_flags(0, text, text)]
    assert kinds == (["untranslated"] if flagged else [])


def _sized(chars: int) -> str:
    return ("x" * (chars - 1) + ".")[:chars]


@pytest.mark.parametrize(
    "source_chars, target_chars, flagged",
    [
        (100, 40, False),  # exactly the lower bound 0.4: not below it
        (100, 39, True),
        (100, 250, False),  # exactly the upper bound 2.5: not above it
        (100, 251, True),
        (30, 5, True),  # 30 characters: long enough to judge
        (29, 5, False),  # 29: too short to judge
    ],
    ids=["0.40", "0.39", "2.50", "2.51", "30-chars", "29-chars"],
)
def test_length_ratio_bounds_are_strict_and_short_sources_are_not_judged(source_chars, target_chars, flagged):
    kinds = [f.kind for f in checks.length_flags(0, _sized(source_chars), _sized(target_chars))]
    assert kinds == (["length_ratio"] if flagged else [])


# A word alone needs four in a row ("ha ha ha" is speech); two- to four-word n-grams three.
@pytest.mark.parametrize(
    "n, needed", [(1, 4), (2, 3), (3, 3), (4, 3)], ids=["word", "2-gram", "3-gram", "4-gram"]
)
def test_each_loop_threshold_on_both_sides(n, needed):
    gram = " ".join(f"w{i}" for i in range(n))
    assert checks.find_loop(" ".join([gram] * needed) + " end") == (gram, needed)
    assert checks.find_loop(" ".join([gram] * (needed - 1)) + " end") is None


def test_n_grams_longer_than_four_words_are_not_looked_for():
    assert checks.find_loop(" ".join(["a1 a2 a3 a4 a5"] * 3)) is None


FILLER = "city bus route fare rider stop lane depot driver ticket season plan"  # 12 English words


# What a reader sees of each flag: its kind, message, segment and detail, one row per check.
@pytest.mark.parametrize(
    "index, source, translation, expected",
    [
        (7, "Harga naik.", "  ", [("empty", "the model returned an empty translation", 7, None)]),
        (
            2,
            "Harga naik 5 persen.",
            "Prices rose 6 percent.",
            [
                ("number_missing", "the number '5' in the source is missing from the translation", 2, "5"),
                ("number_added", "the number '6' in the translation is not in the source", 2, "6"),
            ],
        ),
        (
            1,
            "Harga naik.",
            "the the the the end",
            [("repetition", "the translation repeats 'the' 4 times in a row", 1, "the")],
        ),
        (
            3,
            "Bandung dan Jakarta",
            "Bandung dan Jakarta",
            [("untranslated", "the translation is a copy of the source", 3, None)],
        ),
        (
            4,
            "Sumber yang berbeda sama sekali.",
            f"yang dan di {FILLER}",
            [
                (
                    "untranslated",
                    "the translation looks mostly Indonesian (20% Indonesian function words)",
                    4,
                    "20%",
                )
            ],
        ),
        (
            5,
            _sized(100),
            _sized(39),
            [
                (
                    "length_ratio",
                    "the translation is only 0.39x the length of its source; text may be missing",
                    5,
                    "0.39",
                )
            ],
        ),
        (
            6,
            _sized(100),
            _sized(251),
            [
                (
                    "length_ratio",
                    "the translation is 2.51x the length of its source; text may be invented",
                    6,
                    "2.51",
                )
            ],
        ),
    ],
    ids=["empty", "numbers", "loop", "copy", "mostly-indonesian", "too-short", "too-long"],
)
def test_each_flag_says_what_where_and_about_what(index, source, translation, expected):
    from dataclasses import astuple

    assert [astuple(flag) for flag in check_segment(index, source, translation)] == expected


def test_summary_flags_name_numbers_from_nowhere_and_loops_as_the_summarys():
    from dataclasses import astuple

    flags = summary_flags(
        "Prices rose 6 percent, 9 said; no no no no.", "Prices rose 6 percent.", "Harga naik."
    )
    assert [astuple(f) for f in flags] == [
        ("summary_number", "summary: the number '9' appears nowhere in the translation", None, "9"),
        ("repetition", "the summary repeats 'no' 4 times in a row", None, "no"),
    ]
    # A number is known when either the translation or the source has it (not only when both do).
    assert summary_flags("Prices rose 6 percent.", "Prices rose 6 percent.", "Harga naik.") == []
    assert summary_flags("Prices rose 6 percent.", "Prices rose.", "Harga naik 6 persen.") == []


# ---- numbers, table by table: the written form found, the values it may stand for, weak or not ----

from decimal import Decimal as D  # noqa: E402


def n(value) -> tuple:
    return ("n", D(str(value)))


def t(hour: int, minute: int) -> tuple:
    return ("t", hour, minute)


def d(day: int, month: int, year: int | None = None) -> tuple:
    return ("d", day, month, year)


def read(side: str, text: str) -> list[tuple[str, set, bool]]:
    found = indonesian_numbers(text) if side == "id" else english_numbers(text)
    return [(x.text, set(x.keys), x.weak) for x in found]


@pytest.mark.parametrize(
    "side, text, expected",
    [
        # dates with a month name, in both orders, with or without a year
        ("id", "31 Januari 2024", [("31 Januari 2024", {d(31, 1), d(31, 1, 2024)}, False)]),
        ("id", "pada 5 Jan. lalu", [("5 Jan.", {d(5, 1)}, False)]),
        ("id", "32 Januari", [("32", {n(32)}, False)]),  # no day 32: a plain number
        ("en", "January 31, 2024", [("January 31, 2024", {d(31, 1), d(31, 1, 2024)}, False)]),
        ("en", "the 31st January", [("31st January", {d(31, 1)}, False)]),
        ("en", "Dec. 5", [("Dec. 5", {d(5, 12)}, False)]),
        # slash dates: both readings when both are dates; a two-digit year is this century
        ("id", "31/1/2024", [("31/1/2024", {d(31, 1), d(31, 1, 2024)}, False)]),
        ("id", "5/6/24", [("5/6/24", {d(5, 6), d(5, 6, 2024), d(6, 5), d(6, 5, 2024)}, False)]),
        ("id", "13/13/2024", [("13", {n(13)}, False), ("13", {n(13)}, False), ("2024", {n(2024)}, False)]),
        # scales and the Indonesian decimal comma and thousands dot
        ("id", "10 juta orang", [("10 juta", {n(10_000_000)}, False)]),
        ("id", "Rp4.850", [("4.850", {n(4850)}, False)]),
        ("id", "2,5 miliar", [("2,5 miliar", {n(2_500_000_000)}, False)]),
        ("id", "1.234.567,89", [("1.234.567,89", {n("1234567.89")}, False)]),
        ("id", "naik 2,5 persen", [("2,5", {n("2.5")}, False)]),
        ("id", "1,234.5 ton", [("1,234.5", {n("1234.5")}, False)]),  # written the English way
        ("en", "2.5 billion", [("2.5 billion", {n(2_500_000_000)}, False)]),
        ("en", "4,850 rupiah", [("4,850", {n(4850)}, False)]),
        ("en", "1,234,567.5", [("1,234,567.5", {n("1234567.5")}, False)]),
        ("en", "rose 2,5 percent", [("2,5", {n("2.5")}, False)]),  # a decimal comma copied from the source
        ("en", "12,34", [("12,34", {n("12.34")}, False)]),
        ("en", "1,2345", []),  # neither a thousands group nor a decimal
        # times: 14.30 may be a time; minutes are two digits; no hour 24, no minute 60
        ("id", "pukul 14.30", [("14.30", {n("14.30"), t(14, 30)}, False)]),
        ("id", "23.59", [("23.59", {n("23.59"), t(23, 59)}, False)]),
        ("id", "24.00", [("24.00", {n(24)}, False)]),
        ("id", "12.60", [("12.60", {n("12.60")}, False)]),
        ("id", "14:30", [("14:30", {t(14, 30)}, False)]),
        ("en", "9:05", [("9:05", {t(9, 5)}, False)]),
        ("en", "9.5", [("9.5", {n("9.5")}, False)]),
        ("id", "1:2:3", []),
        ("en", "1:2:3", []),
        # a.m. and p.m.: 2 p.m. is 14:00; 12 p.m. is noon; no hour past 12 takes a meridiem
        ("en", "at 2 p.m.", [("2", {n(2), n(14), t(14, 0)}, False)]),
        ("en", "at 2:30 pm", [("2:30", {t(2, 30), t(14, 30)}, False)]),
        ("en", "at 12 p.m.", [("12", {n(12), t(12, 0)}, False)]),
        ("en", "at 12:15 p.m.", [("12:15", {t(12, 15)}, False)]),
        ("en", "at 11 a.m.", [("11", {n(11), t(11, 0)}, False)]),
        ("en", "at 11 PM", [("11", {n(11), n(23), t(23, 0)}, False)]),
        ("en", "at 13 p.m.", [("13", {n(13)}, False)]),
        ("en", "at 0 a.m.", [("0", {n(0)}, False)]),
        ("en", "at 2.5 p.m.", [("2.5", {n("2.5")}, False)]),
        # number words are weak: they may match, and are never reported missing or added
        ("id", "dua juta warga", [("dua juta", {n(2_000_000)}, True)]),
        ("id", "kedua kalinya", [("kedua", {n(2)}, True)]),
        ("en", "a million people", [("a million", {n(1_000_000)}, True)]),
        ("en", "a man and an apple", []),
        ("en", "half of them", [("half", {n("0.5")}, True)]),
        ("en", "a man and two dogs", [("two", {n(2)}, True)]),  # the article is skipped, the reading goes on
        # the bounds of each range: day 1, month 12, 1 p.m., an impossible day 32
        ("id", "1 Januari", [("1 Januari", {d(1, 1)}, False)]),
        ("id", "1/12/2024", [("1/12/2024", {d(1, 12), d(1, 12, 2024), d(12, 1), d(12, 1, 2024)}, False)]),
        ("id", "32/1/2024", [("32", {n(32)}, False), ("1", {n(1)}, False), ("2024", {n(2024)}, False)]),
        ("en", "at 1 p.m.", [("1", {n(1), n(13), t(13, 0)}, False)]),
        # names and scales in any case
        ("id", "10 Juta", [("10 Juta", {n(10_000_000)}, False)]),
        ("en", "Two Million", [("Two Million", {n(2_000_000)}, True)]),
        ("en", "three dozen", [("three", {n(3)}, True), ("dozen", {n(12)}, True)]),
    ],
)
def test_numbers_are_read_with_every_value_they_may_stand_for(side, text, expected):
    assert read(side, text) == expected


@pytest.mark.parametrize(
    "table, written, value",
    [
        (
            "_ID_MONTHS",
            [
                "januari",
                "februari",
                "maret",
                "april",
                "mei",
                "juni",
                "juli",
                "agustus",
                "september",
                "oktober",
                "november",
                "desember",
            ],
            range(1, 13),
        ),
        (
            "_ID_MONTHS",
            ["jan", "feb", "mar", "apr", "jun", "jul", "agu", "agt", "sep", "okt", "nov", "des"],
            [1, 2, 3, 4, 6, 7, 8, 8, 9, 10, 11, 12],
        ),
        (
            "_EN_MONTHS",
            [
                "january",
                "february",
                "march",
                "april",
                "may",
                "june",
                "july",
                "august",
                "september",
                "october",
                "november",
                "december",
            ],
            range(1, 13),
        ),
        (
            "_EN_MONTHS",
            ["jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"],
            [1, 2, 3, 4, 6, 7, 8, 9, 9, 10, 11, 12],
        ),
        (
            "_ID_WORDS",
            [
                "satu",
                "dua",
                "tiga",
                "empat",
                "lima",
                "enam",
                "tujuh",
                "delapan",
                "sembilan",
                "sepuluh",
                "sebelas",
            ],
            range(1, 12),
        ),
        (
            "_ID_WORDS",
            [
                "pertama",
                "kedua",
                "ketiga",
                "keempat",
                "kelima",
                "keenam",
                "ketujuh",
                "kedelapan",
                "kesembilan",
                "kesepuluh",
            ],
            range(1, 11),
        ),
        (
            "_EN_WORDS",
            [
                "one",
                "two",
                "three",
                "four",
                "five",
                "six",
                "seven",
                "eight",
                "nine",
                "ten",
                "eleven",
                "twelve",
            ],
            range(1, 13),
        ),
        (
            "_EN_WORDS",
            ["thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"],
            range(13, 20),
        ),
        (
            "_EN_WORDS",
            ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"],
            range(20, 100, 10),
        ),
        (
            "_EN_WORDS",
            ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"],
            range(1, 11),
        ),
    ],
    ids=[
        "id-months",
        "id-month-abbreviations",
        "en-months",
        "en-month-abbreviations",
        "id-cardinals",
        "id-ordinals",
        "en-1-12",
        "en-13-19",
        "en-tens",
        "en-ordinals",
    ],
)
def test_month_and_number_word_tables(table, written, value):
    from translator.text import _numbers as numbers

    assert [getattr(numbers, table)[w] for w in written] == list(value)
