"""The engine: one owner of the loaded models, scheduling work at the grain of a model batch, under
every door (see engine.py). ``Parts`` are one profile's loaded models and the steps of a document
around them; ``cores`` splits the machine between the lanes once for every driver; ``pipeline``
is the library's door over it (``Pipeline``, ``translate_and_summarize``), and no other module of
the engine imports it. The engine never imports a door (the CLI, batch, the server): they import it."""

from .engine import Engine, EngineStats
from .parts import Parts
from .tickets import Cancelled, EventSink, QueueFull, RequestFailed, ShuttingDown, Ticket

__all__ = [
    "Cancelled",
    "Engine",
    "EngineStats",
    "EventSink",
    "Parts",
    "QueueFull",
    "RequestFailed",
    "ShuttingDown",
    "Ticket",
]
