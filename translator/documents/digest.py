"""A feed digest as Markdown, HTML and JSON: per item the English title, the source link, the date
and the English summary, the full translation one click away; then the items that failed, with
why (they are tried again on the next run). Times are in the reader's time zone, with its offset
(the machine's own zone unless another is named)."""

from __future__ import annotations

import html
import json
from dataclasses import asdict
from datetime import datetime, timedelta, tzinfo
from typing import Any

Item = Any  # translator.documents.feeds.Item (not imported: feeds imports this module)


def local_zone() -> tzinfo:
    """The machine's time zone (TZ respected): the reader's, unless a digest is told another."""
    zone = datetime.now().astimezone().tzinfo
    assert zone is not None  # astimezone() always sets one
    return zone


def when(seconds: float, zone: tzinfo) -> str:
    """``2024-01-31 15:00 WIB (UTC+07:00)``: the wall time in ``zone``, its name and its offset."""
    moment = datetime.fromtimestamp(seconds, zone)
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    name = moment.tzname() or ""
    return f"{moment:%Y-%m-%d %H:%M} {name} (UTC{sign}{minutes // 60:02d}:{minutes % 60:02d})".replace(
        "  ", " "
    )


def _date(item: Item, zone: tzinfo) -> str:
    return when(item.published, zone) if item.published else "undated"


def markdown_digest(done: list[Item], failed: list[Item], stamp: str, zone: tzinfo) -> str:
    lines = [f"# News digest ({stamp})", ""]
    for item in done:
        lines += [
            f"## {item.title_en}",
            "",
            f"{_date(item, zone)} · [source]({item.link}) · [full translation]({item.file})",
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


def html_digest(done: list[Item], failed: list[Item], stamp: str, zone: tzinfo) -> str:
    e = html.escape
    parts = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        f"<title>News digest ({e(stamp)})</title></head><body><main>",
        f"<h1>News digest <small>{e(stamp)}</small></h1>",
    ]
    for item in done:
        parts.append(
            f"<article><h2>{e(item.title_en or '')}</h2><p>{_time(item, zone)} · "
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


def _time(item: Item, zone: tzinfo) -> str:
    """<time> with the machine-readable moment (ISO 8601 with its offset) beside the reader's words."""
    if not item.published:
        return "<time>undated</time>"
    moment = datetime.fromtimestamp(item.published, zone).isoformat(timespec="minutes")
    return f'<time datetime="{moment}">{html.escape(when(item.published, zone))}</time>'


def json_digest(done: list[Item], failed: list[Item], stamp: str, zone: tzinfo) -> str:
    """Each item as it is kept (``published``: seconds since the epoch) and ``published_at``: ISO 8601
    in the reader's zone, with its offset."""

    def record(item: Item) -> dict[str, Any]:
        moment = datetime.fromtimestamp(item.published, zone).isoformat() if item.published else None
        return {**asdict(item), "published_at": moment}

    data = {"generated": stamp, "items": [record(i) for i in done], "failed": [record(i) for i in failed]}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
