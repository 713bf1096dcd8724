"""The `translator` command: one module per command (its parser and its work), the option groups
they share (options.py), console output and progress (console.py), the steps every model-running
command takes (common.py) and the program's edge (entry.py).

Exit codes: 0 ok, 1 runtime failure (a model cannot be loaded, processing failed, some
documents of a batch failed), 2 bad usage, bad config or bad input, 130 interrupted.

It is the top of the package: it may import any of translator's modules, and none of them may
import it. It alone writes to stdout and stderr for a person; the library never does.
"""

from .console import use_colour
from .entry import build_parser, main

__all__ = ["build_parser", "main", "use_colour"]
