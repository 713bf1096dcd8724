"""The error types the library raises; only cli.py turns them into exit codes."""

from __future__ import annotations


class TranslatorError(Exception):
    """Base class for every error this package raises on purpose."""

    exit_code = 1


class ConfigError(TranslatorError):
    """models.yaml (or a Config built in code) is invalid. Carries every problem at once."""

    exit_code = 2

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class InputError(TranslatorError):
    """The text given to translate cannot be used (empty, undecodable, not a file, too long)."""

    exit_code = 2


class LanguageError(InputError):
    """The text is in a language other than Indonesian (or a close one) and was not forced.

    ``message(hint)`` words the fix for the interface in use: ``--force`` on the command line,
    ``force=True`` (the default message) in Python.
    """

    def __init__(self, language: str, probability: float, where: str = "") -> None:
        self.language, self.probability, self.where = language, probability, where
        super().__init__(self.message("force=True"))

    def located(self, name: str | None) -> "LanguageError":
        """The same refusal, its message starting with ``name`` (a file), as other input errors do."""
        return LanguageError(self.language, self.probability, f"{name}: " if name else "")

    def message(self, hint: str) -> str:
        return (
            f"{self.where}the input looks like {self.language!r} ({self.probability:.0%} sure), not "
            f"Indonesian; pass {hint} to translate it anyway"
        )


class OutputError(TranslatorError):
    """Where the results should go cannot be written (a directory, a missing folder, no permission)."""

    exit_code = 2


class MissingExtraError(TranslatorError):
    """An optional feature was asked for whose packages are not installed; names the pip command."""

    exit_code = 2


class ModelLoadError(TranslatorError):
    """A configured model cannot be loaded; the message names the model and the fix."""

    exit_code = 1


class ConversionError(ModelLoadError):
    """A model could not be converted for CTranslate2 (converter, tokenizer or cache directory).

    ``backend: auto`` falls back to transformers on this error, and on no other.
    """


class DatabaseError(TranslatorError):
    """The shared database (``--database``) cannot be reached or used; the message names the
    server (never its password) and what to check."""

    exit_code = 1


def first_line(error: BaseException) -> str:
    """The first line of an error's message, or its type name when the message is empty."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
