"""House terms: an Indonesian term and the English form a newsroom uses for it ("DPR" is the
"House of Representatives"; "Ant Group" is never translated).

A glossary is one or more TSV files of ``Indonesian<TAB>English`` lines. Terms match whole words,
in any case on the Indonesian side, except acronyms (all capitals), which match in capitals only,
so "DPR" matches and "dpr" in a URL does not; where terms overlap, the longest wins. The glossary
never edits a translation: the translator prefers a candidate that uses the English form, and a
translation without it is flagged.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import ConfigError

DEFAULT = "default"  # in `glossary:`, the glossary shipped in translator/data/


@dataclass(frozen=True)
class Term:
    source: str
    english: str  # the English form; "a|b" lists forms the press uses alike, any of which will do

    @property
    def forms(self) -> tuple[str, ...]:
        return tuple(form.strip() for form in self.english.split("|") if form.strip())

    @property
    def keep(self) -> bool:
        """An English form equal to the source: the term is not to be translated."""
        return self.source in self.forms


@dataclass(frozen=True)
class Glossary:
    terms: tuple[Term, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.terms)

    @property
    def fingerprint(self) -> str:
        """A short hash of the terms, for signatures: two runs with different glossaries differ."""
        digest = hashlib.sha256(
            "\n".join(f"{t.source}\t{t.english}" for t in self.terms).encode()
        ).hexdigest()
        return f"{len(self.terms)}:{digest[:8]}"

    def find(self, text: str) -> list[Term]:
        """The terms in ``text``, longest match first where they overlap, in reading order."""
        if not self.terms:
            return []
        found: list[Any] = []
        taken: list[tuple[int, int]] = []
        for match in _pattern(self.terms).finditer(text):
            term = _lookup(self.terms).get(match.group()) or _lookup(self.terms).get(match.group().lower())
            if term is not None and not any(a < match.end() and match.start() < b for a, b in taken):
                found.append(term)
                taken.append((match.start(), match.end()))
        return found

    def missing(self, source: str, translation: str) -> list[Term]:
        """Terms of ``source`` whose English form is not in ``translation``."""
        return [
            t
            for t in dict.fromkeys(self.find(source))
            if not any(_contains(translation, form) for form in t.forms)
        ]

    def untranslated(self, english: str) -> list[Term]:
        """Terms left in their Indonesian form in an English text (a summary)."""
        return [
            t
            for t in dict.fromkeys(self.find(english))
            if not t.keep and not any(_contains(english, form) for form in t.forms)
        ]


def load_glossary(paths: tuple[str, ...]) -> Glossary:
    """The terms of every file in ``paths`` (DEFAULT for the shipped one); later files win."""
    terms: dict[str, Term] = {}
    for path in paths:
        for term in _read(path):
            terms[term.source if _is_acronym(term.source) else term.source.lower()] = term
    return Glossary(tuple(terms.values()))


@lru_cache(maxsize=16)
def _read(path: str) -> tuple[Term, ...]:
    if path == DEFAULT:
        text = (
            resources.files("translator")
            .joinpath("data")
            .joinpath("glossary_id_en.tsv")
            .read_text(encoding="utf-8")
        )
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"glossary {path}: cannot read ({getattr(e, 'strerror', None) or e})") from None
    terms = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise ConfigError(f"glossary {path}:{number}: expected 'Indonesian<TAB>English', got {line!r}")
        terms.append(Term(parts[0].strip(), parts[1].strip()))
    return tuple(terms)


def check_paths(paths: tuple[str, ...]) -> list[str]:
    """Problems with glossary files, for the config loader (which reports all problems at once)."""
    problems = []
    for path in paths:
        if path != DEFAULT and not os.path.isfile(path):
            problems.append(f"{path}: no such file")
            continue
        try:
            _read(path)
        except ConfigError as e:
            problems.append(str(e).removeprefix("glossary "))
    return problems


def _is_acronym(term: str) -> bool:
    letters = [c for c in term if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters) and " " not in term


@lru_cache(maxsize=16)
def _lookup(terms: tuple[Term, ...]) -> dict[str, Term]:
    return {(t.source if _is_acronym(t.source) else t.source.lower()): t for t in terms}


@lru_cache(maxsize=16)
def _pattern(terms: tuple[Term, ...]) -> re.Pattern[str]:
    """One alternation, longest terms first; acronyms in capitals only, the rest in any case."""
    parts = []
    for term in sorted(terms, key=lambda t: -len(t.source)):
        escaped = re.escape(term.source)
        parts.append(escaped if _is_acronym(term.source) else f"(?i:{escaped})")
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])")


def _contains(text: str, phrase: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", text, re.IGNORECASE) is not None
