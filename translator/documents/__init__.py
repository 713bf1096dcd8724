"""What comes in and goes out around the engine: files and stdin, file formats read and written
back, web pages, feeds and their digests, the rendered results. It never imports the engine, the
memory or the models (the engine takes what it reads; a door hands the results back to it).
``Document`` and ``load_document`` are the names a library user reaches for."""

from .reader import Document, load_document

__all__ = ["Document", "load_document"]
