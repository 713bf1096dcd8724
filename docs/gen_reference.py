"""Run by mkdocs-gen-files at every `mkdocs build`: writes the reference pages that
reference_pages.py makes from the code. Run alone, it prints them."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reference_pages import PAGES  # noqa: E402

if __name__ == "__main__":
    for name, make in PAGES.items():
        print(f"===== {name}\n{make()}")
else:
    import mkdocs_gen_files

    for name, make in PAGES.items():
        with mkdocs_gen_files.open(name, "w") as page:
            page.write(make())
