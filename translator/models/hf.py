"""The transformers backend: ``from_pretrained`` on a hub id or a local directory, generate() on torch.

Nothing here changes the process: transformers' own logging and progress bars are left as the
program set them (the CLI quiets them through TRANSFORMERS_VERBOSITY before they load; our
warnings are in ``Result.warnings``). torch's thread count is the whole process's, so it is left
to the caller: the CLI sets it from ``threads`` (``set_torch_threads``); library users call
``torch.set_num_threads`` themselves.
"""

from __future__ import annotations

import contextlib
import copy
import re
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterator, Mapping

from ..config import ModelConfig
from ..errors import ConfigError, ModelLoadError, first_line
from ._confidence import confidences, score_recorder
from .base import (
    Generated,
    check_input_budget,
    config_label,
    device_key,
    input_limit,
    model_label,
    resolve_device,
)
from .hub import hub_unreachable_reason, offline_error


def available() -> bool:
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class _Pieces:
    """A Marian tokenizer's count without transformers' layer: its source SentencePiece model
    straight. Exact for a text with no added token in it ("</s>", "<unk>", ...) and no language
    code (">>fr<<"), which ``tokenize()`` splits out first; any other text goes through
    ``tokenize()``. Splitting a long paragraph counts thousands of prefixes, and that layer was a
    third of the time (MarianTokenizer, the default translation model's, has no fast version)."""

    encode: Callable[[str], list[int]]
    added: re.Pattern[str]  # the strings tokenize() treats apart; a text holding one takes the slow way
    specials: int  # the end-of-sentence token tokenize() leaves out

    @classmethod
    def of(cls, tokenizer: Any) -> _Pieces | None:
        spm = getattr(tokenizer, "spm_source", None)
        if type(tokenizer).__name__ != "MarianTokenizer" or spm is None:
            return None
        added = (*tokenizer.added_tokens_encoder, *tokenizer.all_special_tokens, ">>")
        pattern = re.compile("|".join(map(re.escape, dict.fromkeys(added))))
        return cls(spm.encode, pattern, tokenizer.num_special_tokens_to_add(pair=False))


@dataclass
class HFModel:
    """A tokenizer and a seq2seq model on a torch device, with the limits that bound them."""

    role: str
    model_id: str
    revision: str | None
    tokenizer: Any
    model: Any
    device: str
    max_input_tokens: int
    max_positions: int
    load_seconds: float
    backend: str = "transformers"
    compute_type: str = "float32"
    # A fast tokenizer changes its own padding settings on each call; two threads calling it at once
    # (the service counts tokens while a batch is generated) fail with "Already borrowed".
    threads: int | None = None  # for bind_thread; None: leave torch's count as it is
    _tokenizing: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _pieces: _Pieces | None = field(init=False, repr=False, compare=False)  # from the tokenizer

    def __post_init__(self) -> None:
        self._pieces = _Pieces.of(self.tokenizer)

    @property
    def label(self) -> str:
        return model_label(self)

    def bind_thread(self) -> None:
        """torch's intra-op thread count under OpenMP is the calling thread's own setting."""
        if self.threads:
            import torch

            torch.set_num_threads(self.threads)

    def count_tokens(self, text: str) -> int:
        """Token count of ``text`` as the model will see it, special tokens included."""
        # Without the ids' lookup and the long-input warning of tokenizer(): the same length.
        pieces = self._pieces
        # SentencePiece encodes from many threads at once (google/sentencepiece#657): no lock.
        if pieces is not None and not pieces.added.search(text):
            return len(pieces.encode(text)) + pieces.specials
        with self._tokenizing:
            if getattr(self.tokenizer, "is_fast", False):
                return len(self.tokenizer.backend_tokenizer.encode(text, add_special_tokens=True).ids)
            specials: int = self.tokenizer.num_special_tokens_to_add(pair=False)
            return len(self.tokenizer.tokenize(text)) + specials

    def generate(self, texts: list[str], settings: dict[str, Any], candidates: int = 1) -> list[Generated]:
        """Tokenize, generate() under inference_mode, decode; one Generated per text.

        A text over the budget makes the tokenizer warn ("longer than the specified maximum
        sequence length", which the tests listen for) and then fails loudly here, before
        indexing past the position table.
        """
        import torch
        from transformers import LogitsProcessorList

        with self._tokenizing:
            batch = self.tokenizer(texts, return_tensors="pt", padding=True, truncation=False)
        if batch["input_ids"].shape[1] > self.max_input_tokens:
            raise RuntimeError(
                f"internal error: a {self.role} input of {batch['input_ids'].shape[1]} tokens is over "
                f"the budget of {self.max_input_tokens}"
            )
        batch = {k: v.to(self.device) for k, v in batch.items()}
        config = copy.deepcopy(self.model.generation_config)
        config.update(**settings)
        max_new = config.max_new_tokens
        beams = config.num_beams or 1
        n = max(1, min(candidates, beams))  # hypotheses come from the beams
        config.return_dict_in_generate = True
        if n > 1:
            config.num_return_sequences, config.output_scores = n, True
        eos = _eos_ids(config)
        recorder = score_recorder(beams, len(eos))
        with torch.inference_mode():
            output = self.model.generate(
                **batch, generation_config=config, logits_processor=LogitsProcessorList([recorder])
            )
        hypotheses = self._hypotheses(output, eos, max_new, recorder, beams, n)
        return [_with_alternatives(hypotheses[i : i + n]) for i in range(0, len(hypotheses), n)]

    def _hypotheses(
        self, output: Any, eos: set[int], max_new: int | None, recorder: Any, beams: int, n: int
    ) -> list[Generated]:
        """generate()'s output as Generated, each with its length, cap, score and confidence."""
        sequences = output.sequences
        scores = output.sequences_scores.tolist() if n > 1 else [None] * len(sequences)
        with self._tokenizing:
            decoded = self.tokenizer.batch_decode(sequences, skip_special_tokens=True)
        rows = sequences.tolist()
        lengths = [next((i + 1 for i, t in enumerate(row[1:]) if t in eos), len(row) - 1) for row in rows]
        beam_indices = getattr(output, "beam_indices", None) if beams > 1 else None
        sure = confidences(recorder, sequences, beam_indices, lengths)
        return [
            Generated(
                text=text.strip(),
                new_tokens=length,
                hit_cap=max_new is not None and length >= max_new,
                score=score,
                confidence=confidence,
            )
            for text, length, score, confidence in zip(decoded, lengths, scores, sure)
        ]


def load(role: str, cfg: ModelConfig, source: str = "models.yaml", threads: int | None = None) -> HFModel:
    """Load ``cfg.model`` for ``role`` with transformers. Local directories are validated by
    ``load_model``, the entry point for every backend."""
    started = time.perf_counter()
    check_generation(role, cfg, source)
    # Imported here, not at module level, so that --help and config errors stay fast.
    import torch

    mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    device = resolve_device(
        cfg.device, device_key(role, cfg, source), cuda=torch.cuda.is_available(), mps=mps, runtime="torch"
    )
    # Never run code that came with a model; safetensors are preferred where a model has them
    # (transformers' default), and .bin weights go through torch's weights-only loader.
    kwargs: dict[str, Any] = {"trust_remote_code": False}
    if not cfg.is_local and cfg.revision:
        kwargs["revision"] = cfg.revision

    tokenizer, model = _from_pretrained(role, cfg, source, kwargs)
    if not getattr(model.config, "is_encoder_decoder", False):
        raise ModelLoadError(
            f"{role} model '{config_label(cfg)}' is a {type(model).__name__}, not an encoder-decoder "
            f"(Marian, BART, PEGASUS or T5 style) model"
        )
    model.to(device)
    model.eval()
    limit = input_limit(
        getattr(model.config, "max_position_embeddings", None), getattr(tokenizer, "model_max_length", None)
    )
    check_input_budget(role, cfg, source, limit)
    positions = getattr(model.config, "max_position_embeddings", None) or limit
    return HFModel(
        role=role,
        model_id=cfg.model,
        revision=cfg.revision,
        tokenizer=tokenizer,
        model=model,
        device=device,
        max_input_tokens=cfg.max_input_tokens or limit,
        max_positions=positions,
        load_seconds=time.perf_counter() - started,
        compute_type=str(getattr(model, "dtype", "float32")).removeprefix("torch."),
        threads=threads,
    )


_BARS = threading.Lock()


@contextlib.contextmanager
def _no_loading_bar() -> Iterator[None]:
    """transformers' "Loading weights" bar off while a model loads from what is on disk, the
    program's own setting put back after: a library prints nothing (the CLI announces loading its
    own way). A first download keeps its bars. transformers keeps the switch in one module-level
    flag, shared by the process: a program loading another model in another thread at the same
    moment loses that bar too. The public switch (disable_progress_bar) would turn the hub's
    download bars off and on as well, so the flag itself is set, where it exists."""
    from transformers.utils import logging as hf_logging

    if not hasattr(hf_logging, "_tqdm_active"):
        yield  # another transformers: its bar, as it is
        return
    with _BARS:
        shown = hf_logging._tqdm_active
        hf_logging._tqdm_active = False
        try:
            yield
        finally:
            hf_logging._tqdm_active = shown


def _from_pretrained(role: str, cfg: ModelConfig, source: str, kwargs: dict[str, Any]) -> tuple[Any, Any]:
    """The tokenizer and model: from the local cache first, else from the hub, with an error that
    names the model and the fix either way."""
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    def from_pretrained(local_only: bool) -> tuple[Any, Any]:
        tokenizer = AutoTokenizer.from_pretrained(cfg.model, local_files_only=local_only, **kwargs)
        model = AutoModelForSeq2SeqLM.from_pretrained(cfg.model, local_files_only=local_only, **kwargs)
        # Every call gives max_new_tokens (the stages always set it), which decides the length; a
        # model's own max_length beside it only makes transformers warn on every generate() call.
        model.generation_config.max_length = None
        return tokenizer, model

    try:
        with _no_loading_bar():
            tokenizer, model = from_pretrained(local_only=True)
    except Exception as cached_error:  # noqa: BLE001 - any failure here means "not usable locally"
        if cfg.is_local:
            raise ModelLoadError(
                f"cannot load {role} model from directory {cfg.model}: {first_line(cached_error)}. "
                f"Fix: point {role}.model in {source} at a directory written by save_pretrained()"
            ) from cached_error
        unreachable = hub_unreachable_reason()
        if unreachable:
            raise offline_error(role, cfg, source, unreachable) from cached_error
        try:
            # A first download is long: huggingface_hub shows its progress bars unless
            # HF_HUB_DISABLE_PROGRESS_BARS=1 (which the CLI sets when stderr is not a terminal).
            tokenizer, model = from_pretrained(local_only=False)
        except Exception as e:  # noqa: BLE001
            raise ModelLoadError(
                f"cannot load {role} model '{config_label(cfg)}' from the hub: {first_line(e)}. "
                f"Fix: check the id and revision in {source} ({role}.model, {role}.revision)"
            ) from e

    return tokenizer, model


def _with_alternatives(hypotheses: list[Generated]) -> Generated:
    """The best-scored hypothesis, carrying the others (best first) as its alternatives."""
    ranked = sorted(hypotheses, key=lambda h: -(h.score if h.score is not None else 0.0))
    return replace(ranked[0], alternatives=tuple(ranked[1:])) if len(ranked) > 1 else ranked[0]


def set_torch_threads(threads: int) -> None:
    """Cap torch's threads for the whole process; for the edge of a program (the CLI), not a library call."""
    import torch

    torch.set_num_threads(threads)


def check_generation(role: str, cfg: ModelConfig, source: str = "models.yaml") -> None:
    """The combinations of generate() settings only transformers' GenerationConfig knows to refuse,
    before any weights load; a ConfigError names the key. (models.yaml's checks of each key as data
    ran when the file loaded.)"""
    retry = getattr(cfg, "retry_settings", None)
    for key, settings in (("generation", cfg.generation), ("retry_generation", retry)):
        problem = generation_problem(settings) if settings else None
        if problem:
            raise ConfigError(f"{source}: {role}.{key}: {problem}")


def generation_problem(generation: Mapping[str, Any]) -> str | None:
    """What GenerationConfig rejects in ``generation`` (hard errors only), or None."""
    from transformers import GenerationConfig

    try:
        GenerationConfig(**generation).validate()  # type: ignore[no-untyped-call]  # transformers
    except (ValueError, TypeError) as e:
        return first_line(e)
    return None


def _eos_ids(config: Any) -> set[int]:
    eos = config.eos_token_id
    if eos is None:
        return set()
    return set(eos) if isinstance(eos, (list, tuple)) else {eos}
