"""The reference pages the code writes itself (gen_reference.py writes them at every `mkdocs build`),
so they cannot drift from it: the command line from its parser, models.yaml's keys from its
schema, the HTTP API from the service's OpenAPI document."""

from __future__ import annotations

import argparse
import dataclasses
import os
from collections.abc import Iterator
from unittest import mock

from translator.cli.entry import build_parser
from translator.config import schema

# A key written in models.yaml, where the dataclass field has another name.
FIELD_OF_KEY = {"generation": "generation_items", "retry_generation": "retry_items"}
# A key whose YAML shape is not its field's (the Config keeps only the profiles' names).
WRITTEN_AS = {"profiles": ("mapping of a profile's name to its overrides of the two sections", "`{}`")}


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
    with mock.patch.dict(os.environ, {"COLUMNS": "100"}):  # argparse wraps help to the terminal's width
        for name, parser in _commands(build_parser(), "translator"):
            out += [f"## `{name}`", "", "```text", parser.format_help().rstrip(), "```", ""]
    return "\n".join(out)


# Python's types in YAML's words.
_YAML_TYPES = [
    ("tuple[tuple[str, Any], ...]", "mapping"),
    ("tuple[str, ...]", "list of strings"),
    ("str", "string"),
    ("int", "integer"),
    ("float", "number"),
    ("bool", "true or false"),
    ("None", "null"),
]


def _type_name(hint: str) -> str:
    words = []
    for part in str(hint).split(" | "):
        words.append(dict(_YAML_TYPES).get(part.strip(), part.strip()))
    return " or ".join(words)


def _shown(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, tuple) and all(isinstance(v, tuple) for v in value):
        value = dict(value)  # generation settings are kept as items
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    return f"`{value}`".replace("'", "")


def _rows(cls: type, keys: tuple[str, ...], section: str | None = None) -> list[str]:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    rows = []
    for key in keys:
        if key in WRITTEN_AS:
            rows.append(f"| `{key}` | {WRITTEN_AS[key][0]} | {WRITTEN_AS[key][1]} |")
            continue
        field = fields[FIELD_OF_KEY.get(key, key)]
        if key == "batch_size" and section:
            shown = _shown(schema.DEFAULT_BATCH_SIZE[section])
        elif field.default is not dataclasses.MISSING:
            shown = _shown(field.default)
        else:
            shown = "required"
        assert isinstance(field.type, str)  # the schema's annotations are postponed (strings)
        rows.append(f"| `{key}` | {_type_name(field.type)} | {shown} |")
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
        out += [f"## `{section}`", "", *head, *_rows(cls, keys, section), ""]
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
