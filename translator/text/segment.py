"""Indonesian-aware paragraphs and sentences as character spans into the untouched input.

Nothing is rewritten: every span is ``text[start:end]`` of the caller's string, so joined spans
give back the input apart from the whitespace between them. Where in doubt, do not split.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from .data import data_lines
from ..types import Span

# Every line separator Python's str.splitlines() knows, with CRLF first so it counts once.
_LINE_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_OPENERS = "\"'“‘«([{"
_CLOSERS = "\"'”’»)]}"
_LIST_MARKERS = "-–—•*·"
# A line ending in one of these has ended its sentence (or announces the next line).
_LINE_END = ".!?…:;" + _CLOSERS
# Terminal punctuation, then closing quotes/brackets, then the whitespace before the next sentence.
_CANDIDATE = re.compile(r"([.!?…]+)([\"'”’»)\]}]*)(\s+)(?=\S)")
_DOTTED = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")  # B.J, A.S, a.n, s.d; longer forms are listed
# Academic degrees not in the list follow one shape: "S.Kom", "Sp.OT", "M.Eng", "A.Md".
_DEGREE = re.compile(r"[A-Z][a-z]?\.[A-Z][A-Za-z]{0,5}(?:\.[A-Z][A-Za-z]{0,3})?")
_LIST_MARKER = re.compile(r"\d{1,3}|[A-Za-z]|[ivxIVX]{1,5}")  # "1." "b." "iv." opening a line
_CONJUNCTIONS = (
    "dan|tetapi|tapi|namun|sedangkan|yang|karena|sehingga|serta|atau|padahal|meskipun|walaupun"
    "|agar|supaya|bahwa|ketika|sementara|lalu|kemudian|melainkan|hingga"
)
# Cut points for over-long sentences, best first; each cuts after group 1.
_CLAUSE_CUTS = (
    re.compile(r"([;:])\s"),
    re.compile(rf"(,)\s+(?:{_CONJUNCTIONS})\b", re.IGNORECASE),
    re.compile(r"(,)\s"),
    re.compile(r"(\S)\s"),
)


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
        for span in _sentences_in(text, paragraph.start, paragraph.end):
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
        start, end = _strip(text, line_start, line_end)
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
    return any(p.match(line.strip()) for p in _boilerplate_patterns())


def split_to_budget(text: str, span: Span, count_tokens: Callable[[str], int], budget: int) -> list[Span]:
    """Cut a span whose token count is over ``budget`` into pieces that each fit.

    Cuts go at the best clause boundary that keeps the piece within budget (; : then a comma
    before a conjunction, then any comma), then at a word boundary, and only for a run with no
    spaces at all, between characters. The pieces cover the span with nothing dropped.
    """
    if budget < 1:
        raise ValueError(f"budget must be >= 1, got {budget}")
    pieces: list[Span] = []
    start, end = span.start, span.end
    while start < end and count_tokens(text[start:end]) > budget:
        cut = _best_cut(text, start, end, count_tokens, budget)
        piece_start, piece_end = _strip(text, start, cut)
        pieces.append(Span(piece_start, piece_end, text[piece_start:piece_end]))
        start, end = _strip(text, cut, end)
    if start < end:
        pieces.append(Span(start, end, text[start:end]))
    return pieces


def _best_cut(text: str, start: int, end: int, count_tokens: Callable[[str], int], budget: int) -> int:
    chunk = text[start:end]
    for pattern in _CLAUSE_CUTS:
        cuts = [start + m.end(1) for m in pattern.finditer(chunk)]
        cut = _longest_fitting(text, start, cuts, count_tokens, budget)
        if cut is not None:
            return cut
    # No whitespace that helps: cut between characters (a URL or a run with no spaces).
    cut = _longest_fitting(text, start, list(range(start + 1, end)), count_tokens, budget)
    return cut if cut is not None else start + 1


def _longest_fitting(text: str, start: int, cuts: list[int], count_tokens, budget: int) -> int | None:
    """The furthest cut whose prefix fits, by binary search (token counts grow with length)."""
    lo, hi, best = 0, len(cuts) - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        if count_tokens(text[start : cuts[mid]]) <= budget:
            best, lo = cuts[mid], mid + 1
        else:
            hi = mid - 1
    return best


def _sentences_in(text: str, start: int, end: int) -> list[Span]:
    spans: list[Span] = []
    chunk = text[start:end]
    sentence_start = 0
    for match in _CANDIDATE.finditer(chunk):
        if not _is_boundary(chunk, match, sentence_start):
            continue
        cut = match.end(2)
        spans.append(_span(text, start + sentence_start, start + cut))
        sentence_start = match.end(3)
    spans.append(_span(text, start + sentence_start, end))
    return [s for s in spans if s.start < s.end]


def _is_boundary(chunk: str, match: re.Match[str], sentence_start: int) -> bool:
    rest = chunk[match.end(3) :].lstrip(_OPENERS)
    if not rest:
        return False
    following = rest[0]
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
    if len(word) == 1 and word.isupper() and _word_before(chunk, len(chunk[:word_start].rstrip())).isdigit():
        return True  # "tahun 622 M." is an era, not an initial
    return not _is_abbreviation(word)


def _word_before(chunk: str, position: int) -> str:
    start = position
    while start > 0 and not chunk[start - 1].isspace():
        start -= 1
    return chunk[start:position].lstrip(_OPENERS)


def _is_abbreviation(word: str) -> bool:
    if not word:
        return False
    exact, folded = _abbreviations()
    if word in exact or word.lower() in folded:
        return True
    if len(word) == 1 and word.isupper():
        return True  # an initial: "B. J. Habibie", "H. Agus"
    return bool(_DOTTED.fullmatch(word) or _DEGREE.fullmatch(word))


def _is_wrapped(text: str, previous_end: int, start: int) -> bool:
    return text[previous_end - 1] not in _LINE_END and text[start].islower()


def _lines(text: str):
    position = 0
    for match in _LINE_BREAK.finditer(text):
        yield position, match.start()
        position = match.end()
    yield position, len(text)


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _span(text: str, start: int, end: int) -> Span:
    start, end = _strip(text, start, end)
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
def _boilerplate_patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(line, re.IGNORECASE) for line in data_lines("boilerplate_id.txt"))
