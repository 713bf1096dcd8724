"""What an earlier run already wrote to the output, after repairing a last line torn by a crash."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import OutputError


@dataclass
class ResumeState:
    """The ids already in the output, and whether each one's record has an error."""

    path: Path
    done: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def repair_and_read(cls, out: str | os.PathLike[str]) -> "ResumeState":
        """Cut off a torn last line (a crash mid-write), then read every record's id, in one pass.

        Only the torn tail is rewritten; whole records are never touched.
        """
        path = Path(out)
        state = cls(path)
        if not path.exists():
            return state
        if path.is_dir():
            raise OutputError(f"{out}: is a directory; --output needs a .jsonl file path")
        try:
            handle = path.open("r+b")
        except OSError as e:
            raise OutputError(f"{out}: cannot open ({e.strerror or e})") from None
        with handle:
            end = 0  # where the last whole line ends
            for number, line in enumerate(handle, start=1):
                if not line.endswith(b"\n"):
                    break  # a torn last line
                end += len(line)
                if line.strip():
                    state._add(line, number)
            if handle.seek(0, os.SEEK_END) > end:
                handle.truncate(end)
        return state

    def _add(self, line: bytes, number: int) -> None:
        try:
            record = json.loads(line)
            self.done[str(record["id"])] = record.get("error") is not None
        except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError):
            raise OutputError(
                f"{self.path}:{number}: not a record this tool wrote; fix or remove the line, or choose "
                "another --output"
            ) from None

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self.done

    def failed(self, doc_id: str) -> bool:
        return self.done.get(doc_id, False)
