"""The reference pages the code writes itself, made at every `mkdocs build` (mkdocs-gen-files), so
they cannot drift from it: the command line from its parser, models.yaml's keys from its schema,
the HTTP API from the service's OpenAPI document. Run alone, it prints them (a check)."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import typing
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("COLUMNS", "100")  # argparse wraps its help to the terminal's width

from translator.cli.entry import build_parser  # noqa: E402
from translator.config import schema  # noqa: E402

# A key written in models.yaml, where the dataclass field has another name.
FIELD_OF_KEY = {"generation": "generation_items", "retry_generation": "retry_items"}


def _commands(parser: argparse.ArgumentParser, prefix: str) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield prefix, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            seen: set[int] = set()
            for name, sub in action.choices.items():
                if id(sub) not in seen:  # an alias shares its command's parser
                    seen.add(id(sub))
                    yield from _commands(sub, f"{prefix} {name}")


def cli_page() -> str:
    out = [
        "# Command line reference",
        "",
        "Every command's `--help`, as the installed `translator` prints it (generated from the parser).",
        "",
    ]
    for name, parser in _commands(build_parser(), "translator"):
        out += [f"## `{name}`", "", "```text", parser.format_help().rstrip(), "```", ""]
    return "\n".join(out)


def _type_name(hint: object) -> str:
    text = str(hint).replace("typing.", "").replace("NoneType", "null")
    return text.replace("<class '", "").replace("'>", "")


def _rows(cls: type, keys: tuple[str, ...]) -> list[str]:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    rows = []
    for key in keys:
        field = fields[FIELD_OF_KEY.get(key, key)]
        if field.default is not dataclasses.MISSING:
            default = field.default
            if isinstance(default, tuple) and default and isinstance(default[0], tuple):
                default = dict(default)  # generation settings are kept as items
            shown = "null" if default is None else f"`{default}`"
        else:
            shown = "required"
        rows.append(f"| `{key}` | `{_type_name(hints[field.name])}` | {shown} |")
    return rows


def models_yaml_page() -> str:
    head = ["| key | type | default |", "|---|---|---|"]
    out = [
        "# models.yaml keys",
        "",
        "Every key models.yaml accepts, with its type and its default, generated from the schema",
        "(`translator/config/schema.py`). What each does: [models.yaml](models-yaml.md). A key that is",
        "not here is an error that names it.",
        "",
        "## Top level",
        "",
        *head,
        *_rows(schema.Config, tuple(k for k in schema.TOP_KEYS if k not in schema.SECTIONS)),
        "",
    ]
    for section, cls in (
        ("translation", schema.TranslationConfig),
        ("summarization", schema.SummarizationConfig),
    ):
        keys = (*schema.SECTION_KEYS, *schema.EXTRA_KEYS[section])
        out += [f"## `{section}`", "", *head, *_rows(cls, keys), ""]
    out += [
        "`device`: one of " + ", ".join(f"`{d}`" for d in schema.DEVICES) + ".",
        "`backend`: one of " + ", ".join(f"`{b}`" for b in schema.BACKENDS) + ".",
        "`compute_type`: one of " + ", ".join(f"`{c}`" for c in schema.COMPUTE_TYPES) + ".",
        "",
    ]
    return "\n".join(out)


def openapi_document() -> dict:
    from translator.server.app import create_app
    from translator.server.service import ServerSettings

    def no_models() -> dict:
        raise RuntimeError("the reference is made without models")

    return create_app(ServerSettings(), no_models).openapi()


def http_page() -> str:
    spec = openapi_document()
    out = [
        "# HTTP API reference",
        "",
        f"Generated from the service's OpenAPI document ({spec['info']['title']} {spec['info']['version']}).",
        "A running service serves the same document at `/spec` and an interactive reference at `/docs`.",
        "",
    ]
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            out += [f"## `{method.upper()} {path}`", ""]
            if operation.get("summary"):
                out += [f"**{operation['summary']}**", ""]
            if operation.get("description"):
                out += [operation["description"].strip(), ""]
            params = operation.get("parameters", [])
            if params:
                out += ["| parameter | in | required | description |", "|---|---|---|---|"]
                for p in params:
                    text = " ".join(p.get("description", "").split()).replace("|", "\\|")
                    out.append(
                        f"| `{p['name']}` | {p['in']} | {'yes' if p.get('required') else 'no'} | {text} |"
                    )
                out.append("")
            body = operation.get("requestBody", {}).get("content", {})
            if body:
                out += ["Request body: " + ", ".join(f"`{kind}`" for kind in body), ""]
            answers = ", ".join(
                f"{code} ({r.get('description', '')})" for code, r in operation["responses"].items()
            )
            out += [f"Answers: {answers}.", ""]
    return "\n".join(out)


PAGES = {
    "reference/cli.md": cli_page,
    "reference/models-yaml-keys.md": models_yaml_page,
    "reference/http-api.md": http_page,
}


def write_pages() -> None:
    import mkdocs_gen_files

    for name, make in PAGES.items():
        with mkdocs_gen_files.open(name, "w") as page:
            page.write(make())


if __name__ == "__main__":
    for name, make in PAGES.items():
        print(f"===== {name}\n{make()}")
else:
    write_pages()
