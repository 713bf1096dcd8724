#!/usr/bin/env python3
"""Mutation testing of the faithfulness checks, numbers and segmentation (not run by CI).

Runs mutmut (pip install mutmut; settings in pyproject.toml [tool.mutmut]) on translator.text.checks,
._numbers, .segment and .budget against the tests that pin them, then prints per module how many mutants the
tests killed. A mutant that makes the tests hang (timeout) counts as detected, as mutmut counts it.

    python scripts/mutation.py            # a few minutes on 2 cores
"""

from __future__ import annotations

import collections
import subprocess
import sys

MODULES = ("checks", "_numbers", "segment", "budget")


def main() -> int:
    patterns = [f"translator.text.{m}*" for m in MODULES]
    run = subprocess.run([sys.executable, "-m", "mutmut", "run", *patterns], stdout=subprocess.DEVNULL)
    if run.returncode != 0:
        print("mutation: mutmut failed; is it installed (pip install mutmut)?", file=sys.stderr)
        return 1
    listing = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"], capture_output=True, text=True
    ).stdout
    counts: dict[str, collections.Counter] = {m: collections.Counter() for m in MODULES}
    for line in listing.splitlines():
        name, _, status = line.strip().rpartition(": ")
        for module in MODULES:
            if name.startswith(f"translator.text.{module}."):
                counts[module][status] += 1
    for module, found in counts.items():
        total = sum(found.values())
        detected = found["killed"] + found["timeout"]
        print(
            f"{module:<9} {detected}/{total} detected ({100 * detected / max(1, total):.1f}%): {dict(found)}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
