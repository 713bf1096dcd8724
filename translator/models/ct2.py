"""The CTranslate2 backend: convert a Hugging Face model once, then run it without torch.

Conversion uses ctranslate2's own converter (which needs transformers and torch, once) and
writes into a cache directory keyed by model id, revision and quantisation, through a temp
directory and a rename, so a conversion killed half-way is never used. Next to CTranslate2's
files it keeps the tokenizer files and ``translator.json`` (limits, special tokens, the model's
own generation settings), so that later runs need only ctranslate2, sentencepiece and tokenizers.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..config import ModelConfig
from ..errors import ConversionError, first_line
from ._confidence import from_ct2_score
from ._conversions import FORMAT_VERSION, META, converted_dir
from .base import Generated, check_input_budget, device_key, input_limit, model_label, resolve_device
from .hub import ensure_reachable

# generate() settings with a CTranslate2 equivalent; others are ignored with a note.
_OPTION_NAMES = {
    "num_beams": "beam_size",
    "length_penalty": "length_penalty",
    "repetition_penalty": "repetition_penalty",
    "no_repeat_ngram_size": "no_repeat_ngram_size",
    "top_k": "sampling_topk",
    "top_p": "sampling_topp",
    "temperature": "sampling_temperature",
}


def available() -> bool:
    try:
        import ctranslate2  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_compute_type(compute_type: str, device: str) -> str:
    if compute_type != "auto":
        return compute_type
    return "int8_float16" if device == "cuda" else "int8"


def convert(cfg: ModelConfig, quantization: str, role: str, source: str = "models.yaml") -> Path:
    """Convert ``cfg.model`` unless a finished conversion is cached; returns its directory.

    A hub model that is neither cached nor reachable raises the offline ModelLoadError; every
    other failure, the cache directory's included, raises ConversionError.
    """
    target = converted_dir(cfg, quantization)
    if (target / META).is_file():
        return target
    ensure_reachable(role, cfg, source)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as e:
        raise ConversionError(
            f"cannot convert {role} model '{cfg.model}' to CTranslate2: cannot write the cache "
            f"{target.parent} "
            f"({first_line(e)}); set TRANSLATOR_CACHE to a writable directory"
        ) from e
    try:
        _convert_into(cfg, quantization, work / "model")
        try:
            os.replace(work / "model", target)
        except OSError:
            if not (target / META).is_file():  # not another process that finished first
                raise
    except Exception as e:  # noqa: BLE001 - the converter raises anything from ValueError to KeyError
        raise ConversionError(
            f"cannot convert {role} model '{cfg.model}' to CTranslate2: {first_line(e)}"
        ) from e
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _converter_class() -> Any:
    """ctranslate2's converter, given what its BART loader still reads from the model config."""
    import ctranslate2.converters

    class Converter(ctranslate2.converters.TransformersConverter):  # type: ignore[misc]  # untyped
        def load_model(self, model_class: Any, model_name_or_path: str, **kwargs: Any) -> Any:
            model = super().load_model(model_class, model_name_or_path, **kwargs)
            # transformers 5 dropped BartConfig.normalize_before, which ctranslate2's BART loader
            # reads; BART is post-norm, which is what False says. Set on this model's config only.
            if not hasattr(model.config, "normalize_before"):
                model.config.normalize_before = False
            return model

    return Converter


def _convert_into(cfg: ModelConfig, quantization: str, out: Path) -> None:
    from transformers import AutoConfig, AutoTokenizer, GenerationConfig

    kwargs: dict[str, Any] = {"trust_remote_code": False}
    if cfg.revision and not cfg.is_local:
        kwargs["revision"] = cfg.revision
    hf_config = AutoConfig.from_pretrained(cfg.model, **kwargs)
    tokenizer = AutoTokenizer.from_pretrained(cfg.model, **kwargs)
    try:
        generation = GenerationConfig.from_pretrained(cfg.model, **kwargs).to_diff_dict()
    except OSError:
        generation = {}
    converter = _converter_class()(cfg.model, revision=kwargs.get("revision"), trust_remote_code=False)
    converter.convert(str(out), quantization=quantization, force=True)

    tokenizer_meta = _save_tokenizer(tokenizer, out)
    positions = getattr(hf_config, "max_position_embeddings", None)
    meta = {
        "format": FORMAT_VERSION,
        "model": cfg.model,
        "revision": cfg.revision,
        "quantization": quantization,
        "model_type": hf_config.model_type,
        "max_position_embeddings": positions if isinstance(positions, int) else None,
        "model_max_length": _int_or_none(getattr(tokenizer, "model_max_length", None)),
        "tokenizer": tokenizer_meta,
        "generation": {k: v for k, v in generation.items() if k != "transformers_version"},
    }
    (out / META).write_text(json.dumps(meta, indent=2), encoding="utf-8")


def _save_tokenizer(tokenizer: Any, out: Path) -> dict[str, Any]:
    """Files to tokenize without transformers: SentencePiece models (Marian) or a tokenizer.json."""
    special = {
        "eos": tokenizer.eos_token,
        "bos": getattr(tokenizer, "bos_token", None),
        "unk": tokenizer.unk_token,
    }
    if type(tokenizer).__name__.startswith("MarianTokenizer"):
        for file, name in zip(tokenizer.spm_files, ("source.spm", "target.spm")):  # the resolved local paths
            shutil.copy(file, out / name)
        return {"kind": "marian", **special}
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        # convert() reports it as a ConversionError, so backend auto falls back.
        raise ValueError(
            f"{type(tokenizer).__name__} has no fast tokenizer; the CTranslate2 backend needs one"
        )
    backend.save(str(out / "tokenizer.json"))
    return {"kind": "tokenizers", **special}


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and 0 < value < 1_000_000 else None


@dataclass
class Ct2Model:
    """A converted model and its tokenizer, with the same limits, counting and outputs as HFModel."""

    role: str
    model_id: str
    revision: str | None
    device: str
    compute_type: str
    max_input_tokens: int
    max_positions: int
    load_seconds: float
    translator: Any
    tokenizer: "_Tokenizer"
    generation: dict[str, Any] = field(default_factory=dict)
    backend: str = "ctranslate2"

    @property
    def label(self) -> str:
        return model_label(self)

    def bind_thread(self) -> None:
        """CTranslate2's intra_threads were set when the model loaded."""

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text))

    def _decoding_options(self, merged: dict[str, Any], batch: int) -> tuple[dict[str, Any], bool]:
        """generate()'s settings as translate_batch's options, and whether EOS is forced at the cap."""
        max_new = merged.get("max_new_tokens")
        if max_new is None:
            max_new = max(1, merged.get("max_length", self.max_positions) - 1)
        min_new = merged.get("min_new_tokens")
        if min_new is None:
            min_new = max(0, (merged.get("min_length") or 0) - 1)  # min_length counts the decoder start
        options: dict[str, Any] = {
            "max_batch_size": 0,
            "max_input_length": 0,  # no truncation: inputs were cut to the budget before
            "max_decoding_length": max_new,
            "min_decoding_length": min(min_new, max_new),
            "return_end_token": True,
        }
        # transformers forces EOS as the last token a capped output may have (BART's forced_eos): the
        # same output ends one token earlier here, and counts that EOS, as transformers does.
        forced_end = merged.get("forced_eos_token_id") is not None and max_new > 1
        if forced_end:
            options["max_decoding_length"] = max_new - 1
            options["min_decoding_length"] = min(options["min_decoding_length"], max_new - 1)
        forced = merged.get("forced_bos_token_id")
        if forced is not None:  # BART starts every output with <s>, as transformers forces it
            token = self.tokenizer.id_to_token(forced)
            if token is not None:
                options["target_prefix"] = [[token] for _ in range(batch)]
        for name, option in _OPTION_NAMES.items():
            if name in merged and merged[name] is not None:
                options[option] = merged[name]
        if not merged.get("do_sample"):
            for option in ("sampling_topk", "sampling_topp", "sampling_temperature"):
                options.pop(option, None)
        return options, forced_end

    def generate(self, texts: list[str], settings: dict[str, Any], candidates: int = 1) -> list[Generated]:
        """The same settings in as the transformers backend, the same Generated out."""
        merged = {**self.generation, **settings}
        options, forced_end = self._decoding_options(merged, len(texts))
        sources = [self.tokenizer.encode(text) for text in texts]
        if max(len(s) for s in sources) > self.max_input_tokens:
            raise RuntimeError(
                f"internal error: a {self.role} input is over the budget of {self.max_input_tokens} tokens"
            )
        n = max(1, min(candidates, options.get("beam_size", 1)))  # hypotheses come from the beams
        options["return_scores"] = True  # the confidence; costs nothing measurable (scripts/benchmark.py)
        if n > 1:
            options["num_hypotheses"] = n
        results = self.translator.translate_batch(sources, **options)
        penalty = float(options.get("length_penalty", 1.0))
        outputs = []
        end = self.tokenizer.eos
        for result in results:
            hypotheses = []
            for k, tokens in enumerate(result.hypotheses[:n]):
                ended = bool(tokens) and tokens[-1] == end
                body = tokens[:-1] if ended else tokens
                capped = not ended and len(tokens) >= options["max_decoding_length"]
                count = len(tokens) + (1 if capped and forced_end else 0)
                score = float(result.scores[k]) if result.scores else None
                hypotheses.append(
                    Generated(
                        text=self.tokenizer.decode(body).strip(),
                        new_tokens=count,
                        hit_cap=capped,
                        score=score if n > 1 else None,
                        confidence=from_ct2_score(score, len(tokens), penalty),
                    )
                )
            outputs.append(
                replace(hypotheses[0], alternatives=tuple(hypotheses[1:]))
                if len(hypotheses) > 1
                else hypotheses[0]
            )
        return outputs


def load(role: str, cfg: ModelConfig, source: str = "models.yaml", threads: int | None = None) -> Ct2Model:
    """Convert (once) and load ``cfg.model`` with CTranslate2."""
    import ctranslate2

    started = time.perf_counter()
    cuda = ctranslate2.get_cuda_device_count() > 0
    device = resolve_device(
        cfg.device, device_key(role, cfg, source), cuda=cuda, mps=False, runtime="CTranslate2"
    )
    compute_type = resolve_compute_type(cfg.compute_type, device)
    path = convert(cfg, compute_type, role, source)
    meta = json.loads((path / META).read_text(encoding="utf-8"))
    tokenizer = _Tokenizer(path, meta["tokenizer"])
    translator = ctranslate2.Translator(
        str(path),
        device=device,
        compute_type=compute_type,
        inter_threads=cfg.workers,
        intra_threads=threads or os.cpu_count() or 0,
    )
    limit = input_limit(meta.get("max_position_embeddings"), meta.get("model_max_length"))
    check_input_budget(role, cfg, source, limit)
    return Ct2Model(
        role=role,
        model_id=cfg.model,
        revision=cfg.revision,
        device=device,
        compute_type=compute_type,
        max_input_tokens=cfg.max_input_tokens or limit,
        max_positions=meta.get("max_position_embeddings") or limit,
        load_seconds=time.perf_counter() - started,
        translator=translator,
        tokenizer=tokenizer,
        generation=meta.get("generation", {}),
    )


class _Tokenizer:
    """Token strings in, text out, with only sentencepiece or tokenizers."""

    def __init__(self, path: Path, meta: dict[str, Any]) -> None:
        self.kind = meta["kind"]
        self.eos = meta["eos"]
        if self.kind == "marian":
            import sentencepiece as spm

            self.source = spm.SentencePieceProcessor(model_file=str(path / "source.spm"))
            self.target = spm.SentencePieceProcessor(model_file=str(path / "target.spm"))
        else:
            from tokenizers import Tokenizer

            self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
            self.tokenizer.no_truncation()
            self.tokenizer.no_padding()

    def encode(self, text: str) -> list[str]:
        if self.kind == "marian":
            pieces: list[str] = self.source.encode(text, out_type=str)
            return pieces + [self.eos]
        return self.tokenizer.encode(text).tokens

    def id_to_token(self, token_id: int) -> str | None:
        if self.kind == "marian":
            return None  # Marian forces no first token
        return self.tokenizer.id_to_token(token_id)

    def decode(self, tokens: list[str]) -> str:
        if self.kind == "marian":
            return str(self.target.decode([t for t in tokens if t != self.eos]))
        ids = [i for i in (self.tokenizer.token_to_id(t) for t in tokens) if i is not None]
        return self.tokenizer.decode(ids, skip_special_tokens=True)
