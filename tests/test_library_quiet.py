"""A library prints nothing: no "Loading weights" bar while a model loads from disk, no warning from
transformers on every generate() call, and the program's own progress-bar setting is left as it was."""

from __future__ import annotations

import logging
import warnings

from transformers.utils import logging as hf_logging

from translator import translate_and_summarize
from translator.testing.tiny import build_tiny_setup


def test_loading_and_generating_print_nothing_and_leave_the_bars_setting_alone(tmp_path, capfd):
    config = build_tiny_setup(tmp_path, "transformers")
    before, verbosity = hf_logging.is_progress_bar_enabled(), hf_logging.get_verbosity()
    hf_logging.set_verbosity_warning()  # transformers' default (the tests' conftest quiets it)
    with warnings.catch_warnings():  # the hub's own bars stay off here (HF_HUB_DISABLE_PROGRESS_BARS)
        warnings.simplefilter("ignore", UserWarning)
        hf_logging.enable_progress_bar()  # a program that shows transformers' bars (their default)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("transformers").addHandler(handler)
    try:
        capfd.readouterr()
        text = "Harga beras naik. Pemerintah menambah pasokan ke pasar."
        result = translate_and_summarize(text, config=config)
        printed = capfd.readouterr()
        assert hf_logging.is_progress_bar_enabled()  # put back as it was
    finally:
        logging.getLogger("transformers").removeHandler(handler)
        hf_logging.set_verbosity(verbosity)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            (hf_logging.enable_progress_bar if before else hf_logging.disable_progress_bar)()
    assert result.translation  # it ran
    assert "Loading weights" not in printed.err
    assert not [r.getMessage() for r in records if r.levelno >= logging.WARNING]
    assert printed.out == ""
