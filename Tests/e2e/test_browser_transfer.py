"""Issue 13 item 6: fast over a phone network. The web client's files go out gzip-compressed, under
`/v/<release>/…` URLs a browser keeps for a year, while index.html is revalidated on every load so a
new release is seen at once. The API's larger JSON answers are compressed too.

Over HTTP (urllib does not decompress by itself, so what came over the wire is checked as such), and
in headless Chromium through the Resource Timing API: the first load's modules and stylesheet came
compressed (encodedBodySize < decodedBodySize); on a second load (a new navigation in the same
browser, not a reload) they come from the cache (transferSize 0) and only index.html is asked for
again — seen in the server's request log too.
"""

from __future__ import annotations

import gzip
import re
import urllib.request
from pathlib import Path

import pytest

from parta_e2e import create_operator, expect, submit_application, unique_phone
from test_browser import Page, browser  # noqa: F401  (the browser fixture)

PUBLIC = Path(__file__).resolve().parents[2] / "Public"
VERSIONED = re.compile(r'(?:href|src)="(/v/([0-9a-f]+)/([^"]+))"')
IMMUTABLE = "public, max-age=31536000, immutable"

# Everything the sign-in page fetched, as the browser's Resource Timing API saw it.
ENTRIES = """
const pick = e => ({name: e.name, type: e.initiatorType, transferSize: e.transferSize,
                    encodedBodySize: e.encodedBodySize, decodedBodySize: e.decodedBodySize});
return {navigation: pick(performance.getEntriesByType('navigation')[0]),
        resources: performance.getEntriesByType('resource').map(pick)};
"""


def fetch(url: str, headers: dict[str, str] | None = None):
    """(status, headers, raw body bytes as sent) — urllib neither decompresses nor follows 304."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def served_index(server) -> tuple[str, str, list[str]]:
    """(index.html as served, the release id, the versioned URLs it names)."""
    status, headers, body = fetch(server.url + "/", {"Accept-Encoding": "identity"})
    assert status == 200, status
    html = body.decode()
    found = VERSIONED.findall(html)
    assert found, f"no /v/<release>/ URLs in index.html:\n{html}"
    releases = {release for _, release, _ in found}
    assert len(releases) == 1, releases
    return html, releases.pop(), [url for url, _, _ in found]


def test_files_and_api_over_http(server):
    html, release, urls = served_index(server)
    assert f'src="/v/{release}/js/app.js"' in html and f'href="/v/{release}/css/app.css"' in html, html
    # Only the asset URLs changed: index.html is otherwise as on disk.
    assert html.replace(f"/v/{release}/", "/") == (PUBLIC / "index.html").read_text(encoding="utf-8")

    for url in urls:
        path = url.split("/", 3)[3]
        on_disk = (PUBLIC / path).read_bytes()
        status, plain_headers, plain = fetch(server.url + url, {"Accept-Encoding": "identity"})
        assert status == 200 and plain == on_disk, url
        assert plain_headers["Cache-Control"] == IMMUTABLE, (url, plain_headers)
        assert "Content-Encoding" not in plain_headers, url
        status, headers, packed = fetch(server.url + url, {"Accept-Encoding": "gzip, deflate, br"})
        assert status == 200, url
        if len(on_disk) >= 1024:   # a tiny file (the icon) may be sent as it is
            assert headers["Content-Encoding"] == "gzip", (url, headers)
        if headers["Content-Encoding"] == "gzip":
            assert gzip.decompress(packed) == on_disk, url
            assert int(headers["Content-Length"]) == len(packed) < len(on_disk), url
            assert "Accept-Encoding" in headers["Vary"], url
        # The plain path and an older release's id: the same file, revalidated (ETag → 304).
        for other in (f"/{path}", f"/v/00000000/{path}"):
            status, h, body = fetch(server.url + other, {"Accept-Encoding": "identity"})
            assert status == 200 and body == on_disk and h["Cache-Control"] == "no-cache", (other, h)
            status, h304, _ = fetch(server.url + other, {"Accept-Encoding": "identity", "If-None-Match": h["ETag"]})
            assert status == 304 and h304["ETag"] == h["ETag"], (other, status)

    for page in ("/", "/index.html"):
        status, headers, packed = fetch(server.url + page, {"Accept-Encoding": "gzip"})
        assert status == 200 and headers["Cache-Control"] == "no-cache", headers
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert headers["Content-Encoding"] == "gzip" and gzip.decompress(packed).decode() == html
        assert headers["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        status, _, _ = fetch(server.url + page, {"Accept-Encoding": "gzip", "If-None-Match": headers["ETag"]})
        assert status == 304

    # The API's larger JSON answers, compressed by the server; small ones stay as they are.
    operator = create_operator(server)
    for _ in range(3):
        submit_application(server, adminPhone=unique_phone())
    auth = {"Authorization": f"Bearer {operator.token}"}
    status, plain_headers, plain = fetch(server.url + "/api/v1/school-applications", {**auth, "Accept-Encoding": "identity"})
    assert status == 200 and "Content-Encoding" not in plain_headers and len(plain) > 1024, (status, len(plain))
    status, headers, packed = fetch(server.url + "/api/v1/school-applications", {**auth, "Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip", headers
    assert headers["Content-Type"].startswith("application/json") and "Accept-Encoding" in headers["Vary"]
    assert gzip.decompress(packed) == plain and len(packed) < len(plain) / 2, (len(packed), len(plain))
    status, headers, _ = fetch(server.url + "/api/v1/me", {**auth, "Accept-Encoding": "gzip"})
    assert status == 200 and "Content-Encoding" not in headers
    # `requests` asks for gzip and decompresses by itself, as clients do.
    expect(operator.get("/api/v1/school-applications"), 200)


def requests_logged(server, since: int) -> list[str]:
    """The paths of the GET requests the server logged after `since` characters of its log."""
    return re.findall(r"GET (/\S*)", server.log()[since:])


@pytest.mark.browser
def test_the_sign_in_page_loads_compressed_then_from_the_cache(server, browser):
    _, release, _ = served_index(server)
    page = Page(browser, server.url)

    page.open("/signin")
    page.el("#signin-login")
    first = browser.execute_script(ENTRIES)
    assets = [e for e in first["resources"] if f"/v/{release}/" in e["name"]]
    names = sorted(e["name"].split(f"/v/{release}/")[1] for e in assets)
    assert "js/app.js" in names and "css/app.css" in names, first
    for e in assets:
        if e["decodedBodySize"] >= 1024:
            assert 0 < e["encodedBodySize"] < e["decodedBodySize"], f"not compressed: {e}"
            assert e["transferSize"] > e["encodedBodySize"], e   # came over the network, headers included
    stray = [e["name"] for e in first["resources"]
             if re.search(r"\.(js|css)$", e["name"]) and f"/v/{release}/" not in e["name"]]
    assert not stray, f"loaded outside /v/{release}/ (not cached for long): {stray}"
    nav = first["navigation"]
    every = [nav] + first["resources"]
    transferred = sum(e["transferSize"] for e in every)
    encoded = sum(e["encodedBodySize"] for e in every)
    decoded = sum(e["decodedBodySize"] for e in every)
    print(f"\nfirst load of the sign-in page: {len(every)} responses, {transferred} bytes transferred "
          f"(bodies {encoded} bytes compressed, {decoded} bytes decompressed)")
    # The budget (30 KiB, headers and the 401 of /api/v1/me included): 67,393 bytes before
    # compression, 30,051 with it when this was written. The web client's rewrite will tighten it.
    assert transferred < 30 * 1024, f"the first load transferred {transferred} bytes"

    # A second visit: a new navigation in the same browser (not a reload).
    browser.get("about:blank")
    mark = len(server.log())
    page.open("/signin")
    page.el("#signin-login")
    second = browser.execute_script(ENTRIES)
    again = [e for e in second["resources"] if f"/v/{release}/" in e["name"]]
    # The same modules and stylesheet (the icon is the browser's own business: it may not ask again).
    modules = lambda entries: sorted(n for n in entries if not n.endswith("favicon.svg"))  # noqa: E731
    assert modules(e["name"].split(f"/v/{release}/")[1] for e in again) == modules(names), second
    fetched = [e for e in again if e["transferSize"] != 0]
    assert not fetched, f"asked the network again for: {fetched}"
    assert second["navigation"]["transferSize"] > 0, f"index.html was not revalidated: {second['navigation']}"
    asked = requests_logged(server, mark)
    assert "/" in asked, f"index.html was not asked for again: {asked}"
    assert not [p for p in asked if p.startswith("/v/")], f"versioned files asked for again: {asked}"
    print(f"second load: {sum(e['transferSize'] for e in [second['navigation']] + second['resources'])} bytes "
          f"transferred; requests: {asked}; index.html: {second['navigation']}")
    assert not page.severe_console_errors()
