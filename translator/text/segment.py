"""Indonesian-aware paragraphs and sentences as character spans into the untouched input.

Nothing is rewritten: every span is ``text[start:end]`` of the caller's string, so joined spans
give back the input apart from the whitespace between them. Where in doubt, do not split.

A quotation of several sentences stays one segment, as the parallel news corpora MT models learn
from keep it: a sentence end inside double quotes does not end the segment. An abbreviation that
can end a sentence (company forms, "dll.", "A.S.") ends one only before a frequent sentence
starter or an opening quote, the rule of Punkt (Kiss and Strunk, 2006); the era "M." after a
year ends one before any capital.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

from ..types import Span
from .data import data_lines

# Every line separator Python's str.splitlines() knows, with CRLF first so it counts once.
_LINE_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_OPENERS = "\"'“‘«([{"
_CLOSERS = "\"'”’»“)]}"
_LIST_MARKERS = "-–—•*·"
# A line ending in one of these has ended its sentence (or announces the next line).
_LINE_END = ".!?…:;" + _CLOSERS
# Terminal punctuation, then closing quotes/brackets, then the whitespace before the next sentence.
SENTENCE_END = re.compile(r"([.!?…]+)([\"'”’»“)\]}]*)(\s+)(?=\S)")  # “ closes a „ quotation
_DOTTED = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")  # B.J, A.S, a.n, s.d; longer forms are listed
# Academic degrees not in the list follow one shape: "S.Kom", "Sp.OT", "M.Eng", "A.Md".
_DEGREE = re.compile(r"[A-Z][a-z]?\.[A-Z][A-Za-z]{0,5}(?:\.[A-Z][A-Za-z]{0,3})?")
_LIST_MARKER = re.compile(r"\d{1,3}|[A-Za-z]|[ivxIVX]{1,5}")  # "1." "b." "iv." opening a line
# Double quotation marks: each opener and the marks that close it. "„" closes with "“" (German
# style) or "”"; a straight quote closes a straight quote. Single quotes are left alone: they are
# apostrophes far more often than quotation marks (Jum'at, Qur'an, 'manageable').
_QUOTE_MARKS = re.compile('["“”«»„]')
_CLOSING = {'"': '"', "“": "”", "«": "»", "„": "“”"}
_DOUBLE_OPENERS = '"“«„'
# A quotation longer than this is taken as unclosed (a stray mark), so it cannot swallow a paragraph.
MAX_QUOTE_CHARS = 1200
_YEAR_LIKE = re.compile(r"(?:ke-?)?\d{1,4}")  # "622 M.", "abad ke-7 M."
_FIRST_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Sentence:
    """One source sentence: its span, its 0-based paragraph, and whether it is page furniture."""

    span: Span
    paragraph: int
    boilerplate: bool = False


def segment(text: str) -> list[Sentence]:
    """Paragraphs, then sentences, for the whole input, in reading order."""
    sentences: list[Sentence] = []
    for index, paragraph in enumerate(split_paragraphs(text)):
        boilerplate = is_boilerplate(paragraph.text)
        for span in sentences_in(text, paragraph.start, paragraph.end):
            sentences.append(Sentence(span=span, paragraph=index, boilerplate=boilerplate))
    return sentences


def split_sentences(text: str) -> list[Span]:
    """Every sentence of ``text`` in reading order; a paragraph break always ends a sentence."""
    return [s.span for s in segment(text)]


def split_paragraphs(text: str) -> list[Span]:
    """Blank lines and single line breaks end paragraphs; hard-wrapped lines are joined.

    A line is taken as hard-wrapped (joined to the one before) when the line before does not end
    a sentence and this one starts in lowercase, as in text wrapped at a fixed width.
    """
    paragraphs: list[list[int]] = []  # [start, end] of each paragraph
    previous_blank = True
    for line_start, line_end in _lines(text):
        start, end = strip_span(text, line_start, line_end)
        if start == end:
            previous_blank = True
            continue
        if paragraphs and not previous_blank and _is_wrapped(text, paragraphs[-1][1], start):
            paragraphs[-1][1] = end
        else:
            paragraphs.append([start, end])
        previous_blank = False
    return [Span(s, e, text[s:e]) for s, e in paragraphs]


def is_boilerplate(line: str) -> bool:
    """True for page furniture such as "Baca Juga: ..." or "ADVERTISEMENT"."""
    return _boilerplate_pattern().match(line.strip()) is not None


def sentences_in(text: str, start: int, end: int, quotes: bool = True, stop: int | None = None) -> list[Span]:
    """Sentences of the paragraph ``text[start:end]``; with ``quotes``, quotations stay whole.
    With ``stop``, no sentence end at or past it is looked for (the last sentence runs on to
    ``end`` from the last end before it): the sentences before it are the same."""
    spans: list[Span] = []
    chunk = text[start:end]
    regions = _quotations(chunk) if quotes else []
    sentence_start = 0
    for match in SENTENCE_END.finditer(chunk):
        if stop is not None and start + match.start() >= stop:
            break
        if regions and _inside_quotation(match, regions):
            continue
        if not _is_boundary(chunk, match, sentence_start):
            continue
        cut = match.end(2)
        spans.append(_span(text, start + sentence_start, start + cut))
        sentence_start = match.end(3)
    spans.append(_span(text, start + sentence_start, end))
    return [s for s in spans if s.start < s.end]


def _quotations(chunk: str) -> list[tuple[int, int]]:
    """(opening, closing) positions of the double quotations in a paragraph, nested ones too.

    A mark opens when it is followed by text and closes the innermost open quotation it can
    close when it follows text. An opening mark never closed in the paragraph, or closed only
    after MAX_QUOTE_CHARS, is dropped: the text after it is split as if it were not there.
    """
    regions: list[tuple[int, int]] = []
    open_marks: list[tuple[str, int]] = []
    for match in _QUOTE_MARKS.finditer(chunk):
        mark, i = match.group(), match.start()
        before = chunk[i - 1] if i else " "
        after = chunk[i + 1] if i + 1 < len(chunk) else " "
        innermost = next(
            (k for k in range(len(open_marks) - 1, -1, -1) if mark in _CLOSING[open_marks[k][0]]), None
        )
        if innermost is not None and not before.isspace() and (mark != '"' or not after.isalnum()):
            opening = open_marks[innermost][1]
            del open_marks[innermost:]  # marks opened inside and never closed are dropped
            if i - opening <= MAX_QUOTE_CHARS:
                regions.append((opening, i))
        elif mark in _DOUBLE_OPENERS and not after.isspace():
            open_marks.append((mark, i))
    return regions


def _inside_quotation(match: re.Match[str], regions: list[tuple[int, int]]) -> bool:
    """A sentence end inside a quotation, unless the quotation's closing mark comes right after
    it (``… sabar." Warga …``): then the closing mark itself may end the sentence."""
    terminal = match.start(1)
    return any(opening < terminal < closing and match.end(2) <= closing for opening, closing in regions)


def _is_boundary(chunk: str, match: re.Match[str], sentence_start: int) -> bool:
    after = match.end(3)  # where what follows starts, past any opening marks (no copy of the rest)
    while after < len(chunk) and chunk[after] in _OPENERS:
        after += 1
    if after == len(chunk):
        return False
    following = chunk[after]
    opens_quote = match.end(3) < len(chunk) and chunk[match.end(3)] in _OPENERS
    if following.islower():
        return False
    if not (following.isupper() or following.isdigit() or opens_quote or following in _LIST_MARKERS):
        return False
    terminal = match.group(1)
    if terminal != ".":
        return True  # ! ? … and runs such as "?!" or "..."
    word = _word_before(chunk, match.start(1))
    word_start = match.start(1) - len(word)
    if _LIST_MARKER.fullmatch(word) and not chunk[sentence_start:word_start].strip():
        return False  # "1. Fotokopi KTP." is one item, not "1." and a sentence
    if word == "M" and _YEAR_LIKE.fullmatch(_word_before(chunk, len(chunk[:word_start].rstrip()))):
        return True  # "tahun 622 M.", "abad ke-7 M." is an era, not an initial: nothing continues it
    if _ends_sentences(word):
        # "Nusantara Shipping Co.", "dll.", "A.S.": a sentence ends here only when a frequent
        # sentence starter or an opening quote follows, never before a name or a number.
        return chunk[match.end(3)] in _DOUBLE_OPENERS or _starts_sentences(chunk, after)
    return not _is_abbreviation(word)


def _ends_sentences(word: str) -> bool:
    return word.lower() in _final_abbreviations()


def _starts_sentences(chunk: str, position: int) -> bool:
    first = _FIRST_WORD.match(chunk, position)
    return first is not None and first.group() in _sentence_starters()


def _word_before(chunk: str, position: int) -> str:
    start = position
    while start > 0 and not chunk[start - 1].isspace():
        start -= 1
    return chunk[start:position].lstrip(_OPENERS)


def _is_abbreviation(word: str) -> bool:
    if not word:
        return False
    exact, folded = _abbreviations()
    if word in exact or word.lower() in folded or word.lower() in _final_abbreviations():
        return True
    if len(word) == 1 and word.isupper():
        return True  # an initial: "B. J. Habibie", "H. Agus"
    return bool(_DOTTED.fullmatch(word) or _DEGREE.fullmatch(word))


def _is_wrapped(text: str, previous_end: int, start: int) -> bool:
    return text[previous_end - 1] not in _LINE_END and text[start].islower()


def _lines(text: str) -> Iterator[tuple[int, int]]:
    position = 0
    for match in _LINE_BREAK.finditer(text):
        yield position, match.start()
        position = match.end()
    yield position, len(text)


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _span(text: str, start: int, end: int) -> Span:
    start, end = strip_span(text, start, end)
    return Span(start, end, text[start:end])


@lru_cache(maxsize=1)
def _abbreviations() -> tuple[frozenset[str], frozenset[str]]:
    exact, folded = set(), set()
    for line in data_lines("abbreviations_id.txt"):
        if line.startswith("lower:"):
            folded.add(line.removeprefix("lower:").strip().lower())
        else:
            exact.add(line)
    return frozenset(exact), frozenset(folded)


@lru_cache(maxsize=1)
def _final_abbreviations() -> frozenset[str]:
    return frozenset(line.lower() for line in data_lines("abbreviations_final_id.txt"))


@lru_cache(maxsize=1)
def _sentence_starters() -> frozenset[str]:
    return frozenset(data_lines("sentence_starters_id.txt"))


@lru_cache(maxsize=1)
def _boilerplate_pattern() -> re.Pattern[str]:
    """The file's patterns as one alternation: one match per paragraph instead of one per pattern."""
    return re.compile("|".join(f"(?:{line})" for line in data_lines("boilerplate_id.txt")), re.IGNORECASE)
