"""A feed digest as Markdown, HTML and JSON: per item the English title, the source link, the date
and the English summary, the full translation one click away; then the items that failed, with
why (they are tried again on the next run)."""

from __future__ import annotations

import html
import json
import time
from dataclasses import asdict
from typing import Any

Item = Any  # translator.documents.feeds.Item (not imported: feeds imports this module)


def _date(item: Item) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(item.published)) if item.published else "undated"


def markdown_digest(done: list[Item], failed: list[Item], stamp: str) -> str:
    lines = [f"# News digest ({stamp})", ""]
    for item in done:
        lines += [
            f"## {item.title_en}",
            "",
            f"{_date(item)} · [source]({item.link}) · [full translation]({item.file})",
            "",
            item.summary_en or "_(no summary)_",
            "",
        ]
    if failed:
        lines += ["## Not translated yet", ""]
        lines += [
            f"- [{item.title or item.link}]({item.link}): {item.error} (tries: {item.attempts})"
            for item in failed
        ]
        lines.append("")
    return "\n".join(lines)


def _href(link: str | None) -> str:
    """A link from a feed, only if it is http(s): a feed may not put a script in the digest."""
    return html.escape(link, quote=True) if link and link.lower().startswith(("http://", "https://")) else "#"


def html_digest(done: list[Item], failed: list[Item], stamp: str) -> str:
    e = html.escape
    parts = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        f"<title>News digest ({e(stamp)})</title></head><body><main>",
        f"<h1>News digest <small>{e(stamp)}</small></h1>",
    ]
    for item in done:
        parts.append(
            f"<article><h2>{e(item.title_en or '')}</h2><p><time>{e(_date(item))}</time> · "
            f'<a href="{_href(item.link)}">source</a> · '
            f'<a href="{e(item.file or "", quote=True)}">full translation</a></p>'
            f"<p>{e(item.summary_en or '(no summary)')}</p></article>"
        )
    if failed:
        parts.append("<h2>Not translated yet</h2><ul>")
        for item in failed:
            parts.append(
                f'<li><a href="{_href(item.link)}">{e(item.title or item.link or "")}</a>: '
                f"{e(item.error or '')} (tries: {item.attempts})</li>"
            )
        parts.append("</ul>")
    parts.append("</main></body></html>\n")
    return "\n".join(parts)


def json_digest(done: list[Item], failed: list[Item], stamp: str) -> str:
    data = {"generated": stamp, "items": [asdict(i) for i in done], "failed": [asdict(i) for i in failed]}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
