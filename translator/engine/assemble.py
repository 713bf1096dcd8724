"""The last phase of a text: translated pieces become segments with their flags, and segments and a
summary become a Result. The library and the service's scheduler build them with the same code, so
a sentence streamed by the service is the one the library returns."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..models.base import Generated
from ..text.checks import check_segment, summary_flags
from ..text.glossary import Glossary
from ..types import Flag, ModelInfo, Result, Segment, Source
from .prepare import Prepared
from .summarize import Summary


def sentence_outputs(doc: Prepared, outputs: list[Generated]) -> list[list[Generated]]:
    """``outputs`` (one per piece, in order) grouped by the sentence each piece belongs to."""
    grouped: list[list[Generated]] = [[] for _ in doc.sentences]
    for index, output in zip(doc.owner, outputs):
        grouped[index].append(output)
    return grouped


def piece_outputs(doc: Prepared, generated: dict[str, Generated]) -> list[Generated]:
    """One output per piece: the model's for the pieces it translated (looked up by model text), the
    piece itself for pieces without words."""
    return [generated[t] if t is not None else kept(doc, p) for p, t in enumerate(doc.model_texts)]


def kept(doc: Prepared, piece: int) -> Generated:
    """The output of a piece no model sees: a person's correction, or the piece as it is."""
    if piece in doc.fixed:
        return Generated(doc.fixed[piece], 0, False, corrected=True)
    return Generated(doc.pieces[piece].text, 0, False)


@dataclass(frozen=True)
class SegmentRules:
    """What a segment is checked against: the model's input budget (for the split message), the
    glossary, and the confidence below which a sentence is flagged, or left in Indonesian."""

    budget: int
    glossary: Glossary | None = None
    low_confidence: float | None = None
    min_confidence: float | None = None


def build_segment(doc: Prepared, index: int, parts: list[Generated], rules: SegmentRules) -> Segment:
    """Sentence ``index`` of ``doc`` with its pieces' translations joined and every flag attached."""
    sentence = doc.sentences[index]
    span = sentence.span
    flags: list[Flag] = _piece_flags(index, parts)
    translation = " ".join(p.text for p in parts if p.text)
    if len(parts) > 1:
        message = f"over the {rules.budget}-token input limit; translated in {len(parts)} pieces and joined"
        flags.append(Flag("split", message, index, str(len(parts))))
    sure, made = confidence(parts), origin(parts)
    if sure is not None and rules.min_confidence is not None and sure < rules.min_confidence:
        translation, made = span.text, "source"
        message = f"confidence {sure:.2f} is below min_confidence {rules.min_confidence:g}: the source stands"
        flags.append(Flag("source_kept", message, index, f"{sure:.4f}"))
    elif sure is not None and rules.low_confidence is not None and sure < rules.low_confidence:
        message = f"the model was unsure of this sentence (confidence {sure:.2f})"
        flags.append(Flag("low_confidence", message, index, f"{sure:.4f}"))
    if made != "source":
        flags += check_segment(index, span.text, translation)
        glossary = rules.glossary
        for term in glossary.missing(span.text, translation) if glossary else []:
            message = (
                f"'{term.source}' is '{term.forms[0]}' in the glossary, and the translation does not say so"
            )
            flags.append(Flag("glossary", message, index, term.source))
    return Segment(
        span.text,
        translation,
        span.start,
        span.end,
        sentence.paragraph,
        sentence.boilerplate,
        len(parts),
        tuple(flags),
        origin=made,
        confidence=sure,
        alternatives=tuple(a.text for a in parts[0].alternatives)
        if len(parts) == 1 and made != "source"
        else (),
    )


def origin(parts: list[Generated]) -> str:
    """Where a sentence's translation came from: ``correction`` (a person's), ``memory`` (every
    piece from the translation memory), else ``model``."""
    if any(p.corrected for p in parts):
        return "correction"
    return "memory" if parts and all(p.cached for p in parts) else "model"


def confidence(parts: list[Generated]) -> float | None:
    """A sentence's confidence: its least certain piece's (None when no piece has a score)."""
    known = [p.confidence for p in parts if p.confidence is not None]
    return round(min(known), 4) if known else None


def _piece_flags(index: int, parts: list[Generated]) -> list[Flag]:
    """Each piece's generation flags; the same flag on several pieces of one sentence is one flag
    that names them ("pieces 1, 2 of 2"), so a reader sees it once."""
    if len(parts) == 1:
        return generation_flags(index, parts[0])
    grouped: dict[tuple[str, str], tuple[Flag, list[int]]] = {}
    for number, output in enumerate(parts, 1):
        for flag in generation_flags(index, output):
            grouped.setdefault((flag.kind, flag.message), (flag, []))[1].append(number)
    return [
        replace(
            flag,
            message=f"{flag.message} (piece{'s' * (len(ns) > 1)} {', '.join(map(str, ns))} of {len(parts)})",
        )
        for flag, ns in grouped.values()
    ]


def translated_segments(doc: Prepared, outputs: list[Generated], rules: SegmentRules) -> list[Segment]:
    """Every sentence's segment; ``outputs`` has one per piece."""
    return [build_segment(doc, i, parts, rules) for i, parts in enumerate(sentence_outputs(doc, outputs))]


def assemble_result(
    *,
    translation: str,
    segments: list[Segment],
    summary: Summary | None,
    source: str,
    notes: list[Flag],
    models: list[ModelInfo],
    timings: dict[str, float],
    signature: str,
    source_text: str | None = None,
    glossary: Glossary | None = None,
    cache_hits: int = 0,
    origin: Source | None = None,
) -> Result:
    """The Result of one text: warnings in reading order (notes, segments, summary), timings rounded."""
    warnings = list(notes) + [flag for s in segments for flag in s.flags]
    if summary is not None:
        warnings += summary.warnings + summary_flags(summary.text, translation, source)
        for term in glossary.untranslated(summary.text) if glossary else []:
            message = f"summary: '{term.source}' is left untranslated; the glossary says '{term.forms[0]}'"
            warnings.append(Flag("summary_glossary", message, None, term.source))
    timings = {**timings, "total": sum(timings.values())}
    return Result(
        translation=translation,
        summary=summary.text if summary else "",
        segments=segments,
        warnings=warnings,
        models=models,
        timings={k: round(v, 4) for k, v in timings.items()},
        summary_chunks=summary.chunks if summary else 0,
        summary_rounds=summary.rounds if summary else 0,
        signature=signature,
        summary_method=summary.method if summary else "",
        source_text=source_text,
        cache_hits=cache_hits,
        source=origin,
    )


def generation_flags(index: int, output: Generated) -> list[Flag]:
    flags = []
    if output.retried:
        flags.append(
            Flag(
                "retried",
                "the first translation stopped at the token cap; generated again with retry_generation",
                index,
            )
        )
    if output.reranked:
        kinds, which = output.reranked.split("|")
        flags.append(
            Flag(
                "reranked",
                f"the top-scored translation had {kinds.replace(',', ', ')}; {which}, which passes the "
                "checks, was kept",
                index,
                kinds,
            )
        )
    if output.hit_cap:
        message = (
            f"translation stopped at the length cap of {output.new_tokens} tokens and may be incomplete or "
            "looping"
        )
        flags.append(Flag("length_cap", message, index, str(output.new_tokens)))
    return flags


def join_paragraphs(segments: list[Segment]) -> str:
    """The translation as text: a paragraph's sentences joined by spaces, paragraphs by a blank line."""
    paragraphs: list[list[str]] = []
    last = None
    for segment_ in segments:
        if segment_.paragraph != last:
            paragraphs.append([])
            last = segment_.paragraph
        if segment_.translation:
            paragraphs[-1].append(segment_.translation)
    return "\n\n".join(" ".join(p) for p in paragraphs if p)
