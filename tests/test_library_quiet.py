"""A library prints nothing: no "Loading weights" bar while a model loads from disk, no warning from
transformers on every generate() call, and the program's own progress-bar setting is left as it was."""

from __future__ import annotations

import warnings

from transformers.utils import logging as hf_logging

from translator import translate_and_summarize
from translator.testing.tiny import build_tiny_setup


def test_loading_and_generating_print_nothing_and_leave_the_bars_setting_alone(tmp_path, capfd):
    config = build_tiny_setup(tmp_path, "transformers")
    before = hf_logging.is_progress_bar_enabled()
    with warnings.catch_warnings():  # the hub's own bars stay off here (HF_HUB_DISABLE_PROGRESS_BARS)
        warnings.simplefilter("ignore", UserWarning)
        hf_logging.enable_progress_bar()  # a program that shows transformers' bars (their default)
    try:
        capfd.readouterr()
        text = "Harga beras naik. Pemerintah menambah pasokan ke pasar."
        result = translate_and_summarize(text, config=config)
        printed = capfd.readouterr()
        assert hf_logging.is_progress_bar_enabled()  # put back as it was
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            (hf_logging.enable_progress_bar if before else hf_logging.disable_progress_bar)()
    assert result.translation  # it ran
    assert "Loading weights" not in printed.err
    assert "seem to have been set" not in printed.err
    assert printed.out == ""
