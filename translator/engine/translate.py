"""Sentence translation with a seq2seq model (MarianMT by default): batched by length, served from the
translation memory where it can, and the best candidate of each beam search chosen by the checks."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from ..config import TranslationConfig
from ..errors import first_line
from ..memory.store import memory_key
from ..models.base import Generated, Model, cap_new_tokens
from ..models.batches import run_sorted, unique
from ..text.checks import check_segment, find_loop
from ..text.cleaning import model_text
from ..text.glossary import Glossary
from ..types import Flag

if TYPE_CHECKING:
    from ..memory.store import Memory

NO_GLOSSARY = Glossary()

# Without a configured max_new_tokens, each batch may write this many tokens per input token
# (plus a little): English from Indonesian is rarely longer than the source in tokens, so a
# translation that reaches the cap is almost surely looping, and gets flagged.
OUTPUT_RATIO = 2.0
OUTPUT_EXTRA = 8


# The checks a candidate must pass to be preferred over a higher-scored one: a changed number, a
# loop, text left in Indonesian, a length far from the source's, nothing at all.
HARD_CHECKS = frozenset(
    {"number_missing", "number_added", "repetition", "untranslated", "length_ratio", "empty"}
)


def problems(source: str, output: Generated, glossary: Glossary = NO_GLOSSARY) -> frozenset[str]:
    """The hard checks ``output`` fails as a translation of ``source``, the glossary's included."""
    failed = frozenset(flag.kind for flag in check_segment(0, source, output.text)) & HARD_CHECKS
    return failed | {"glossary"} if glossary and glossary.missing(source, output.text) else failed


def choose(source: str, output: Generated, glossary: Glossary = NO_GLOSSARY) -> Generated:
    """The highest-scored candidate that passes the hard checks, or the top one when none does;
    the other candidates stay on it as ``alternatives`` (distinct texts, best first).

    The choice is among the model's own beam hypotheses: nothing is edited into an output.
    """
    if not output.alternatives:
        return output
    candidates = [output, *output.alternatives]
    chosen, why = output, None
    failed = problems(source, output, glossary)
    if failed:
        for rank, candidate in enumerate(output.alternatives, start=2):
            if not problems(source, candidate, glossary):
                chosen = candidate
                why = f"{','.join(sorted(failed))}|candidate {rank} of {len(candidates)}"
                break
    others = tuple(_distinct(c for c in candidates if c is not chosen and c.text != chosen.text))
    return replace(chosen, retried=output.retried, alternatives=others, reranked=why or chosen.reranked)


def _distinct(candidates: Iterable[Generated]) -> list[Generated]:
    seen: set[str] = set()
    kept = []
    for candidate in candidates:
        if candidate.text and candidate.text not in seen:
            seen.add(candidate.text)
            kept.append(replace(candidate, alternatives=()))
    return kept


class Translator:
    """Translates a list of sentences; identical sentences are translated once.

    An output that stops at its token cap is usually a loop; it is generated once more with
    ``retry_generation`` and the better of the two is kept (``Generated.retried`` says so).
    """

    def __init__(
        self,
        model: Model,
        cfg: TranslationConfig,
        glossary: Glossary = NO_GLOSSARY,
        memory: "Memory | None" = None,
    ) -> None:
        self.model = model
        self.cfg = cfg
        self.glossary = glossary
        self.memory = memory
        self.notes: list[Flag] = []  # what went wrong on the way (a memory given up), for every later Result
        # Everything besides the text that decides an output: the translation memory's key.
        self.memory_context = {
            "model": model.model_id, "revision": model.revision, "backend": model.backend,
            "compute_type": model.compute_type, "max_input_tokens": model.max_input_tokens,
            "generation": cfg.generation, "retry": cfg.retry_settings,
            "candidates": cfg.candidates, "glossary": glossary.fingerprint if glossary else None,
        }  # fmt: skip

    @property
    def budget(self) -> int:
        """The most input tokens one sentence (or piece of one) may have."""
        return self.model.max_input_tokens

    def count_tokens(self, source: str) -> int:
        """Tokens of ``source`` as the model will see it: cleaned by ``model_text`` first."""
        return self.model.count_tokens(model_text(source))

    def translate(self, texts: list[str], on_batch: Callable[[int], None] | None = None) -> list[Generated]:
        """Translate texts already cleaned by ``model_text``, each within ``budget`` tokens; texts
        in the translation memory are not sent to the model (their outputs say ``cached``)."""
        distinct, index = unique(texts)
        known = self.recall(distinct)
        todo = [text for text in distinct if text not in known]
        if on_batch is not None and len(todo) < len(distinct):
            on_batch(len(distinct) - len(todo))
        fresh = dict(zip(todo, self._generate(todo, on_batch)))
        self.remember(fresh)
        by_text = {**fresh, **known}
        return [by_text[distinct[i]] for i in index]

    def recall(self, texts: list[str]) -> dict[str, Generated]:
        """The translations the memory holds for ``texts`` (distinct), by text; {} without a memory."""
        memory = self.memory
        if memory is None or not texts:
            return {}
        keys = {memory_key(self.memory_context, text): text for text in texts}
        try:
            return {keys[key]: output for key, output in memory.get_many(list(keys)).items()}
        except (sqlite3.Error, OSError) as e:
            self._drop_memory(e)
            return {}

    def corrected(self, sources: list[str]) -> dict[str, str]:
        """People's corrections of these sentences (by sentence text), held in the memory's file."""
        try:
            found = self.memory.corrections().latest(sources) if self.memory is not None and sources else {}
        except (sqlite3.Error, OSError) as e:
            self._drop_memory(e)
            return {}
        return {source: c.translation for source, c in found.items()}

    def remember(self, outputs: dict[str, Generated]) -> None:
        """Store fresh translations, by text, in the memory (when there is one)."""
        memory = self.memory
        if memory is None or not outputs:
            return
        try:
            memory.put_many(
                (memory_key(self.memory_context, text), output, text) for text, output in outputs.items()
            )
        except (sqlite3.Error, OSError) as e:
            self._drop_memory(e)

    def _drop_memory(self, error: Exception) -> None:
        """A memory that fails (a full disk, a file deleted under it) is given up: translations go on
        without it, and every later Result says so (``notes``)."""
        if self.memory is not None:
            self.notes.append(
                Flag(
                    "memory",
                    f"translation memory {self.memory.path} failed ({first_line(error)}); translating "
                    "without it",
                )
            )
            self.memory = None

    def token_counts(self, texts: list[str]) -> dict[str, int]:
        return {text: self.model.count_tokens(text) for text in texts}

    def generate_batch(self, batch: list[str], lengths: dict[str, int] | None = None) -> list[Generated]:
        """One batch: one generate() call, the best candidate of each, and one more call with
        ``retry_generation`` for the outputs that stopped at their cap. The unit of work of both the
        library (``translate``) and the service's scheduler, so both give the same outputs."""
        lengths = lengths or self.token_counts(batch)
        outputs = self._run(batch, lengths, self.cfg.generation)
        retry = self.cfg.retry_settings
        capped = [i for i, output in enumerate(outputs) if output.hit_cap]
        if retry is not None and capped:
            again = self._run([batch[i] for i in capped], lengths, retry)
            for i, second in zip(capped, again):
                outputs[i] = _better(outputs[i], second)
        return outputs

    def _run(self, batch: list[str], lengths: dict[str, int], base: Mapping[str, Any]) -> list[Generated]:
        outputs = self.model.generate(
            batch, self.settings(max(lengths[t] for t in batch), base), self.cfg.candidates
        )
        return [choose(source, output, self.glossary) for source, output in zip(batch, outputs)]

    def _generate(
        self, distinct: list[str], on_batch: Callable[[int], None] | None = None
    ) -> list[Generated]:
        if not distinct:
            return []
        lengths = self.token_counts(distinct)
        return run_sorted(
            distinct,
            lambda batch: self.generate_batch(batch, lengths),
            size=lengths.__getitem__,
            batch_size=self.cfg.batch_size,
            max_tokens=self.cfg.max_batch_tokens,
            on_batch=on_batch,
        )

    def settings(self, longest_input: int, base: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """generate() arguments for a batch whose longest input has ``longest_input`` tokens."""
        settings = dict(self.cfg.generation if base is None else base)
        if "max_new_tokens" in settings:
            settings["max_new_tokens"] = cap_new_tokens(self.model, settings["max_new_tokens"])
        elif "max_length" in settings:
            settings["max_length"] = min(settings["max_length"], self.model.max_positions)
        else:
            settings["max_new_tokens"] = cap_new_tokens(
                self.model, int(OUTPUT_RATIO * longest_input) + OUTPUT_EXTRA
            )
        if "min_new_tokens" in settings:
            settings["min_new_tokens"] = min(
                settings["min_new_tokens"], settings.get("max_new_tokens", settings["min_new_tokens"])
            )
        return settings


def _better(first: Generated, second: Generated) -> Generated:
    """The retry wins unless it is no better: still capped and looping where the first was not."""
    if second.hit_cap and find_loop(second.text) and not find_loop(first.text):
        return replace(first, retried=True)
    return replace(second, retried=True)
