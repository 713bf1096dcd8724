"""Is the input Indonesian? py3langid (an offline classifier that ships its model) decides.

Malay, Javanese, Sundanese and other languages of the archipelago are close enough, or mixed
into Indonesian news often enough, that they are accepted. English input gets a warning (the
model would mostly copy it); any other language is refused unless the caller forces it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..errors import LanguageError
from ..types import Flag

ACCEPTED = frozenset({"id", "ms", "jv", "su", "min", "ace", "ban", "bjn", "mad", "bug"})
MIN_LETTERS = 20  # shorter texts are too short to judge
MIN_ACCEPTED_SHARE = 0.05  # probability mass on accepted languages under which the text is "not Indonesian"
SAMPLE_CHARS = 20_000  # enough to classify; classifying a whole book gains nothing
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Verdict:
    language: str  # the most likely language code
    probability: float
    accepted_share: float  # probability that it is Indonesian or a close language

    @property
    def indonesian_like(self) -> bool:
        return self.accepted_share >= MIN_ACCEPTED_SHARE


def identify(text: str) -> Verdict | None:
    """The most likely language of ``text``, or None when it is too short to tell."""
    sample = text[:SAMPLE_CHARS]
    if len(_LETTER.findall(sample)) < MIN_LETTERS:
        return None
    ranked = _identifier().rank(sample)
    language, probability = ranked[0]
    share = sum(p for code, p in ranked if code in ACCEPTED)
    return Verdict(language, float(probability), float(share))


def accepted_share(text: str) -> float:
    """The probability that ``text`` is Indonesian or a close language, however short (a short
    text's figure is a guess; ``identify`` will not judge it)."""
    sample = text[:SAMPLE_CHARS]
    if not _LETTER.search(sample):
        return 0.0
    return float(sum(p for code, p in _identifier().rank(sample) if code in ACCEPTED))


def check_language(text: str, force: bool = False) -> list[Flag]:
    """Flags for English input; InputError for another language unless ``force``."""
    verdict = identify(text)
    if verdict is None or verdict.indonesian_like:
        return []
    if verdict.language == "en":
        return [
            Flag(
                "language",
                "the input looks like English, not Indonesian; the translation may mostly copy it",
                None,
                "en",
            )
        ]
    if force:
        return [
            Flag(
                "language",
                f"the input looks like {verdict.language!r}, not Indonesian; translated anyway, as forced",
                None,
                verdict.language,
            )
        ]
    raise LanguageError(verdict.language, verdict.probability)


def rank(text: str, n: int = 3) -> list[tuple[str, float]]:
    """The ``n`` most likely languages of ``text`` with their probabilities (for /detect)."""
    return [(code, float(p)) for code, p in _identifier().rank(text[:SAMPLE_CHARS])[:n]]


def load_identifier() -> None:
    """Load the classifier's model now (about a second, once per process), not in the first call."""
    _identifier()


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
