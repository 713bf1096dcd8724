"""A local web site for the tests that fetch pages: 127.0.0.1 on a free port, never another address."""

from __future__ import annotations

import contextlib
import http.server
import threading

from helpers import SENTENCES

ARTICLE = f"""<!doctype html><html><head><title>Bus listrik mulai diuji di Bandung</title>
<meta name="author" content="Dewi Lestari"><meta property="article:published_time" content="2024-01-31">
</head><body><nav><a href="/">Beranda</a> <a href="/politik">Politik</a></nav>
<article><h1>Bus listrik mulai diuji di Bandung</h1><p>{SENTENCES[0]}</p><p>{SENTENCES[1]}</p>
<p>{SENTENCES[2]}</p></article><footer>Hak cipta 2024</footer></body></html>"""


SECOND = ARTICLE.replace("Bus listrik mulai diuji di Bandung", "Harga beras naik di pasar").replace(
    "2024-01-31", "2024-02-02"
)
FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Berita Kota</title><link>http://127.0.0.1/</link>
<item><title>Bus listrik mulai diuji di Bandung</title><link>{base}/berita</link><guid>berita-1</guid>
<pubDate>Wed, 31 Jan 2024 10:00:00 +0700</pubDate></item>
<item><title>Harga beras naik di pasar</title><link>{base}/berita-2</link><guid>berita-2</guid>
<pubDate>Fri, 02 Feb 2024 08:00:00 +0700</pubDate></item>
<item><title>Berita yang hilang</title><link>{base}/nanti</link><guid>berita-3</guid>
<pubDate>Thu, 01 Feb 2024 08:00:00 +0700</pubDate></item>
</channel></rss>"""


class _QuietServer(http.server.ThreadingHTTPServer):
    """A client that stops reading (a fetch over its size limit, a test that ends) is no error here."""

    def handle_error(self, request, client_address):
        import sys

        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def local_site(extra: dict | None = None):
    """Pages served from 127.0.0.1 on a free port; the slow page answers when the test ends.
    ``extra`` maps more paths to (status, content type, body); a test may change it while serving."""
    release = threading.Event()
    extra = extra if extra is not None else {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            if self.path == "/slow":
                release.wait(30)
            if self.path == "/tetes":  # a page that drips, a byte at a time, until the test ends
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                for _ in range(300):
                    if release.wait(0.1):
                        return
                    self.wfile.write(b"a")
                    self.wfile.flush()
                return
            routes = {
                "/berita": (200, "text/html; charset=utf-8", ARTICLE.encode()),
                "/berita-2": (200, "text/html; charset=utf-8", SECOND.encode()),
                "/feed.xml": (200, "application/rss+xml", FEED.encode()),
                **extra,
                "/gambar.png": (200, "image/png", b"\x89PNG\r\n\x1a\n"),
                "/besar": (200, "text/html", b"<p>" + b"a" * 2_000_000 + b"</p>"),
            }
            moved = {
                "/pindah": "http://10.255.255.1/rahasia",
                "/pindah64": "http://[64:ff9b::7f00:1]/rahasia",
            }
            if self.path in moved:  # a private address, plainly or inside NAT64's IPv6 prefix
                self.send_response(302)
                self.send_header("Location", moved[self.path])
                self.end_headers()
                return
            status, kind, body = routes.get(self.path, (404, "text/html", b"<p>tidak ada</p>"))
            body = body.replace(b"{base}", f"http://127.0.0.1:{self.server.server_address[1]}".encode())
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = _QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        release.set()
        server.shutdown()
        server.server_close()
