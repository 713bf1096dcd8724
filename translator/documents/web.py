"""Web pages by URL: fetched with a timeout, a size limit and a check that the answer is an HTML
page; the article (not the menus) extracted by trafilatura, with its title, author, date and link.

A server that fetches what its users name can be turned against the network it sits in (server-side
request forgery): ``FetchPolicy(allow_private=False)`` refuses any address that is not public
(loopback, private ranges, link-local, multicast, reserved, and the IPv6 forms that carry such an
IPv4 address: mapped, NAT64, 6to4, Teredo), at every redirect too, unless its host is listed in
``allow_hosts``. Each host is resolved once: the connection goes to the address that was checked
(the Host header and TLS's server name stay the host's), so a name that answers a public address to
the check and a private one to the connection (DNS rebinding) reaches nothing. The command line,
which fetches for the person running it on their own machine, allows private addresses.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlsplit

from ..errors import InputError
from ..types import Source
from ..version import __version__
from .reader import Document, html_to_text

HTML_TYPES = ("text/html", "application/xhtml+xml")


class FetchError(InputError):
    """A URL that could not be read as a web page: why, in one line."""


@dataclass(frozen=True)
class FetchPolicy:
    timeout_s: float = 20.0
    max_bytes: int = 5_000_000
    allow_private: bool = False
    allow_hosts: frozenset[str] = frozenset()


def is_url(text: str | None) -> bool:
    return bool(text) and str(text).lower().startswith(("http://", "https://"))


def fetch_document(url: str, policy: FetchPolicy = FetchPolicy()) -> Document:
    """The article at ``url`` as a Document whose ``source`` names the page."""
    html, final = fetch_html(url, policy)
    text, notes = html_to_text(html)
    if not text.strip():
        raise FetchError(f"{url}: no text found on the page")
    return Document(text, final, "html", tuple(notes), source=page_source(html, final))


def fetch_html(url: str, policy: FetchPolicy) -> tuple[str, str]:
    """The page's HTML and the URL it was finally read from (after redirects)."""
    data, charset, final = fetch(url, policy, HTML_TYPES, "a web page (translator reads HTML pages)")
    try:
        return data.decode(charset or "utf-8", errors="replace"), final
    except LookupError:
        return data.decode("utf-8", errors="replace"), final


def fetch(
    url: str, policy: FetchPolicy, types: tuple[str, ...], wanted: str
) -> tuple[bytes, str | None, str]:
    """The body at ``url`` (one of ``types``), its charset, and the URL it was read from."""
    deadline = time.monotonic() + policy.timeout_s  # for the whole answer: a server that drips is cut off
    pins: dict[str, str] = {}  # host -> the address that was checked, the one connected to
    _pin(url, policy, pins)
    opener = urllib.request.build_opener(_Redirects(policy, pins), _PinnedHTTP(pins), _PinnedHTTPS(pins))
    headers = {"User-Agent": f"translator/{__version__}", "Accept": ", ".join(types)}
    request = urllib.request.Request(url, headers=headers)
    try:
        with opener.open(request, timeout=policy.timeout_s) as response:
            kind = response.headers.get_content_type()
            if kind not in types:
                raise FetchError(f"{url}: is {kind}, not {wanted}")
            data = _read_by(response, url, policy, deadline)
            return data, response.headers.get_content_charset(), response.geturl()
    except urllib.error.HTTPError as e:
        raise FetchError(f"{url}: the server answered {e.code} {e.reason}") from None
    except urllib.error.URLError as e:
        reason = e.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise FetchError(f"{url}: no answer within {policy.timeout_s:g} s") from None
        raise FetchError(f"{url}: cannot fetch ({reason})") from None
    except (TimeoutError, socket.timeout):
        raise FetchError(f"{url}: no answer within {policy.timeout_s:g} s") from None


def _read_by(response: Any, url: str, policy: FetchPolicy, deadline: float) -> bytes:
    """The body, at most ``max_bytes``, whole by the ``deadline`` (the socket's timeout bounds each
    read; this bounds their sum)."""
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read1(64 * 1024):  # what has come (read() would wait for 64 KB)
        size += len(chunk)
        if size > policy.max_bytes:
            raise FetchError(f"{url}: the answer is over the limit of {policy.max_bytes:,} bytes")
        if time.monotonic() > deadline:
            raise FetchError(f"{url}: no whole answer within {policy.timeout_s:g} s")
        chunks.append(chunk)
    return b"".join(chunks)


def check_address(url: str, policy: FetchPolicy) -> str | None:
    """Refuse what is not http(s), and (by the policy) any host that resolves to a non-public
    address; the checked address to connect to (None: the policy lets the host through unchecked)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url}: only http and https links to a host can be fetched")
    host = parts.hostname
    if policy.allow_private or host in policy.allow_hosts:
        return None
    try:
        found = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
        addresses = list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in found))
    except socket.gaierror as e:
        raise FetchError(f"{url}: cannot resolve {host} ({e.strerror})") from None
    for address in addresses:
        ip = ipaddress.ip_address(address)
        if not is_public(ip):
            raise FetchError(
                f"{url}: {host} is a private, loopback or link-local address ({ip}); this server does not "
                "fetch those (its operator can allow a host with --allow-host)"
            )
    return addresses[0]


NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Globally routable and not multicast; an IPv6 address that carries an IPv4 one (mapped,
    NAT64, 6to4) is judged by that, and Teredo's tunnels are refused."""
    nat64 = isinstance(ip, ipaddress.IPv6Address) and any(ip in net for net in NAT64)
    if ip.is_multicast or not (ip.is_global or nat64):
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.teredo is not None:
            return False
        inner = (
            ip.ipv4_mapped or ip.sixtofour or (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if nat64 else None)
        )
        if inner is not None:
            return is_public(inner)
    return True


def _pin(url: str, policy: FetchPolicy, pins: dict[str, str]) -> None:
    """Check ``url``'s host and remember the address to connect to."""
    address = check_address(url, policy)
    if address is not None:
        pins[urlsplit(url).hostname or ""] = address


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Every redirect's target is checked (and pinned) like the first URL, before it is followed."""

    def __init__(self, policy: FetchPolicy, pins: dict[str, str]) -> None:
        self.policy, self.pins = policy, pins

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        _pin(newurl, self.policy, self.pins)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _pinned(connection: type, pins: dict[str, str]) -> Callable[..., Any]:
    """A factory of ``connection`` objects that connect to the host's checked address, if any."""

    def make(host: str, **kwargs: Any) -> Any:
        made = connection(host, **kwargs)
        address = pins.get(made.host)
        if address is not None:
            made._create_connection = lambda where, *args: socket.create_connection(
                (address, where[1]), *args
            )
        return made

    return make


class _PinnedHTTP(urllib.request.HTTPHandler):
    def __init__(self, pins: dict[str, str]) -> None:
        super().__init__()
        self.pins = pins

    def http_open(self, req: Any) -> Any:
        return self.do_open(_pinned(http.client.HTTPConnection, self.pins), req)


class _PinnedHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, pins: dict[str, str]) -> None:
        super().__init__()
        self.pins = pins

    def https_open(self, req: Any) -> Any:
        context = getattr(self, "_context", None)  # HTTPSHandler's own, set in its __init__ (not typed)
        return self.do_open(_pinned(http.client.HTTPSConnection, self.pins), req, context=context)


def page_source(html: str, url: str) -> Source:
    """The page's title, author and date (trafilatura's metadata), and its link."""
    import trafilatura

    found = trafilatura.extract_metadata(html, default_url=url)
    return Source(
        url=url,
        title=getattr(found, "title", None) or None,
        author=getattr(found, "author", None) or None,
        date=getattr(found, "date", None) or None,
        site=getattr(found, "sitename", None) or None,
    )
