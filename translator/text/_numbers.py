"""Numbers in Indonesian and English text, reduced to comparable values.

Indonesian writes 2,5 for 2.5 and 4.850 for 4,850; "10 juta" is 10 million; "31/1/2024" is a
date. Each number found becomes a ``Number`` with the set of values it may stand for, so that a
source number and its translation match when their value sets meet. Number *words* ("dua",
"two", "third") are "weak": they may satisfy a match but are never reported as missing or added,
because a translation is free to write "two" for "2" and the other way round.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterable

Key = tuple[Any, ...]  # ("n", Decimal) | ("t", hour, minute) | ("d", day, month, year | None)


@dataclass(frozen=True)
class Number:
    text: str  # as written, e.g. "Rp4.850" -> "4.850", "10 juta"
    keys: frozenset[Key]
    weak: bool = False


_ID_SCALES = {
    "ribu": 10**3,
    "rb": 10**3,
    "juta": 10**6,
    "jt": 10**6,
    "miliar": 10**9,
    "milyar": 10**9,
    "triliun": 10**12,
}
_EN_SCALES = {
    "thousand": 10**3, "million": 10**6, "mn": 10**6, "mln": 10**6,
    "billion": 10**9, "bn": 10**9, "trillion": 10**12, "tn": 10**12,
}  # fmt: skip
_ID_MONTHS = {
    "januari": 1, "februari": 2, "maret": 3, "april": 4, "mei": 5, "juni": 6, "juli": 7,
    "agustus": 8, "september": 9, "oktober": 10, "november": 11, "desember": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "agu": 8, "agt": 8, "sep": 9,
    "okt": 10, "nov": 11, "des": 12,
}  # fmt: skip
_EN_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_ID_WORDS = {
    "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7, "delapan": 8,
    "sembilan": 9, "sepuluh": 10, "sebelas": 11, "seratus": 100, "seribu": 1000, "sejuta": 10**6,
    "pertama": 1, "kedua": 2, "ketiga": 3, "keempat": 4, "kelima": 5, "keenam": 6, "ketujuh": 7,
    "kedelapan": 8, "kesembilan": 9, "kesepuluh": 10, "setengah": Decimal("0.5"),
}  # fmt: skip
_EN_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "half": Decimal("0.5"), "dozen": 12, "a": 1, "an": 1,
}  # fmt: skip

_DIGITS = r"\d+(?:[.,:]\d+)*"
_SLASH_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?![\d/])")
_MERIDIEM = re.compile(r"\s*([ap])\.?\s?m\b\.?", re.IGNORECASE)


def indonesian_numbers(text: str) -> list[Number]:
    """The numbers in an Indonesian text (the source side)."""
    return _extract(text, _ID_SCALES, _ID_MONTHS, _ID_WORDS, _id_values)


def english_numbers(text: str) -> list[Number]:
    """The numbers in an English text (a translation or a summary)."""
    return _extract(text, _EN_SCALES, _EN_MONTHS, _EN_WORDS, _en_values)


def keys_of(numbers: Iterable[Number]) -> set[Key]:
    found: set[Key] = set()
    for number in numbers:
        found |= number.keys
    return found


def unmatched(numbers: Iterable[Number], other: set[Key]) -> list[str]:
    """The written forms of the strong numbers none of whose values is in ``other``, once each."""
    seen: list[str] = []
    for number in numbers:
        if not number.weak and not (number.keys & other) and number.text not in seen:
            seen.append(number.text)
    return seen


class _Found:
    """What the passes found, by position; a span one pass takes is not read again by a later one."""

    def __init__(self, text: str) -> None:
        self.items: list[tuple[int, Number]] = []
        self.taken = [False] * len(text)

    def free(self, m: re.Match[str]) -> bool:
        return not any(self.taken[m.start() : m.end()])

    def add(self, m: re.Match[str], number: Number, take: bool = True) -> None:
        self.items.append((m.start(), number))
        if take:
            self.taken[m.start() : m.end()] = [True] * (m.end() - m.start())


def _extract(
    text: str,
    scales: dict[str, Any],
    months: dict[str, int],
    words: dict[str, Any],
    values_of: Callable[..., Any],
) -> list[Number]:
    """Dates first (month names, then slashes), then digits with their scales, then number words:
    each pass skips what an earlier one took."""
    found = _Found(text)
    _month_dates(text, months, found)
    _slash_dates(text, found)
    scale_names = "|".join(sorted(scales, key=len, reverse=True))
    _digit_numbers(text, scales, scale_names, values_of, found)
    _word_numbers(text, words, scales, scale_names, found)
    return [number for _, number in sorted(found.items, key=lambda item: item[0])]


def _month_dates(text: str, months: dict[str, int], found: _Found) -> None:
    """ "31 Januari 2024", "January 31, 2024", "31 January": dates written with a month name."""
    month_names = "|".join(sorted(months, key=len, reverse=True))
    day_month = re.compile(
        rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?\s+({month_names})\b\.?(?:,?\s+(\d{{4}}))?", re.IGNORECASE
    )
    month_day = re.compile(
        rf"\b({month_names})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!\d|[.,:]\d)(?:,?\s+(\d{{4}}))?",
        re.IGNORECASE,
    )
    for pattern, day_group, month_group in ((day_month, 1, 2), (month_day, 2, 1)):
        for m in pattern.finditer(text):
            if not found.free(m):
                continue
            day, month = int(m.group(day_group)), months[m.group(month_group).lower()]
            year = int(m.group(3)) if m.group(3) else None
            if 1 <= day <= 31:
                found.add(m, Number(m.group(0), _date_keys(day, month, year)))


def _slash_dates(text: str, found: _Found) -> None:
    """ "31/01/2024" or "01/31/24": either order that is a valid date."""
    for m in _SLASH_DATE.finditer(text):
        if not found.free(m):
            continue
        a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        year = year + 2000 if year < 100 else year
        keys: set[Key] = set()
        for day, month in ((a, b), (b, a)):
            if 1 <= day <= 31 and 1 <= month <= 12:
                keys |= _date_keys(day, month, year)
        if keys:
            found.add(m, Number(m.group(0), frozenset(keys)))


def _digit_numbers(
    text: str, scales: dict[str, Any], scale_names: str, values_of: Callable[..., Any], found: _Found
) -> None:
    """Numbers in digits, with a scale word after them ("2,5 juta") or a time of day ("7 pm")."""
    number = re.compile(rf"(?<![\d.,]){_DIGITS}(?:\s*({scale_names})\b)?", re.IGNORECASE)
    for m in number.finditer(text):
        if not found.free(m):
            continue
        digits = m.group(0)[: len(m.group(0)) - len(m.group(1) or "")].strip()
        keys = values_of(digits)
        if not keys:
            continue
        if m.group(1):
            factor = scales[m.group(1).lower()]
            keys = {("n", k[1] * factor) for k in keys if k[0] == "n"}
        else:
            meridiem = _MERIDIEM.match(text, m.end())
            keys = set(keys) | _meridiem_keys(keys, meridiem)
        found.add(m, Number(m.group(0).strip(), frozenset(keys)))


def _word_numbers(
    text: str, words: dict[str, Any], scales: dict[str, Any], scale_names: str, found: _Found
) -> None:
    """Numbers in words ("tiga", "two million"): weak, since a word may not be meant as a number."""
    word_names = "|".join(sorted(words, key=len, reverse=True))
    word = re.compile(rf"\b({word_names})\b(?:\s+({scale_names})\b)?", re.IGNORECASE)
    for m in word.finditer(text):
        if not found.free(m):
            continue
        value = Decimal(words[m.group(1).lower()])
        if m.group(2):
            value *= scales[m.group(2).lower()]
        elif m.group(1).lower() in ("a", "an"):
            continue  # "a" alone is an article, not a number
        found.add(m, Number(m.group(0), frozenset({("n", value)}), weak=True), take=False)


def _date_keys(day: int, month: int, year: int | None) -> frozenset[Key]:
    keys: set[Key] = {("d", day, month, None)}
    if year is not None:
        keys.add(("d", day, month, year))
    return frozenset(keys)


def _meridiem_keys(keys: set[Key], meridiem: re.Match[str] | None) -> set[Key]:
    """'2:30 p.m.' is also 14:30; '2 p.m.' is the hour 14."""
    if meridiem is None:
        return set()
    extra: set[Key] = set()
    pm = meridiem.group(1).lower() == "p"
    for key in keys:
        if key[0] == "t" and pm and key[1] < 12:
            extra.add(("t", key[1] + 12, key[2]))
        elif key[0] == "n" and key[1] == key[1].to_integral_value() and 1 <= key[1] <= 12:
            hour = int(key[1]) + (12 if pm and key[1] < 12 else 0)
            extra.add(("t", hour, 0))
            extra.add(("n", Decimal(hour)))
    return extra


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _time(hour: str, minute: str) -> set[Key]:
    h, m = int(hour), int(minute)
    return {("t", h, m)} if h < 24 and m < 60 and len(minute) == 2 else set()


def _id_values(digits: str) -> set[Key]:
    """Indonesian: '.' groups thousands and ',' marks decimals; 14.30 may be a time."""
    if ":" in digits:
        parts = digits.split(":")
        return _time(*parts) if len(parts) == 2 else set()
    if re.fullmatch(r"\d{1,3}(\.\d{3})+(,\d+)?", digits):
        value = _decimal(digits.replace(".", "").replace(",", "."))
        return {("n", value)} if value is not None else set()
    if re.fullmatch(r"\d+,\d+", digits):
        value = _decimal(digits.replace(",", "."))
        return {("n", value)} if value is not None else set()
    if re.fullmatch(r"\d+\.\d+", digits):  # 2.5 written the English way, or a time 14.30
        value = _decimal(digits)
        keys: set[Key] = {("n", value)} if value is not None else set()
        return keys | _time(*digits.split("."))
    if re.fullmatch(r"\d+", digits):
        return {("n", Decimal(digits))}
    # An English-style 1,234.5 in Indonesian text: read it as English.
    return _en_values(digits)


def _en_values(digits: str) -> set[Key]:
    """English: ',' groups thousands and '.' marks decimals; 14:30 and 14.30 are times."""
    if ":" in digits:
        parts = digits.split(":")
        return _time(*parts) if len(parts) == 2 else set()
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", digits):
        value = _decimal(digits.replace(",", ""))
        return {("n", value)} if value is not None else set()
    if re.fullmatch(r"\d+\.\d+", digits):
        value = _decimal(digits)
        keys: set[Key] = {("n", value)} if value is not None else set()
        return keys | _time(*digits.split("."))
    if re.fullmatch(r"\d+,\d{1,2}", digits):  # a decimal comma copied from the source
        value = _decimal(digits.replace(",", "."))
        return {("n", value)} if value is not None else set()
    if re.fullmatch(r"\d+", digits):
        return {("n", Decimal(digits))}
    return set()
