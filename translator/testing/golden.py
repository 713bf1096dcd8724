"""Reader for segmentation golden files in the sentencex format (input / --- / expected sentences / ===)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    expected: list[str]


def read_cases(path: Path) -> list[Case]:
    cases: list[Case] = []
    case_id, part = None, None
    text_lines: list[str] = []
    expected: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if part is None:
            if line.startswith("@"):
                case_id, text_lines, expected, part = line[1:].strip(), [], [], "input"
            continue
        if line == "---" and part == "input":
            part = "expected"
        elif line == "===":
            cases.append(Case(str(case_id), "\n".join(text_lines), [e for e in expected if e.strip()]))
            part = None
        elif part == "input":
            text_lines.append(line)
        else:
            expected.append(line)
    if part is not None:
        raise ValueError(f"{path}: case {case_id!r} is not closed with ===")
    ids = [c.id for c in cases]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"{path}: duplicate case ids {sorted(duplicates)}")
    return cases
