"""The few error types the library raises; only cli.py turns them into exit codes."""

from __future__ import annotations


class TranslatorError(Exception):
    """Base class for every error this package raises on purpose."""

    exit_code = 1


class ConfigError(TranslatorError):
    """models.yaml (or a Config built in code) is invalid. Carries every problem at once."""

    exit_code = 2

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class InputError(TranslatorError):
    """The text given to translate cannot be used (empty, undecodable, not a file)."""

    exit_code = 2


class ModelLoadError(TranslatorError):
    """A configured model cannot be loaded; the message names the model and the fix."""

    exit_code = 1
