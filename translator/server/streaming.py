"""Server-sent events for one document: its sentences as they are translated, then the summary,
then the full result. A client that disconnects cancels the work it has not yet been given."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from fastapi import Request
from fastapi.responses import StreamingResponse

from ..engine import EventSink, Ticket
from ..engine.prepare import Prepared
from ..errors import InputError, LanguageError, first_line
from .service import ApiError, Service, outcome, watch

if TYPE_CHECKING:
    from ..types import Result


def stream_document(
    service: Service, request: Request, start: Callable[[EventSink], Awaitable[Ticket]], summarize: bool
) -> StreamingResponse:
    """``start(sink)`` submits the ticket with ``sink`` as its event handler.

    Events: ``progress`` (queued; then translate done/total; summarize), ``sentences`` (the
    source sentences, once they are known), ``sentence`` (each translation, in order, the moment
    it is done: index, source span, translation, flags), ``summary``, then ``result`` or ``error``.
    """
    loop = asyncio.get_running_loop()
    events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

    def sink(kind: str, doc: int, payload: Any) -> None:  # called on the engine's threads
        loop.call_soon_threadsafe(events.put_nowait, (kind, payload))

    async def stream() -> AsyncIterator[str]:
        ticket: Ticket | None = None
        try:
            yield _event("progress", {"stage": "queued", "done": 0, "total": 0})
            try:
                ticket = await start(sink)
            except ApiError as e:
                yield _event("error", {"error": e.message})
                return
            waiting = watch(ticket)
            while not waiting.done() or not events.empty():
                if events.empty():
                    getter = asyncio.ensure_future(events.get())
                    either: set[asyncio.Future[Any]] = {getter, waiting}
                    await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
                    if not getter.done():
                        getter.cancel()
                        continue
                    item = getter.result()
                else:
                    item = events.get_nowait()
                for name, data in _events(item[0], item[1], summarize):
                    yield _event(name, data)
            yield _final(waiting)
        finally:
            if ticket is not None and not ticket.future.done():
                service.engine().cancel(ticket)  # the client left: no compute for nobody

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


def _events(kind: str, payload: Any, summarize: bool) -> list[tuple[str, dict[str, Any]]]:
    if kind == "sentences":
        doc: Prepared = payload
        rows = [
            {
                "index": i,
                "source": s.span.text,
                "start": s.span.start,
                "end": s.span.end,
                "paragraph": s.paragraph,
                "boilerplate": s.boilerplate,
            }
            for i, s in enumerate(doc.sentences)
        ]
        return [
            ("sentences", {"sentences": rows}),
            ("progress", {"stage": "translate", "done": 0, "total": len(rows)}),
        ]
    if kind == "sentence":
        index, segment, done, total = payload
        out = [
            ("sentence", {"index": index, **segment.to_dict()}),
            ("progress", {"stage": "translate", "done": done, "total": total}),
        ]
        if done == total and summarize:
            out.append(("progress", {"stage": "summarize", "done": 0, "total": 1}))
        return out
    if kind == "summary":
        return [("summary", {"summary": payload.text, "method": payload.method})]
    return []


def _final(waiting: "asyncio.Future[list[Result | InputError]]") -> str:
    try:
        result = outcome(waiting)[0]
    except ApiError as e:
        return _event("error", {"error": e.message})
    if isinstance(result, InputError):
        return _event(
            "error",
            {
                "error": result.message("force: true")
                if isinstance(result, LanguageError)
                else first_line(result)
            },
        )
    return _event("result", result.to_dict())


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
