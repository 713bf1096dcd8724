"""Cutting a sentence that is over the model's token budget into pieces that fit: at the best
clause boundary, else a word boundary, else between characters, with nothing dropped. Linear in
the sentence's length, and the same cuts as a search over the whole rest (see split_to_budget).
"""

from __future__ import annotations

import bisect
import re
from functools import cache
from itertools import takewhile
from typing import Callable, Iterable

from ..types import Span
from .segment import SENTENCE_END, sentences_in, strip_span

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


def split_to_budget(text: str, span: Span, count_tokens: Callable[[str], int], budget: int) -> list[Span]:
    """Cut a span whose token count is over ``budget`` into pieces that each fit.

    Cuts go at the best clause boundary that keeps the piece within budget (; : then a comma
    before a conjunction, then any comma), then at a word boundary, and only for a run with no
    spaces at all, between characters. The pieces cover the span with nothing dropped.

    Linear in the span's length: each cut looks only at a window of the rest, a little longer
    than the text's tokens per character say will fit, never at all of it, so a paragraph of
    320,000 characters costs four times one of 80,000, not sixteen. At word ends, token counts
    grow with a prefix's length (inside a word a SentencePiece count can fall: windows end at word
    ends), so a cut past a prefix that is over budget could never fit: the window gives the same
    cuts as the whole rest. Every cut taken was counted to fit, whatever the counts do (or leaves
    one character, the last resort).
    """
    if budget < 1:
        raise ValueError(f"budget must be >= 1, got {budget}")
    pieces: list[Span] = []
    start, end = span.start, span.end
    size = max(64, 4 * budget)  # the first window's length in characters: a generous guess
    per_char: float | None = None  # tokens per character of the last piece; None before the first

    @cache
    def clauses() -> list[list[int]]:
        """Each clause boundary pattern's cuts in the whole span, found once when a first cut is
        needed: where a pattern matches does not depend on where a window starts."""
        return [[m.end(1) for m in pattern.finditer(text, span.start, span.end)] for pattern in _CLAUSE_CUTS]

    while start < end and (
        found := _next_cut(text, start, end, count_tokens, budget, size, per_char, clauses)
    ):
        cut, per_char = found
        piece_start, piece_end = strip_span(text, start, cut)
        pieces.append(Span(piece_start, piece_end, text[piece_start:piece_end]))
        start, end = strip_span(text, cut, end)
        size = max(16, round(_MARGIN * budget / per_char))
    if start < end:
        pieces.append(Span(start, end, text[start:end]))
    return pieces


WINDOW_CONTEXT = 256  # characters past a window that its boundaries may look at (an abbreviation, a capital)
_MARGIN = 1.3  # a window's length over the guess at where the budget runs out


def _next_cut(
    text: str,
    start: int,
    end: int,
    count_tokens: Callable[[str], int],
    budget: int,
    size: int,
    per_char: float | None,
    clauses: Callable[[], list[list[int]]],
) -> tuple[int, float] | None:
    """The best cut of ``text[start:end]`` and the tokens per character of the piece before it;
    None when all of it fits. Each prefix is counted at most once."""
    counted: dict[int, int] = {}

    def tokens(stop: int) -> int:
        if stop not in counted:
            counted[stop] = count_tokens(text[start:stop])
        return counted[stop]

    limit = _word_end(text, start + size, end)
    # A span's first window is counted (it may hold all of the span), and so is the last window of
    # the rest; one in between is counted only if its end must be known to be over budget.
    verify = per_char is None or limit == end
    while True:
        if verify:
            while tokens(limit) <= budget:  # double until over budget
                if limit == end:
                    return None
                limit = _word_end(text, start + 2 * (limit - start), end)
            per_char = per_char or tokens(limit) / (limit - start)
        assert per_char is not None
        reach = start + budget / per_char
        cut = _best_cut(text, start, end, limit, verify, tokens, budget, reach, clauses())
        if cut is not None:
            return cut, (tokens(cut) / (cut - start) if cut in counted else per_char)
        verify = True  # every boundary of the window fits: where does the budget run out?


def _word_end(text: str, position: int, end: int) -> int:
    """``position``, or the end of the word it falls in when that is near: a window is counted at
    its end, and a word cut short can take more tokens than the whole word ("lis" three, "listrik."
    two), which would make a window look over budget when a longer prefix still fits."""
    if position >= end:
        return end
    space = _SPACE.search(text, position, min(end, position + _LONGEST_WORD))
    return space.start() if space else (position if end - position > _LONGEST_WORD else end)


_SPACE = re.compile(r"\s")
_LONGEST_WORD = 64  # characters; in a longer run without spaces, pieces are cut between characters


def _best_cut(
    text: str,
    start: int,
    end: int,
    limit: int,
    over: bool,
    tokens: Callable[[int], int],
    budget: int,
    reach: float,
    clauses: list[list[int]],
) -> int | None:
    """The best cut before ``limit``, boundaries read with a little of what follows it (``clauses``:
    the span's clause boundaries of each kind); None when the window's last boundary fits and
    ``over`` does not say that its end is over budget.

    One search finds the furthest boundary of any kind that fits; the cut of the best kind is the
    furthest of that kind before it (counts grow with length, so it fits and any later one does
    not). ``reach`` guesses where the budget runs out."""
    seen = min(end, limit + WINDOW_CONTEXT)

    def before(cuts: Iterable[int]) -> list[int]:
        """The cuts (in increasing order) before the window's end; those past it are never made."""
        return list(takewhile(lambda cut: cut < limit, cuts))

    def fits(cut: int) -> bool:
        return tokens(cut) <= budget

    # A long quotation is cut at its inner sentence ends first, then at clause boundaries.
    candidate = SENTENCE_END.search(text, start, seen)  # most windows have no sentence end to weigh
    ends = (
        []
        if candidate is None or candidate.start() >= limit
        else sentences_in(text, start, seen, False, limit)
    )
    kinds = [before(span.end for span in ends[:-1])]
    kinds += [cuts[bisect.bisect_right(cuts, start) : bisect.bisect_left(cuts, limit)] for cuts in clauses]
    boundaries = sorted({cut for kind in kinds for cut in kind})
    furthest = _furthest_fitting(boundaries, tokens, budget, start, reach)
    if not over and furthest == len(boundaries) - 1:
        return None
    if furthest >= 0:
        fitting = boundaries[furthest]
        bound = boundaries[furthest + 1] if furthest + 1 < len(boundaries) else limit  # over budget
        for kind in kinds:
            best = bisect.bisect_right(kind, fitting) - 1
            if best >= 0 and (kind[best] == fitting or fits(kind[best])):
                return kind[best]
            if best >= 0:  # counts that did not grow with length: this kind searched on its own
                within = kind[: bisect.bisect_left(kind, bound)]
                found = _furthest_fitting(within, tokens, budget, start, reach)
                if found >= 0:
                    return within[found]
    # No whitespace that helps: cut between characters (a URL or a run with no spaces).
    bound = boundaries[0] if boundaries else limit  # over budget: no boundary fits
    between = list(range(start + 1, bound))
    found = _furthest_fitting(between, tokens, budget, start, reach)
    return between[found] if found >= 0 else start + 1


def _furthest_fitting(
    cuts: list[int], tokens: Callable[[int], int], budget: int, start: int, reach: float
) -> int:
    """The index of the furthest cut whose prefix fits, -1 when none does, taking the prefix at
    the end of the list (past its last cut) to be over budget. Token counts grow with length, so
    the fitting cuts come first. The search keeps a cut that fits and one that does not; it
    probes first at the cut nearest ``reach`` (a guess at where the budget runs out), then where
    the last count says the budget runs out, and bisects once guesses stop closing in. The same
    cut as a bisection of all the cuts, in two or three counts when the guesses are close."""
    lo, hi = -1, len(cuts)  # lo fits (or is before the first cut); hi does not (or is past the last)
    probe, guesses = bisect.bisect_right(cuts, reach) - 1, _GUESSES
    while hi - lo > 1:
        probe = min(max(probe, lo + 1), hi - 1)
        count = tokens(cuts[probe])
        if count <= budget:
            lo = probe
        else:
            hi = probe
        if guesses:  # where the budget runs out at this prefix's tokens per character
            probe = (
                bisect.bisect_right(cuts, start + (budget + 0.5) * (cuts[probe] - start) / max(count, 1)) - 1
            )
            guesses -= 1
        else:
            probe = (lo + hi) // 2
    return lo


_GUESSES = 3  # probes placed by the counts before the search bisects
