"""Faithfulness checks: cheap tests that flag an output a reader should not trust blindly.

None of them needs a model. They look for the failures users meet most: numbers that changed,
repetition loops, text left untranslated, outputs far shorter or longer than their source, and
numbers in a summary that the translation never mentions.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..types import FLAG_KINDS as KINDS  # noqa: F401 - re-exported: the kinds a check may give
from ..types import Flag
from ._numbers import english_numbers, indonesian_numbers, keys_of, unmatched
from .data import data_lines

# A loop: the same n-gram back to back this many times (a word alone needs more: "ha ha ha").
LOOP_REPEATS = {1: 4, 2: 3, 3: 3, 4: 3}
MAX_LOOP_N = 4
# Indonesian -> English usually keeps the length within about 0.7-1.4x in characters; outside
# these bounds something was dropped or invented. Short segments vary too much to judge.
MIN_LENGTH_RATIO = 0.4
MAX_LENGTH_RATIO = 2.5
MIN_CHARS_FOR_RATIO = 30
# "Mostly Indonesian": at least this many Indonesian function words, and this share of all words.
UNTRANSLATED_MIN_WORDS = 3
UNTRANSLATED_SHARE = 0.2

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")


def check_segment(index: int, source: str, translation: str) -> list[Flag]:
    """All flags for one translated segment; an empty list when nothing looks wrong."""
    if not translation.strip():
        return [Flag("empty", "the model returned an empty translation", index)]
    flags = number_flags(index, source, translation)
    flags += repetition_flags(translation, index)
    flags += untranslated_flags(index, source, translation)
    flags += length_flags(index, source, translation)
    return flags


def number_flags(index: int, source: str, translation: str) -> list[Flag]:
    source_numbers, target_numbers = indonesian_numbers(source), english_numbers(translation)
    flags = [
        Flag(
            "number_missing",
            f"the number {text!r} in the source is missing from the translation",
            index,
            text,
        )
        for text in unmatched(source_numbers, keys_of(target_numbers))
    ]
    flags += [
        Flag("number_added", f"the number {text!r} in the translation is not in the source", index, text)
        for text in unmatched(target_numbers, keys_of(source_numbers))
    ]
    return flags


def repetition_flags(text: str, index: int | None = None, where: str = "translation") -> list[Flag]:
    loop = find_loop(text)
    if loop is None:
        return []
    ngram, times = loop
    return [Flag("repetition", f"the {where} repeats {ngram!r} {times} times in a row", index, ngram)]


def find_loop(text: str) -> tuple[str, int] | None:
    """The first n-gram (n <= 4) repeated back to back often enough to be a loop, and how often."""
    words = [w.lower() for w in _WORD.findall(text)]
    for n in range(1, MAX_LOOP_N + 1):
        needed = LOOP_REPEATS[n]
        for start in range(0, len(words) - n * needed + 1):
            gram = words[start : start + n]
            times = 1
            while words[start + times * n : start + (times + 1) * n] == gram:
                times += 1
            if times >= needed:
                return " ".join(gram), times
    return None


def untranslated_flags(index: int, source: str, translation: str) -> list[Flag]:
    source_words = [w.lower() for w in _WORD.findall(source)]
    words = [w.lower() for w in _WORD.findall(translation)]
    function = _function_words()
    if words and words == source_words and (len(words) >= 4 or any(w in function for w in words)):
        return [Flag("untranslated", "the translation is a copy of the source", index)]
    hits = sum(w in function for w in words)
    if hits >= UNTRANSLATED_MIN_WORDS and hits / len(words) >= UNTRANSLATED_SHARE:
        share = f"{hits / len(words):.0%}"
        return [
            Flag(
                "untranslated",
                f"the translation looks mostly Indonesian ({share} Indonesian function words)",
                index,
                share,
            )
        ]
    return []


def length_flags(index: int, source: str, translation: str) -> list[Flag]:
    source_chars, target_chars = len(source.strip()), len(translation.strip())
    if source_chars < MIN_CHARS_FOR_RATIO:
        return []
    ratio = target_chars / source_chars
    if ratio < MIN_LENGTH_RATIO:
        return [
            Flag(
                "length_ratio",
                f"the translation is only {ratio:.2f}x the length of its source; text may be missing",
                index,
                f"{ratio:.2f}",
            )
        ]
    if ratio > MAX_LENGTH_RATIO:
        return [
            Flag(
                "length_ratio",
                f"the translation is {ratio:.2f}x the length of its source; text may be invented",
                index,
                f"{ratio:.2f}",
            )
        ]
    return []


def summary_flags(summary: str, translation: str, source: str) -> list[Flag]:
    """Numbers the summary states that neither the translation nor the source contains; loops."""
    if not summary.strip():
        return []
    known = keys_of(english_numbers(translation)) | keys_of(indonesian_numbers(source))
    flags = [
        Flag("summary_number", f"summary: the number {text!r} appears nowhere in the translation", None, text)
        for text in unmatched(english_numbers(summary), known)
    ]
    return flags + repetition_flags(summary, None, "summary")


@lru_cache(maxsize=1)
def _function_words() -> frozenset[str]:
    return frozenset(data_lines("function_words_id.txt"))
