"""Server: `translator serve`, an ASGI app (FastAPI on uvicorn) with LibreTranslate-compatible
routes, translator's own API and a page.

It may import the pipeline and everything below it, never the CLI; only this package imports
fastapi, starlette or uvicorn (the ``serve`` extra).
"""
