#!/usr/bin/env python3
"""A screenshot of the page from a real run: start `translator serve` on loopback with the tiny
test models, paste the example article in Chromium, wait for the result, save a PNG.

    python scripts/screenshot_page.py [--out docs/page.png] [--config models.yaml]

With --config, the models of that file are used (real ones where they are available).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from load_test import build_config, free_port  # noqa: E402

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "page.png")
    parser.add_argument("--config", type=Path)
    parser.add_argument("--width", type=int, default=1200)
    args = parser.parse_args(argv)
    import httpx
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="translator-shot-") as work_dir:
        work = Path(work_dir)
        os.environ["TRANSLATOR_CACHE"] = str(work / "cache")
        config = args.config or build_config(work, full_size=False)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "translator", "serve", "--config", str(config), "--port", str(port)],
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                try:
                    if httpx.get(base + "/readyz", timeout=5).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", headless=True, args=ARGS
                )
                page = browser.new_page(viewport={"width": args.width, "height": 900})
                page.goto(base + "/")
                page.wait_for_function("document.querySelector('#profile').options.length > 0")
                page.fill(
                    "#text", (ROOT / "examples" / "bus-listrik-bandung.id.txt").read_text(encoding="utf-8")
                )
                page.click("#go")
                page.wait_for_function(
                    "document.querySelector('#status').textContent === 'Done.'", timeout=600_000
                )
                page.locator("td.target.flagged").first.hover()  # shows a flag's messages
                args.out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(args.out), full_page=True)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"saved {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
