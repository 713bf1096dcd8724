"""The documentation's own promises: a short README whose links lead somewhere, every page of
docs/ in the site's navigation, and the reference pages the code writes covering every command."""

from __future__ import annotations

import re

import yaml

from helpers import ROOT

DOCS = ROOT / "docs"


def test_the_readme_is_a_front_page_and_its_links_lead_to_files():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) < 200
    targets = re.findall(r"\]\(([^)#]+)\)", text)
    assert "docs/tutorial.md" in targets  # the scan finds the links
    assert [t for t in targets if not t.startswith("http") and not (ROOT / t).exists()] == []


def _nav_pages(entries) -> set[str]:
    pages: set[str] = set()
    for entry in entries:
        for value in entry.values() if isinstance(entry, dict) else [entry]:
            pages |= _nav_pages(value) if isinstance(value, list) else {value}
    return pages


def test_every_page_is_in_the_navigation():
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    written = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")}
    generated = {"reference/cli.md", "reference/models-yaml-keys.md", "reference/http-api.md"}
    assert _nav_pages(config["nav"]) == written | generated


def test_the_generated_references_have_every_command_and_key(monkeypatch):
    monkeypatch.syspath_prepend(str(DOCS))
    import reference_pages

    page = reference_pages.cli_page()
    for command in (
        "run",
        "translate",
        "summarize",
        "batch",
        "models list",
        "memory correct",
        "serve",
        "doctor",
    ):
        assert f"## `translator {command}`" in page
    keys = reference_pages.models_yaml_page()
    assert "| `max_windows` | integer or null | `32` | an integer >= 1 (or null: no cap) |" in keys
    assert "| `glossary` | list of strings or string or null | `[default]` |" in keys
    assert "| `device` | one of `auto`, `cpu`, `cuda`, `mps` | `auto` |" in keys
