"""The reference pages the code writes itself (gen_reference.py writes them at every `mkdocs build`),
so they cannot drift from it: the command line from its parser, models.yaml's keys and its JSON
Schema from its pydantic shape, the HTTP API from the service's OpenAPI document."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator
from unittest import mock

from translator.cli.entry import build_parser
from translator.config import SECTIONS
from translator.config.schema import json_schema


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


# JSON Schema's types in YAML's words.
_YAML_TYPES = {
    "object": "mapping",
    "array": "list of strings",
    "string": "string",
    "integer": "integer",
    "number": "number",
    "boolean": "true or false",
    "null": "null",
}


def _type_name(field: dict) -> str:
    """A key's type from its JSON Schema: "integer or null", "one of ...", ..."""
    kinds = field.get("anyOf", [field])
    words = []
    for kind in kinds:
        if "enum" in kind:
            words.append("one of " + ", ".join(f"`{v}`" for v in kind["enum"]))
        elif "$ref" in kind:
            words.append("mapping")
        else:
            words.append(_YAML_TYPES.get(kind.get("type", ""), kind.get("type", "any")))
    return " or ".join(dict.fromkeys(words))


def _shown(field: dict) -> str:
    if "default" not in field:
        return "required"
    value = field["default"]
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    return f"`{value}`".replace("'", "")


def _rows(shape: dict) -> list[str]:
    rows = ["| key | type | default | must be |", "|---|---|---|---|"]
    for key, field in shape["properties"].items():
        must = "" if str(field.get("must", "")).startswith("one of") else field.get("must", "")
        rows.append(f"| `{key}` | {_type_name(field)} | {_shown(field)} | {must} |")
    return rows


def models_yaml_page() -> str:
    schema = json_schema()
    out = [
        "# models.yaml keys",
        "",
        "Every key models.yaml accepts, with its type, its default and what its value must be,",
        "generated from the pydantic models that declare them (`translator/config/schema.py`). What each",
        "does: [models.yaml](models-yaml.md). A key that is not here is an error that names it.",
        "",
        "The same shape as a JSON Schema: [models-yaml.schema.json](models-yaml.schema.json). An editor",
        "with a YAML language server completes and checks models.yaml against it: put",
        "`# yaml-language-server: $schema=PATH/TO/models-yaml.schema.json` on the file's first line.",
        "",
        "## Top level",
        "",
        *_rows(schema),
        "",
    ]
    for section in SECTIONS:
        shape = schema["$defs"][schema["properties"][section]["$ref"].rsplit("/", 1)[1]]
        out += [f"## `{section}`", "", *_rows(shape), ""]
    out += [
        "## `generation` and `retry_generation`",
        "",
        "The settings of `generate()` checked when the file loads; any other setting transformers'",
        "`GenerationConfig` knows passes by name, and a name it does not know is an error. Left out",
        "(null below): the model's own.",
        "",
        *_rows(schema["$defs"]["Generation"]),
        "",
    ]
    return "\n".join(out)


def schema_file() -> str:
    return json.dumps(json_schema(), indent=2) + "\n"


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
    "reference/models-yaml.schema.json": schema_file,
    "reference/http-api.md": http_page,
}
