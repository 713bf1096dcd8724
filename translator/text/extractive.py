"""Extractive summaries: the most central English sentences, verbatim, in document order.

TextRank (Mihalcea and Tarau, 2004): sentences are nodes, edges weigh the content words two
sentences share, normalised by their lengths, and PageRank ranks the nodes. It needs no model,
runs in milliseconds, and cannot state anything the translation does not.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass

from .segment import split_sentences

DAMPING = 0.85
ITERATIONS = 100
TOLERANCE = 1e-9
DEFAULT_MAX_WORDS = 80  # about the length of a CNN/DailyMail summary, the abstractive default
# Words too common to link two sentences by.
_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers him his how i if in into is it its itself just me more most my no nor not now
    of off on once only or other our out over own same she should so some such than that the their them
    then there these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your said says say""".split()
)
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Extract:
    text: str
    sentences: list[str]  # the chosen sentences, in document order
    total_sentences: int


def summarize_extractive(texts: list[str], max_words: int | None = None) -> Extract:
    """Pick whole sentences from ``texts`` (translated segments) until ``max_words`` is reached.

    At least one sentence is returned when there is any text, even if it alone is longer.
    """
    sentences = [span.text for text in texts for span in split_sentences(text)]
    if not sentences:
        return Extract("", [], 0)
    budget = max_words or DEFAULT_MAX_WORDS
    scores = rank(sentences)
    order = sorted(range(len(sentences)), key=lambda i: (-scores[i], i))
    chosen: list[int] = []
    used = 0
    for i in order:
        words = len(sentences[i].split())
        if used + words <= budget or not chosen:
            chosen.append(i)
            used += words
        if used >= budget:
            break
    picked = [sentences[i] for i in sorted(chosen)]
    return Extract(" ".join(picked), picked, len(sentences))


def rank(sentences: list[str]) -> list[float]:
    """TextRank centrality of each sentence (PageRank over word-overlap similarity)."""
    words = [_content_words(s) for s in sentences]
    n = len(sentences)
    # Shared-word counts through an inverted index: cost grows with co-occurrences, not n^2.
    postings: dict[str, list[int]] = defaultdict(list)
    for i, bag in enumerate(words):
        for word in bag:
            postings[word].append(i)
    overlap: dict[tuple[int, int], int] = defaultdict(int)
    for holders in postings.values():
        for a in range(len(holders)):
            for b in range(a + 1, len(holders)):
                overlap[holders[a], holders[b]] += 1
    edges: list[dict[int, float]] = [{} for _ in range(n)]
    for (i, j), shared in overlap.items():
        denominator = math.log(len(words[i]) + 1) + math.log(len(words[j]) + 1)
        weight = shared / denominator if denominator > 0 else 0.0
        if weight > 0:
            edges[i][j] = edges[j][i] = weight
    out_weight = [sum(e.values()) for e in edges]
    scores = [1.0 / n] * n
    for _ in range(ITERATIONS):
        dangling = sum(scores[i] for i in range(n) if out_weight[i] == 0) / n
        new = [
            (1 - DAMPING) / n
            + DAMPING * (dangling + sum(scores[j] * w / out_weight[j] for j, w in edges[i].items()))
            for i in range(n)
        ]
        change = sum(abs(a - b) for a, b in zip(new, scores))
        scores = new
        if change < TOLERANCE:
            break
    return scores


def _content_words(sentence: str) -> set[str]:
    return {w for w in (m.lower() for m in _WORD.findall(sentence)) if w not in _STOPWORDS and len(w) > 1}
