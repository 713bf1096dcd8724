"""What an earlier run already wrote to the output, after repairing a last line torn by a crash."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import OutputError


@dataclass
class ResumeState:
    """The ids already in the output, whether each one's record has an error, and the signatures
    (models and settings, see ``Result.signature``) the records were made with."""

    path: Path
    done: dict[str, bool] = field(default_factory=dict)
    signatures: dict[str, int] = field(default_factory=dict)  # signature -> records made with it
    written: set[str] = field(default_factory=set)  # the output files the records name

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
            for key in ("output", "summary_output"):
                if isinstance(record.get(key), str):
                    self.written.add(record[key])
            signature = str(record.get("signature") or "")
            self.signatures[signature] = self.signatures.get(signature, 0) + 1
        except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError):
            raise OutputError(
                f"{self.path}:{number}: not a record this tool wrote; fix or remove the line, or choose "
                "another --output"
            ) from None

    def check_signature(self, signature: str, allow_mixed: bool = False) -> None:
        """Refuse to append records made with another configuration than the ones already there:
        one file would then mix the outputs of different models or settings without saying so."""
        known = {s for s in self.signatures if s}
        if allow_mixed or not known or signature in known:
            return
        earlier = max(known, key=lambda s: self.signatures[s])
        raise OutputError(
            f"{self.path}: its {sum(self.signatures.values())} records were made with another "
            f"configuration ({earlier}); this run's is {signature}. Write to another --output, "
            "rerun with the configuration that made the file, or add --mix-configs to append anyway"
        )

    def outputs(self, folder: Path) -> set[Path]:
        """The files under ``folder`` that records of this file say were written (resolved)."""
        return {(folder / name).resolve() for name in self.written}

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self.done

    def failed(self, doc_id: str) -> bool:
        return self.done.get(doc_id, False)
