"""Build TINY seq2seq models offline (random weights, tokenizers trained here) for tests and benchmarks.

They are saved with save_pretrained() and loaded back through the same models.yaml code path as
real models, so everything but the weights is exercised. Small max_position_embeddings make the
long-input logic (sentence pieces, summary windows) run on ordinary test texts; full-size shapes
give the benchmark real costs.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path
from typing import Any

ENGLISH_WORDS = (
    "the city government began testing electric buses in three main corridors on wednesday and the trial "
    "will last three months free for passengers mayor said residents want to move from private vehicles "
    "to clean public transport price of rice rose percent per kg according national food agency stock is "
    "safe market operation company director inflation bank will monitor food prices million tons aid"
).split()


# One layer each way, d_model 16: the smallest shape that still runs every code path.
TINY_SHAPE = dict(
    d_model=16,
    encoder_layers=1,
    decoder_layers=1,
    encoder_attention_heads=2,
    decoder_attention_heads=2,
    encoder_ffn_dim=32,
    decoder_ffn_dim=32,
)


def generated_lines(text: str, n: int = 400, seed: int = 0) -> tuple[list[str], list[str]]:
    """A few hundred Indonesian-like lines made of the words of ``text``, and English-like lines."""
    rng = random.Random(seed)
    words = re.findall(r"\S+", text)
    indonesian = [" ".join(rng.choice(words) for _ in range(rng.randint(4, 16))) for _ in range(n)]
    english = [
        " ".join(rng.choice(ENGLISH_WORDS) for _ in range(rng.randint(4, 16))).capitalize() + "."
        for _ in range(n)
    ]
    # Every character of the source texts appears at least once, so nothing maps to <unk> needlessly.
    indonesian.append(" ".join(sorted(set(text) - {"\n"})))
    return indonesian, english


def build_marian(
    out: Path,
    lines: list[str],
    max_positions: int = 64,
    seed: int = 0,
    shape: dict[str, Any] | None = None,
    vocab_size: int | None = None,
) -> Path:
    """A Marian model; ``shape``/``vocab_size`` give full-size architectures for the benchmark
    (the vocabulary is padded with unused entries up to ``vocab_size``)."""
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel, MarianTokenizer

    work = out.parent / f"{out.name}-spm"
    vocab = _train_marian_vocab(work, lines, vocab_size)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = MarianTokenizer(
        source_spm=str(work / "source.spm"),
        target_spm=str(work / "target.spm"),
        vocab=str(work / "vocab.json"),
        model_max_length=max_positions,
    )
    pad = vocab["<pad>"]
    config = MarianConfig(
        vocab_size=len(vocab),
        **(shape or TINY_SHAPE),
        max_position_embeddings=max_positions,
        pad_token_id=pad,
        eos_token_id=0,
        decoder_start_token_id=pad,
    )
    torch.manual_seed(seed)
    model = MarianMTModel(config)
    model.generation_config = GenerationConfig(  # type: ignore[no-untyped-call]
        decoder_start_token_id=pad,
        eos_token_id=0,
        pad_token_id=pad,
        bad_words_ids=[[pad]],
        num_beams=1,
        max_length=max_positions,
    )
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def _train_marian_vocab(work: Path, lines: list[str], vocab_size: int | None) -> dict[str, int]:
    """A SentencePiece model trained on ``lines`` (as source.spm and target.spm in ``work``) and
    Marian's vocab.json: </s> = 0, <unk> = 1, the pieces, then <pad> last (also the decoder start)."""
    import sentencepiece as spm

    work.mkdir(parents=True, exist_ok=True)
    (work / "corpus.txt").write_text("\n".join(lines), encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(work / "corpus.txt"),
        model_prefix=str(work / "m"),
        vocab_size=400,
        hard_vocab_limit=False,
        model_type="unigram",
        character_coverage=1.0,
        bos_id=-1,
        eos_id=-1,
        unk_id=0,
        pad_id=-1,
        minloglevel=2,
        num_threads=1,
    )
    processor = spm.SentencePieceProcessor(model_file=str(work / "m.model"))
    vocab = {"</s>": 0, "<unk>": 1}
    for i in range(processor.get_piece_size()):
        vocab.setdefault(processor.id_to_piece(i), len(vocab))
    while vocab_size is not None and len(vocab) < vocab_size - 1:
        vocab[f"<unused{len(vocab)}>"] = len(vocab)
    vocab["<pad>"] = len(vocab)
    (work / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    for name in ("source.spm", "target.spm"):
        shutil.copy(work / "m.model", work / name)
    return vocab


def build_bart(
    out: Path,
    lines: list[str],
    max_positions: int = 64,
    seed: int = 0,
    shape: dict[str, Any] | None = None,
    vocab_size: int | None = None,
) -> Path:
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import BartConfig, BartForConditionalGeneration, BartTokenizer, GenerationConfig

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        lines,
        vocab_size=600,
        min_frequency=1,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
        show_progress=False,
    )
    work = out.parent / f"{out.name}-bpe"
    work.mkdir(parents=True, exist_ok=True)
    bpe.save_model(str(work))
    vocab = json.loads((work / "vocab.json").read_text(encoding="utf-8"))
    while vocab_size is not None and len(vocab) < vocab_size:
        vocab[f"<unused{len(vocab)}>"] = len(vocab)
    merges: Any = [
        tuple(line.split())
        for line in (work / "merges.txt").read_text(encoding="utf-8").splitlines()[1:]
        if line
    ]
    # transformers 5: vocab=/merges= (the old vocab_file= is silently ignored).
    tokenizer = BartTokenizer(vocab=vocab, merges=merges, model_max_length=max_positions)
    config = BartConfig(
        vocab_size=len(vocab),
        **(shape or TINY_SHAPE),
        max_position_embeddings=max_positions,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
    )
    torch.manual_seed(seed)
    model = BartForConditionalGeneration(config)
    model.generation_config = GenerationConfig(  # type: ignore[no-untyped-call]
        decoder_start_token_id=2,
        bos_token_id=0,
        eos_token_id=2,
        pad_token_id=1,
        forced_bos_token_id=0,
        forced_eos_token_id=2,
        num_beams=1,
    )
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def tiny_config_text(
    marian: Path, bart: Path, translation_extra: str = "", summarization_extra: str = ""
) -> str:
    """A cheap models.yaml for the tiny models; extra lines are appended to each section.

    Random weights rarely emit the end token, so outputs are held short (8 new tokens) and a
    capped translation is not generated again (retry_generation: null): a test that needs the
    retry or longer outputs says so in its own config.
    """
    return (
        "translation:\n"
        f"  model: {marian}\n"
        "  batch_size: 8\n"
        "  device: cpu\n"
        "  backend: transformers\n"
        f"{'' if 'low_confidence' in translation_extra else '  low_confidence: null' + chr(10)}"
        f"{'' if 'retry_generation' in translation_extra else '  retry_generation: null' + chr(10)}"
        "  generation:\n"
        "    num_beams: 1\n"
        "    min_new_tokens: 2\n"
        "    max_new_tokens: 8\n"
        f"{translation_extra}"
        "summarization:\n"
        f"  model: {bart}\n"
        "  batch_size: 4\n"
        "  device: cpu\n"
        "  backend: transformers\n"
        "  generation:\n"
        "    num_beams: 1\n"
        "    min_new_tokens: 4\n"
        "    max_new_tokens: 8\n"
        f"{summarization_extra}"
        "cache: null\n"  # tests that count generate() calls must not be served from memory
    )


# A short news text for an end-to-end run where no test data is at hand (translator doctor).
SAMPLE_ID = (
    "Pemerintah Kota Bandung mulai menguji coba bus listrik di tiga koridor utama pada hari Rabu. "
    "Uji coba ini akan berlangsung selama tiga bulan dan gratis bagi penumpang.\n\n"
    "Wali kota mengatakan bahwa warga ingin beralih dari kendaraan pribadi ke transportasi umum yang "
    "bersih. Harga beras naik 2,5 persen menjadi Rp 14.500 per kilogram menurut Badan Pangan Nasional."
)


def build_tiny_setup(work: Path, backend: str = "transformers") -> Path:
    """Tiny Marian and BART models trained on SAMPLE_ID's words in ``work``, and a models.yaml for
    them (``backend`` for the translation model); returns the models.yaml path."""
    indonesian, english = generated_lines(SAMPLE_ID, n=200)
    marian, bart = build_marian(work / "marian", indonesian), build_bart(work / "bart", english)
    text = tiny_config_text(marian, bart).replace("  backend: transformers\n", f"  backend: {backend}\n", 1)
    path = work / "models.yaml"
    path.write_text(text, encoding="utf-8")
    return path
