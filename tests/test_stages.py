"""The stages against a fake Model: token budgets hold whatever backend is behind the protocol.

FakeModel (tests/fakes.py) counts a word as a token and fails any generate() call over its input
budget or its position table, so each test below also proves that no call broke the limits.
"""

from __future__ import annotations

import pytest

from translator import Pipeline, load_config
from translator.engine import Parts
from translator.engine.summarize import Summarizer, SummaryStage
from translator.engine.translate import Translator
from translator.models.base import Generated, Model
from translator.text.cleaning import model_text

from fakes import FakeModel


@pytest.fixture(scope="module")
def config():
    return load_config(None)  # the shipped models.yaml: settings only, no model is loaded


def fake_pipeline(config, translation: FakeModel, summary: SummaryStage | None = None) -> Pipeline:
    return Pipeline(
        Parts(
            config,
            Translator(translation, config.translation),
            summary or SummaryStage.disabled(config.summarization),
        )
    )


def test_the_fake_and_both_backends_implement_the_protocol(tiny_pipeline):
    from translator.models.ct2 import Ct2Model
    from translator.models.hf import HFModel

    assert isinstance(FakeModel(), Model)
    assert isinstance(tiny_pipeline.translator.model, HFModel) and isinstance(
        tiny_pipeline.translator.model, Model
    )
    assert {"count_tokens", "generate", "label"} <= set(dir(Ct2Model))


def test_the_token_budget_is_measured_on_what_the_model_sees(config):
    # Control characters are not spaces to the raw text, but model_text turns them into spaces:
    # measured raw, this sentence is 2 tokens; the model would see 31.
    sentence = "Harga" + "\x07beras" * 30 + "."
    fake = FakeModel(max_input_tokens=8)
    assert fake.count_tokens(sentence) <= 8 < fake.count_tokens(model_text(sentence))
    result = fake_pipeline(config, fake)(sentence, summarize=False)
    assert len(result.segments) == 1 and result.segments[0].pieces > 1
    assert result.segments[0].source == sentence
    assert fake.calls  # and FakeModel.generate refused any input over 8 tokens


def test_long_sentences_are_cut_to_the_budget_and_joined(config):
    long = "Kata " + " ".join(["kata"] * 30) + "; " + " ".join(["lain"] * 10) + "."
    fake = FakeModel(max_input_tokens=16)
    result = fake_pipeline(config, fake)(f"Harga naik. {long}", summarize=False)
    assert [s.pieces for s in result.segments] == [1, 3]
    assert len(result.segments[1].translation.split()) == 41  # every word translated, none lost
    assert [f.kind for f in result.segments[1].flags].count("split") == 1
    assert all(len(texts) <= config.translation.batch_size for texts, _ in fake.calls)


def test_a_flag_on_several_pieces_of_one_sentence_is_shown_once_naming_them(config):
    long = "Kata " + " ".join(["kata"] * 30) + "; " + " ".join(["lain"] * 10) + "."
    capped = lambda text, settings: Generated("en " * 3, 4, True)  # noqa: E731 - every piece hits the cap
    no_retry = config.model_copy(
        update={
            "translation": config.translation.model_copy(update={"retry_generation": None, "candidates": 1})
        }
    )
    result = fake_pipeline(no_retry, FakeModel(max_input_tokens=16, respond=capped))(long, summarize=False)
    [segment] = result.segments
    caps = [f for f in segment.flags if f.kind == "length_cap"]
    assert segment.pieces == 3 and len(caps) == 1
    assert caps[0].message.endswith("(pieces 1, 2, 3 of 3)")
    assert [str(w) for w in result.warnings].count(str(caps[0])) == 1


def test_every_call_keeps_max_new_tokens_inside_the_position_table(config):
    fake = FakeModel(max_input_tokens=16, max_positions=12)
    fake_pipeline(config, fake)("Harga beras di pasar naik lagi minggu ini kata pedagang.", summarize=False)
    assert fake.calls and all(settings["max_new_tokens"] <= 11 for _, settings in fake.calls)


def test_a_capped_translation_is_retried_with_the_retry_settings(config):
    def respond(text, settings):
        if settings.get("repetition_penalty", 1.0) > 1.0:
            return Generated("Rice prices rose.", 4, False)
        return Generated("rice rice rice rice rice rice", settings["max_new_tokens"], True)

    fake = FakeModel(respond=respond)
    segment = fake_pipeline(config, fake)("Harga beras naik.", summarize=False).segments[0]
    assert segment.translation == "Rice prices rose."
    assert [f.kind for f in segment.flags] == ["retried"]
    assert len(fake.calls) == 2


def test_summaries_of_any_length_stay_inside_the_window(config):
    fake = FakeModel(role="summarization", max_input_tokens=16, max_positions=32)
    sentences = [f"Sentence number {i} says something about buses." for i in range(30)]
    summary = Summarizer(fake, config.summarization).summarize(sentences)
    assert summary.chunks > 1 and summary.rounds >= 2
    assert summary.text


@pytest.mark.parametrize(
    "fallback, method, kinds",
    [("extractive", "extractive", ["empty", "summary"]), ("none", "abstractive", ["empty"])],
)
def test_an_empty_summary_falls_back_only_when_configured(config, fallback, method, kinds):
    cfg = config.summarization.model_copy(update={"fallback": fallback})
    fake = FakeModel(
        role="summarization", max_input_tokens=64, respond=lambda text, settings: Generated("", 1, False)
    )
    stage = SummaryStage(cfg, Summarizer(fake, cfg), "abstractive")
    summary = stage.summarize(["Buses run on three corridors.", "The buses are electric."])
    assert summary.method == method
    assert [w.kind for w in summary.warnings] == kinds
    assert bool(summary.text) == (fallback == "extractive")


def test_the_signature_is_built_from_each_models_label(config):
    fake = FakeModel(model_id="org/mt", revision="abc123", max_input_tokens=16)
    pipeline = fake_pipeline(config, fake)
    assert "|mt:org/mt@abc123|max_in:16|backend:transformers|beams:4|candidates:4|mt_settings:" in (
        pipeline.signature(summarize=False)
    )


# ---- candidates: the choice rules, pinned with a stub backend's fixed candidate lists -----------

SOURCE = "Harga beras naik 2,5 persen di pasar."
CLEAN = Generated("Rice prices rose 2.5 percent at the market.", 9, False, score=-0.4)
NO_NUMBER = Generated("Rice prices rose at the market.", 7, False, score=-0.2)
LOOP = Generated("rice rice rice rice rice rice", 6, False, score=-0.3)


def reranking_pipeline(config, candidates: list[Generated], how_many: int = 4):
    fake = FakeModel(max_input_tokens=32, respond=lambda text, settings: candidates)
    cfg = config.translation.model_copy(update={"candidates": how_many, "generation": {"num_beams": 4}})
    return Pipeline(
        Parts(
            config.model_copy(update={"translation": cfg}),
            Translator(fake, cfg),
            SummaryStage.disabled(config.summarization),
        )
    )


def test_the_top_candidate_is_kept_when_it_is_clean(config):
    segment = reranking_pipeline(config, [CLEAN, NO_NUMBER])(SOURCE, summarize=False).segments[0]
    assert segment.translation == CLEAN.text and not segment.flags


def test_the_second_candidate_is_taken_when_the_top_drops_a_number(config):
    segment = reranking_pipeline(config, [NO_NUMBER, CLEAN])(SOURCE, summarize=False).segments[0]
    assert segment.translation == CLEAN.text
    assert [(f.kind, f.detail) for f in segment.flags] == [("reranked", "number_missing")]
    assert "candidate 2 of 2" in segment.flags[0].message


def test_the_first_clean_candidate_wins_over_later_ones(config):
    later = Generated("Rice prices went up 2.5 percent at the market.", 10, False, score=-0.9)
    segment = reranking_pipeline(config, [NO_NUMBER, LOOP, CLEAN, later])(SOURCE, summarize=False).segments[0]
    assert segment.translation == CLEAN.text and "candidate 3 of 4" in segment.flags[0].message


def test_with_nothing_clean_the_top_is_kept_with_its_flags(config):
    segment = reranking_pipeline(config, [NO_NUMBER, LOOP])(SOURCE, summarize=False).segments[0]
    assert segment.translation == NO_NUMBER.text
    assert [f.kind for f in segment.flags] == ["number_missing"]


def test_one_candidate_turns_the_choice_off(config):
    segment = reranking_pipeline(config, [NO_NUMBER, CLEAN], how_many=1)(SOURCE, summarize=False).segments[0]
    assert segment.translation == NO_NUMBER.text and [f.kind for f in segment.flags] == ["number_missing"]


def test_a_retry_at_the_cap_chooses_among_its_candidates_too(config):
    def respond(text, settings):
        if settings.get("repetition_penalty", 1.0) > 1.0:  # the retry
            return [NO_NUMBER, CLEAN]
        return [Generated("rice rice rice rice", settings["max_new_tokens"], True, score=-0.1)]

    fake = FakeModel(max_input_tokens=32, respond=respond)
    cfg = config.translation.model_copy(update={"generation": {"num_beams": 4}})
    pipeline = Pipeline(
        Parts(
            config.model_copy(update={"translation": cfg}),
            Translator(fake, cfg),
            SummaryStage.disabled(config.summarization),
        )
    )
    segment = pipeline(SOURCE, summarize=False).segments[0]
    assert segment.translation == CLEAN.text
    assert [f.kind for f in segment.flags] == ["retried", "reranked"]


def test_a_very_long_text_is_summarised_from_windows_spread_through_it(config):
    fake = FakeModel(role="summarization", max_input_tokens=16, max_positions=32)
    sentences = [f"Sentence number {i} says something about buses." for i in range(60)]  # 2 a window
    summary = Summarizer(fake, config.summarization.model_copy(update={"max_windows": 4})).summarize(
        sentences
    )
    seen = " ".join(text for texts, _ in fake.calls for text in texts)
    assert summary.chunks == 30, "summary_chunks counts the whole text's windows"
    flag = next(f for f in summary.warnings if f.kind == "summary")
    assert flag.detail == "4/30" and "spread evenly" in flag.message
    for kept in (0, 1, 20, 39, 58, 59):  # windows 0, 10, 19 and 29: the first, the last, between
        assert f"number {kept} says" in seen
    assert "number 10 says" not in seen and "number 50 says" not in seen
    uncapped = FakeModel(role="summarization", max_input_tokens=16, max_positions=32)
    whole = Summarizer(uncapped, config.summarization.model_copy(update={"max_windows": None})).summarize(
        sentences
    )
    assert not [f for f in whole.warnings if f.kind == "summary"] and whole.chunks == 30
    assert "number 10 says" in " ".join(t for texts, _ in uncapped.calls for t in texts)
