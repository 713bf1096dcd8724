"""How sure the model was of an output: the geometric mean of the probabilities of the tokens it
chose, exp(mean log-probability), in [0, 1]. A sentence whose every token the model all but knew
scores near 1; one it pieced together from unlikely tokens scores low.

The probabilities are the ones generation itself used (after its logits processors: a repetition
penalty, the minimum length), over every generated token, the end token included. For transformers
they are read during generate() by a logits processor that keeps, per step and per beam, only the
few best log-probabilities (the chosen token is always among them), and traced back along the beam
afterwards: no copy of the vocabulary-sized scores is kept (``output_scores`` would keep one per
step). CTranslate2 returns the hypothesis' score itself.
"""

from __future__ import annotations

import math
from typing import Any


def score_recorder(num_beams: int, n_eos: int) -> Any:
    """A LogitsProcessor that records what ``confidences`` needs, and changes nothing."""
    import torch
    from transformers import LogitsProcessor

    # Beam search keeps the best max(2, 1 + n_eos) * num_beams continuations of a batch item; a
    # token chosen from a beam is therefore among that beam's best as many (transformers' rule).
    keep = max(2, 1 + n_eos) * num_beams

    class Recorder(LogitsProcessor):
        def __init__(self) -> None:
            self.steps: list[Any] = []

        def __call__(self, input_ids: Any, scores: Any) -> Any:
            with torch.no_grad():
                if num_beams > 1:  # beam search passes log-probabilities already
                    values, indices = scores.topk(min(keep, scores.shape[-1]), dim=-1)
                    self.steps.append((values.float(), indices))
                else:  # greedy passes logits and takes the largest
                    self.steps.append(torch.log_softmax(scores.float(), dim=-1).max(dim=-1).values)
            return scores

    return Recorder()


def confidences(recorder: Any, sequences: Any, beam_indices: Any, lengths: list[int]) -> list[float | None]:
    """Each returned sequence's confidence; ``lengths`` counts its generated tokens (end included),
    ``sequences`` start with the decoder's start token, ``beam_indices`` is None for greedy search."""
    import torch

    steps = recorder.steps
    if not steps:
        return [None] * len(lengths)
    if beam_indices is None:
        chosen = torch.stack(steps, dim=1)  # (rows, steps): greedy's row is the sequence
        totals = [chosen[r, : max(1, n)].sum().item() for r, n in enumerate(lengths)]
        return [_mean_probability(t, max(1, min(n, chosen.shape[1]))) for t, n in zip(totals, lengths)]
    count = min(len(steps), beam_indices.shape[1])
    values = torch.stack([v for v, _ in steps[:count]])  # (steps, rows, keep)
    indices = torch.stack([i for _, i in steps[:count]])
    rows = beam_indices[:, :count]
    valid = rows >= 0
    at = torch.arange(count).expand_as(rows)
    candidates, candidate_ids = values[at, rows.clamp(min=0)], indices[at, rows.clamp(min=0)]
    hit = candidate_ids == sequences[:, 1 : 1 + count].unsqueeze(-1)
    found = hit.any(-1) & valid
    picked = torch.where(hit, candidates, torch.zeros_like(candidates)).sum(-1)
    totals = torch.where(found, picked, torch.zeros_like(picked)).sum(-1).tolist()
    counted = found.sum(-1).tolist()
    return [_mean_probability(t, n) if n else None for t, n in zip(totals, counted)]


def from_ct2_score(score: float | None, tokens: int, length_penalty: float) -> float | None:
    """A CTranslate2 hypothesis' confidence from its score, the summed log-probability divided by
    length ** length_penalty (greedy and beam search alike; checked against its score_batch)."""
    if tokens <= 0 or score is None:
        return None
    return _mean_probability(score * tokens**length_penalty, tokens)


def _mean_probability(total_log_probability: float, tokens: int) -> float | None:
    if not math.isfinite(total_log_probability):
        return 0.0
    return min(1.0, max(0.0, math.exp(total_log_probability / tokens)))
