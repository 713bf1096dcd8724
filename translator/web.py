"""Web pages by URL: fetched with a timeout, a size limit and a check that the answer is an HTML
page; the article (not the menus) extracted by trafilatura, with its title, author, date and link.

A server that fetches what its users name can be turned against the network it sits in (server-side
request forgery): ``FetchPolicy(allow_private=False)`` refuses any address that is not public
(loopback, private ranges, link-local, multicast, reserved), at every redirect too, unless its host
is listed in ``allow_hosts``. The command line, which fetches for the person running it, allows them.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from .documents import Document, html_to_text
from .errors import InputError
from .types import Source
from .version import __version__

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
    check_address(url, policy)
    opener = urllib.request.build_opener(_Redirects(policy))
    headers = {"User-Agent": f"translator/{__version__}", "Accept": ", ".join(types)}
    request = urllib.request.Request(url, headers=headers)
    try:
        with opener.open(request, timeout=policy.timeout_s) as response:
            kind = response.headers.get_content_type()
            if kind not in types:
                raise FetchError(f"{url}: is {kind}, not {wanted}")
            data = response.read(policy.max_bytes + 1)
            if len(data) > policy.max_bytes:
                raise FetchError(f"{url}: the answer is over the limit of {policy.max_bytes:,} bytes")
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


def check_address(url: str, policy: FetchPolicy) -> None:
    """Refuse what is not http(s), and (by the policy) any host that resolves to a non-public address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url}: only http and https links to a host can be fetched")
    host = parts.hostname
    if policy.allow_private or host in policy.allow_hosts:
        return
    try:
        found = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
        addresses = {str(info[4][0]) for info in found}
    except socket.gaierror as e:
        raise FetchError(f"{url}: cannot resolve {host} ({e.strerror})") from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global or ip.is_multicast:
            raise FetchError(
                f"{url}: {host} is a private, loopback or link-local address ({ip}); this server does not "
                "fetch those (its operator can allow a host with --allow-host)"
            )


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Every redirect's target is checked like the first URL, before it is followed."""

    def __init__(self, policy: FetchPolicy):
        self.policy = policy

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        check_address(newurl, self.policy)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


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
