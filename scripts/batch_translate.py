#!/usr/bin/env python3
"""Translate many documents into a JSONL file; the same as `translator batch`.

    python scripts/batch_translate.py INPUT --output OUT.jsonl [--config models.yaml]
        [--text-field text] [--id-field id] [--no-summary] [--profile fast] [--pool-docs 16]

INPUT is a directory of .txt/.md/.html files, a JSONL file or a CSV file with a header. Rerun the
same command after a crash: ids already in OUT.jsonl are skipped. Exit 0 when every document
succeeded, 1 when some failed (each has a record with `error` set), 2 for bad usage.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from translator.cli import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main(["batch", *sys.argv[1:]]))
