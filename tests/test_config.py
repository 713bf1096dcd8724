from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from translator.config import Config, default_config_path, load_config
from translator.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent

VALID = """
translation:
  model: Helsinki-NLP/opus-mt-id-en
summarization:
  model: sshleifer/distilbart-cnn-12-6
  revision: a4f8f3e
"""


def write(tmp_path: Path, text: str, name: str = "models.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    return info.value.problems


def test_repo_models_yaml_is_the_default_and_valid():
    assert default_config_path().read_text(encoding="utf-8") == (ROOT / "models.yaml").read_text(
        encoding="utf-8"
    )
    config = load_config(None)
    assert config.translation.model == "Helsinki-NLP/opus-mt-id-en"
    assert config.summarization.model == "sshleifer/distilbart-cnn-12-6"
    assert config.translation.generation["num_beams"] == 4


def test_defaults_fill_optional_keys(tmp_path):
    config = load_config(write(tmp_path, VALID))
    assert config.translation.revision is None
    assert config.translation.max_input_tokens is None
    assert config.translation.device == "auto"
    assert config.summarization.revision == "a4f8f3e"
    assert config.translation.generation == {}


def test_generation_passes_through_untouched(tmp_path):
    text = VALID.replace(
        "  model: Helsinki-NLP/opus-mt-id-en\n",
        "  model: Helsinki-NLP/opus-mt-id-en\n  generation:\n    min_new_tokens: 3\n    max_new_tokens: 40\n"
        "    num_beams: 5\n    no_repeat_ngram_size: 3\n    length_penalty: 1.5\n",
    )
    generation = load_config(write(tmp_path, text)).translation.generation
    assert generation == {
        "min_new_tokens": 3,
        "max_new_tokens": 40,
        "num_beams": 5,
        "no_repeat_ngram_size": 3,
        "length_penalty": 1.5,
    }


def test_config_is_frozen(tmp_path):
    config = load_config(write(tmp_path, VALID))
    with pytest.raises(ValueError, match="frozen"):
        config.translation.model = "other"  # type: ignore[misc]
    with pytest.raises(ValueError, match="frozen"):
        config.threads = 3  # type: ignore[misc]


def test_settings_the_program_sets_as_it_runs_are_not_keys_of_the_file(tmp_path):
    """Config's stages carry a few fields the program sets (the service's threads per stage, who
    chose the device); the file may not write them, and the published schema does not offer them."""
    from translator.config.schema import json_schema

    text = VALID.replace(
        "  model: Helsinki-NLP/opus-mt-id-en\n", "  model: Helsinki-NLP/opus-mt-id-en\n  workers: 2\n"
    )
    text += "  device_set_by: --device\n"
    found = problems(tmp_path, text)
    assert [p.split(": ")[1] for p in found] == ["translation.workers", "summarization.device_set_by"]
    assert all("unknown key" in p and "workers" not in p.split("unknown key")[1] for p in found)
    sections = json_schema()["$defs"]
    for section in ("TranslationConfig", "SummarizationConfig"):
        assert not {"threads", "workers", "device_set_by"} & set(sections[section]["properties"])
    runs = load_config(write(tmp_path, VALID)).with_changes(
        {"translation": {"threads": 1, "workers": 3}, "summarization": {"threads": 2, "workers": 4}}
    )
    assert (runs.translation.threads, runs.translation.workers) == (1, 3)
    assert (runs.summarization.threads, runs.summarization.workers) == (2, 4)


def test_unknown_generation_key_suggests_the_right_one(tmp_path):
    text = VALID + "  generation:\n    num_beam: 4\n"
    assert problems(tmp_path, text) == [
        f"{tmp_path / 'models.yaml'}: summarization.generation.num_beam: unknown key (did you mean "
        "num_beams?)"
    ]


def test_every_problem_is_reported_at_once(tmp_path):
    text = """
translation:
  model: Helsinki-NLP/opus-mt-id-en
  max_input_tokens: -3
  device: gpu
  batch_size: 0
  modle: x
summarization:
  model: sshleifer/distilbart-cnn-12-6
  generation:
    num_beams: 0
    temprature: 0.5
    num_return_sequences: 2
extra: 1
"""
    found = problems(tmp_path, text)
    keys = [p.split(": ")[1] for p in found]
    assert sorted(keys) == sorted(
        [
            "extra",
            "translation.modle",
            "translation.max_input_tokens",
            "translation.batch_size",
            "translation.device",
            "summarization.generation.num_beams",
            "summarization.generation.temprature",
            "summarization.generation.num_return_sequences",
        ]
    )
    joined = "\n".join(found)
    assert "must be one of auto, cpu, cuda, mps, got 'gpu'" in joined
    assert "did you mean temperature?" in joined
    assert "did you mean model?" in joined


def test_missing_sections_and_model(tmp_path):
    found = problems(tmp_path, "translation:\n  revision: main\n")
    assert any("translation.model: missing" in p for p in found)
    assert any("summarization: missing section" in p for p in found)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "must be a mapping"),
        ("- a\n- b\n", "must be a mapping"),
        ("translation: [\n", "not valid YAML: line"),
        (
            "translation:\n  model: a/b\ntranslation:\n  model: c/d\nsummarization:\n  model: e/f\n",
            "duplicate key 'translation'",
        ),
        ("translation: 3\nsummarization:\n  model: e/f\n", "translation: must be a mapping"),
        (
            "translation:\n  model: 'not a hub id!'\nsummarization:\n  model: e/f\n",
            "neither an existing directory nor a hub id",
        ),
        (
            "translation:\n  model: ./no/such/dir\nsummarization:\n  model: e/f\n",
            "local model directory './no/such/dir' not found",
        ),
    ],
    ids=["empty", "list", "bad-yaml", "duplicate-key", "section-not-mapping", "bad-hub-id", "missing-dir"],
)
def test_malformed_files(tmp_path, text, fragment):
    assert any(fragment in p for p in problems(tmp_path, text))


def test_relative_model_directory_resolves_against_the_config_file(tmp_path):
    (tmp_path / "models" / "mt").mkdir(parents=True)
    config = load_config(write(tmp_path, VALID.replace("Helsinki-NLP/opus-mt-id-en", "models/mt")))
    assert config.translation.model == str((tmp_path / "models" / "mt").resolve())
    assert config.translation.is_local
    assert not config.summarization.is_local


def test_missing_file_and_passthrough(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")
    config = load_config(write(tmp_path, VALID))
    assert load_config(config) is config
    assert isinstance(config, Config)


def test_installed_package_finds_the_same_defaults(tmp_path):
    """Run from elsewhere, so that the installed translator (not this checkout) answers."""
    code = "from translator.config import default_config_path as d; print(d())"
    found = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    installed = Path(found.stdout.strip())
    assert installed.read_text(encoding="utf-8") == (ROOT / "models.yaml").read_text(encoding="utf-8")


def test_summary_and_retry_settings_are_read(tmp_path):
    text = (
        VALID + "  method: abstractive\n  fallback: extractive\n  max_words: 60\n  ratio: 0.2\n  "
        "include_boilerplate: true\n"
    )
    text = text.replace(
        "  model: Helsinki-NLP/opus-mt-id-en\n",
        "  model: Helsinki-NLP/opus-mt-id-en\n  generation:\n    num_beams: 2\n  retry_generation:\n    "
        "num_beams: 6\n",
    )
    config = load_config(write(tmp_path, text))
    summary = config.summarization
    assert (
        summary.method,
        summary.fallback,
        summary.max_words,
        summary.ratio,
        summary.include_boilerplate,
    ) == (
        "abstractive",
        "extractive",
        60,
        0.2,
        True,
    )
    assert config.translation.retry_generation == {"num_beams": 6}


def test_defaults_for_summary_and_retry(tmp_path):
    config = load_config(write(tmp_path, VALID))
    assert (
        config.summarization.method,
        config.summarization.fallback,
        config.summarization.include_boilerplate,
    ) == (
        "abstractive",
        "none",
        False,
    )
    assert config.translation.retry_generation == {
        "no_repeat_ngram_size": 3,
        "num_beams": 4,
        "repetition_penalty": 1.2,
    }


def test_extractive_summaries_need_no_model(tmp_path):
    text = "translation:\n  model: Helsinki-NLP/opus-mt-id-en\nsummarization:\n  method: extractive\n"
    config = load_config(write(tmp_path, text))
    assert config.summarization.method == "extractive" and not config.summarization.needs_model


def test_bad_summary_and_retry_settings_are_all_reported(tmp_path):
    text = (
        VALID + "  method: magic\n  fallback: yes\n  max_words: 0\n  ratio: 2\n  include_boilerplate: maybe\n"
    )
    text = text.replace(
        "  model: Helsinki-NLP/opus-mt-id-en\n",
        "  model: Helsinki-NLP/opus-mt-id-en\n  retry_generation:\n    num_beamz: 4\n",
    )
    found = [p.split("/models.yaml: ", 1)[1] for p in problems(tmp_path, text)]
    assert found == [
        "translation.retry_generation.num_beamz: unknown key (did you mean num_beams?)",
        "summarization.method: must be one of abstractive, extractive, got 'magic'",
        "summarization.fallback: must be one of none, extractive, got True",
        "summarization.max_words: must be an integer >= 1 (or null), got 0",
        "summarization.ratio: must be a number in (0, 1] (or null), got 2",
        "summarization.include_boilerplate: must be true or false, got 'maybe'",
    ]


def test_retry_keys_belong_to_translation_only(tmp_path):
    found = [p.split("/models.yaml: ", 1)[1] for p in problems(tmp_path, VALID + "  retry_generation: {}\n")]
    assert found == ["summarization.retry_generation: unknown key (did you mean generation?)"]


PROFILES = (
    VALID
    + """
threads: 2
profiles:
  fast:
    translation:
      generation:
        num_beams: 1
    summarization:
      method: extractive
  quality:
    summarization:
      model: facebook/bart-large-cnn
      revision: null
"""
)


def test_profiles_override_the_sections_key_by_key(tmp_path):
    path = write(
        tmp_path,
        PROFILES.replace(
            "  model: Helsinki-NLP/opus-mt-id-en\n",
            "  model: Helsinki-NLP/opus-mt-id-en\n  generation:\n    num_beams: 4\n    no_repeat_ngram_size: "
            "4\n",
        ),
    )
    default, fast, quality = (load_config(path, profile=p) for p in (None, "fast", "quality"))
    assert default.profile == "default" and default.profiles == ("default", "fast", "quality")
    assert default.translation.generation == {"num_beams": 4, "no_repeat_ngram_size": 4}
    assert fast.translation.generation == {"num_beams": 1, "no_repeat_ngram_size": 4}
    assert (
        fast.summarization.method == "extractive"
        and fast.summarization.model == "sshleifer/distilbart-cnn-12-6"
    )
    assert (quality.summarization.model, quality.summarization.revision) == ("facebook/bart-large-cnn", None)
    assert quality.translation == default.translation
    assert default.threads == 2


def test_an_unknown_profile_names_the_known_ones(tmp_path):
    with pytest.raises(ConfigError, match=r"no profile 'fastest' \(profiles: default, fast, quality\)"):
        load_config(write(tmp_path, PROFILES), profile="fastest")


def test_a_broken_profile_is_reported_at_load_even_when_not_chosen(tmp_path):
    text = PROFILES.replace("        num_beams: 1\n", "        num_beams: 0\n")
    found = [p.split("/models.yaml: ", 1)[1] for p in problems(tmp_path, text)]
    assert found == ["profiles.fast.translation.generation.num_beams: must be an integer >= 1, got 0"]


def test_profile_sections_and_threads_are_checked(tmp_path):
    text = VALID + "threads: 0\nprofiles:\n  fast:\n    translate:\n      device: cpu\n"
    found = [p.split("/models.yaml: ", 1)[1] for p in problems(tmp_path, text)]
    assert found == [
        "threads: must be an integer >= 1 (or null for all cores), got 0",
        "profiles.fast.translate: unknown key (did you mean translation?)",
    ]


def test_a_top_level_key_the_stages_also_set_as_they_run_is_still_a_key_of_the_file(tmp_path):
    """threads is a key at the top and a field the service sets on each stage: only the second is
    refused in the file, and a misspelt top-level key is told the first."""
    assert load_config(write(tmp_path, VALID + "threads: 2\n")).threads == 2
    found = [p.split("/models.yaml: ", 1)[1] for p in problems(tmp_path, VALID + "thread: 2\n")]
    assert found == ["thread: unknown key (did you mean threads?)"]
    found = [p.split("/models.yaml: ", 1)[1] for p in problems(tmp_path, VALID + "zzz: 1\n")]
    assert found[0].startswith("zzz: unknown key (valid keys: translation, summarization, threads, ")


def test_the_shipped_models_yaml_has_default_fast_and_quality():
    config = load_config(None, profile="fast")
    assert {"default", "fast", "quality"} <= set(config.profiles)
    assert config.translation.generation["num_beams"] == 1


def test_the_command_lines_overrides_apply_to_both_stages_and_are_named_by_option(tmp_path):
    import argparse

    from translator.cli.common import load_config as load_with_options

    def options(**given):
        return argparse.Namespace(**{"config": str(write(tmp_path, VALID)), **given})

    config = load_with_options(options(device="cpu", beams=2, threads=3))
    assert config.translation.device == config.summarization.device == "cpu"
    assert config.translation.device_set_by == "--device"
    assert config.translation.generation["num_beams"] == config.summarization.generation["num_beams"] == 2
    assert config.threads == 3
    with pytest.raises(ConfigError) as info:  # argparse refuses these first; the names hold below it too
        load_with_options(options(device="tpu", summary_ratio=1.5, summary_words=None))
    assert info.value.problems == [
        "--device must be one of auto, cpu, cuda, mps, got 'tpu'",
        "--summary-ratio must be a number in (0, 1] (or null), got 1.5",
    ]


def test_changes_to_a_loaded_config_are_checked_as_the_file_is(tmp_path):
    config = load_config(write(tmp_path, VALID))
    changed = config.with_changes({"threads": 2, "translation": {"batch_size": 8}})
    assert (changed.threads, changed.translation.batch_size, config.translation.batch_size) == (2, 8, 16)
    with pytest.raises(ConfigError) as info:
        config.with_changes(
            {"thread": 2, "translation": {"device": "tpu"}, "summarization": {"generation": {"top_p": 2}}}
        )
    assert info.value.problems == [
        "thread: unknown key (did you mean threads?)",
        "translation.device: must be one of auto, cpu, cuda, mps, got 'tpu'",
        "summarization.generation.top_p: must be a number in (0, 1], got 2",
    ]
    extractive = config.with_changes({"summarization": {"method": "extractive", "model": ""}})
    with pytest.raises(
        ConfigError, match=r"summarization.model: missing in .*models.yaml; the abstractive method needs one"
    ):
        extractive.with_changes({"summarization": {"method": "abstractive"}})


def test_an_unknown_section_key_lists_the_valid_ones(tmp_path):
    found = [p.split("/models.yaml: ", 1)[1] for p in problems(tmp_path, VALID + "  zzz: 1\n")]
    assert found == [
        "summarization.zzz: unknown key (valid keys: model, revision, max_input_tokens, batch_size, "
        "max_batch_tokens, device, backend, "
        "compute_type, generation, method, fallback, max_words, ratio, include_boilerplate, max_windows)"
    ]


def test_backend_and_compute_type_are_checked(tmp_path):
    text = VALID.replace(
        "  model: Helsinki-NLP/opus-mt-id-en\n",
        "  model: Helsinki-NLP/opus-mt-id-en\n  backend: onnx\n  compute_type: int4\n",
    )
    found = [p.split("/models.yaml: ", 1)[1] for p in problems(tmp_path, text)]
    assert found == [
        "translation.backend: must be one of auto, transformers, ctranslate2, got 'onnx'",
        "translation.compute_type: must be one of auto, int8, int8_float32, int8_float16, int8_bfloat16, "
        "float32, float16, bfloat16, got 'int4'",
    ]


def test_the_shipped_generation_keys_match_the_installed_transformers():
    from transformers import GenerationConfig

    from translator.config._checks import generation_keys as _generation_keys

    installed = sorted(
        k for k in vars(GenerationConfig()) if not k.startswith("_") and k != "transformers_version"
    )
    assert list(_generation_keys()) == installed, "regenerate translator/data/generation_keys.txt"


def _write(path: Path, model: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"translation:\n  model: {model}\nsummarization:\n  method: extractive\n", encoding="utf-8"
    )
    return path


def test_one_rule_finds_the_config(tmp_path, monkeypatch):
    """--config, then TRANSLATOR_CONFIG, then ./models.yaml, then the user config directory, then
    the packaged default; the Config says which file it read and why."""
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("TRANSLATOR_CONFIG", raising=False)
    assert load_config(None).found_by == "the packaged default"
    assert load_config(None).source == str(default_config_path())
    user = _write(tmp_path / "xdg" / "translator" / "models.yaml", "org/user-model")
    assert (load_config(None).translation.model, load_config(None).source) == ("org/user-model", str(user))
    _write(tmp_path / "work" / "models.yaml", "org/cwd-model")
    assert (
        load_config(None).translation.model == "org/cwd-model"
        and load_config(None).found_by == "the working directory"
    )
    env = _write(tmp_path / "env.yaml", "org/env-model")
    monkeypatch.setenv("TRANSLATOR_CONFIG", str(env))
    assert (
        load_config(None).translation.model == "org/env-model"
        and load_config(None).found_by == "TRANSLATOR_CONFIG"
    )
    given = _write(tmp_path / "given.yaml", "org/given-model")
    assert (
        load_config(given).translation.model == "org/given-model"
        and load_config(given).found_by == "--config"
    )


def test_models_list_and_errors_name_the_file_in_use(tmp_path, monkeypatch):
    from helpers import cli

    monkeypatch.delenv("TRANSLATOR_CONFIG", raising=False)
    _write(tmp_path / "models.yaml", "org/cwd-model")
    listed = cli("models", "list", cwd=tmp_path)
    assert listed.returncode == 0
    assert "config: models.yaml (from the working directory)" in listed.stdout.decode()
    assert "org/cwd-model" in listed.stdout.decode()
    (tmp_path / "models.yaml").write_text(
        "translation:\n  model: org/x\n  num_beams: 3\nsummarization:\n  method: extractive\n",
        encoding="utf-8",
    )
    broken = cli("models", "list", cwd=tmp_path)
    assert (
        broken.returncode == 2 and "models.yaml: translation.num_beams: unknown key" in broken.stderr.decode()
    )


def test_a_hub_revision_on_a_local_directory_is_a_config_error(tmp_path):
    (tmp_path / "my-model").mkdir()
    path = tmp_path / "models.yaml"
    path.write_text(
        "translation:\n  model: ./my-model\n  revision: a4f8f3e\nsummarization:\n  method: extractive\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ConfigError,
        match=r"translation.revision: 'a4f8f3e' is a hub revision, but model is the local directory "
        r".*my-model; set revision: null",
    ):
        load_config(path)
    path.write_text(
        "translation:\n  model: ./my-model\n  revision: null\nsummarization:\n  method: extractive\n",
        encoding="utf-8",
    )
    assert load_config(path).translation.revision is None


def test_the_published_json_schema_accepts_the_shipped_file_and_refuses_what_the_parser_refuses(tmp_path):
    import jsonschema
    import yaml

    from translator.config.schema import json_schema

    schema = json_schema()
    shipped = yaml.safe_load((ROOT / "models.yaml").read_text(encoding="utf-8"))
    jsonschema.validate(shipped, schema)
    for wrong in (
        {**shipped, "threads": 0},
        {**shipped, "translation": {**shipped["translation"], "device": "gpu"}},
        {**shipped, "summarization": {**shipped["summarization"], "ratio": 2}},
        {**shipped, "translation": {**shipped["translation"], "generation": {"num_beams": 0}}},
        {**shipped, "summarization": {**shipped["summarization"], "generation": {"top_p": 1.5}}},
        {**shipped, "zzz": 1},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(wrong, schema)
        with pytest.raises(ConfigError):
            load_config(write(tmp_path, yaml.safe_dump(wrong)))
