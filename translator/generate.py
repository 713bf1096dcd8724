"""The one forward step both stages share: tokenize, generate() under inference_mode, decode."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from .loading import LoadedModel, quiet_transformers


@dataclass(frozen=True)
class Generated:
    """One decoded output, and whether generation stopped at the token cap rather than at EOS."""

    text: str
    new_tokens: int
    hit_cap: bool
    retried: bool = False  # generated a second time with the retry settings


def generate(loaded: LoadedModel, texts: list[str], settings: dict[str, Any]) -> list[Generated]:
    """Run one batch. ``settings`` are generate() arguments layered on the model's own config.

    The caller guarantees every text fits ``loaded.max_input_tokens``. Nothing is truncated: a
    broken guarantee makes the tokenizer warn ("longer than the specified maximum sequence
    length", which the tests listen for) and then fails loudly here, before indexing past the table.
    """
    if loaded.backend == "ctranslate2":
        from . import ct2

        return ct2.generate(loaded, texts, settings)
    import torch

    tokenizer, model = loaded.tokenizer, loaded.model
    batch = tokenizer(texts, return_tensors="pt", padding=True, truncation=False)
    if batch["input_ids"].shape[1] > loaded.max_input_tokens:
        raise RuntimeError(
            f"internal error: a {loaded.role} input of {batch['input_ids'].shape[1]} tokens is over "
            f"the budget of {loaded.max_input_tokens}"
        )
    batch = {k: v.to(loaded.device) for k, v in batch.items()}
    config = copy.deepcopy(model.generation_config)
    config.update(**settings)
    max_new = config.max_new_tokens
    with torch.inference_mode(), quiet_transformers():
        output = model.generate(**batch, generation_config=config)
    eos = _eos_ids(config)
    decoded = tokenizer.batch_decode(output, skip_special_tokens=True)
    results = []
    for row, text in zip(output.tolist(), decoded):
        new = row[1:]  # position 0 is the decoder start token
        length = next((i + 1 for i, token in enumerate(new) if token in eos), len(new))
        results.append(Generated(text=text.strip(), new_tokens=length, hit_cap=max_new is not None and length >= max_new))
    return results


def cap_new_tokens(loaded: LoadedModel, wanted: int) -> int:
    """Bound ``max_new_tokens`` by the decoder's position table (one position is the start token)."""
    return max(1, min(wanted, loaded.max_positions - 1))


def _eos_ids(config: Any) -> set[int]:
    eos = config.eos_token_id
    if eos is None:
        return set()
    return set(eos) if isinstance(eos, (list, tuple)) else {eos}
