"""Public/js/qr.js, the web client's QR-code encoder, checked by real QR readers (OpenCV).

No Parta server: `Public/` is served by Python's http.server on loopback (ES modules need http)
plus an empty test page; headless Chromium imports `/js/qr.js`, draws `qrSvg(...)` at 8 px per
module, and the element's screenshot is read by OpenCV's two QR readers (`cv2.QRCodeDetector`,
`cv2.QRCodeDetectorAruco`): both must return exactly the input text. Also checked against the
spec's tables: the version chosen at each capacity limit (v1-v15, level M, byte mode), finder,
timing and alignment patterns, format and version words, the mask of lowest penalty (recomputed
here), every one of the 8 masks decoding, and an Error for a text that is too long.
"""

from __future__ import annotations

import http.server
import re
import threading
from pathlib import Path

import pytest

from test_browser import _find_binary  # the same lookup of chromium and chromedriver

pytestmark = pytest.mark.browser

PUBLIC = Path(__file__).resolve().parents[2] / "Public"
TEST_PAGE = "/__qr_test__.html"
PAGE_HTML = b"""<!doctype html><html><head><meta charset="utf-8"><title>qr</title>
<style>html,body{margin:0;padding:0;background:#fff}svg{display:block;margin:16px}</style></head><body>
<script type="module">import * as qr from '/js/qr.js'; window.qr = qr; window.qrReady = true;</script>
</body></html>"""

# Byte-mode capacity at level M, versions 1-15 (ISO/IEC 18004 table 7).
CAPACITY_M = [14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412]
TOKEN = "q3Vb-8Zk_T1mXr0YwL2pA9sDfG7hJ4kLzXcVbN6mQwE"  # 43 chars of base64url, like an invite token
INVITE_URL = "http://127.0.0.1:8080/#/join/" + TOKEN
CYRILLIC = "5Б, родитель — Школа №1"
PX = 8  # screen pixels per module
# Alignment pattern centres (ISO/IEC 18004 annex E), versions 2-15.
ALIGN = {2: [6, 18], 3: [6, 22], 4: [6, 26], 5: [6, 30], 6: [6, 34], 7: [6, 22, 38], 8: [6, 24, 42],
         9: [6, 26, 46], 10: [6, 28, 50], 11: [6, 30, 54], 12: [6, 32, 58], 13: [6, 34, 62],
         14: [6, 26, 46, 66], 15: [6, 26, 48, 70]}
# Format words (after the 101010000010010 mask) for level M, masks 0-7 (ISO/IEC 18004 annex C).
FORMAT_M = [0b101010000010010, 0b101000100100101, 0b101111001111100, 0b101101101001011,
            0b100010111111001, 0b100000011001110, 0b100111110010111, 0b100101010100000]
# Version words, versions 7-15 (annex D).
VERSION_INFO = {7: 0x07C94, 8: 0x085BC, 9: 0x09A99, 10: 0x0A4D3, 11: 0x0BBF6, 12: 0x0C762, 13: 0x0D847,
                14: 0x0E60D, 15: 0x0F928}
# Data-mask conditions (i = row, j = column): a module is inverted where true.
MASK_FN = [lambda i, j: (i + j) % 2 == 0, lambda i, j: i % 2 == 0, lambda i, j: j % 3 == 0,
           lambda i, j: (i + j) % 3 == 0, lambda i, j: (i // 2 + j // 3) % 2 == 0,
           lambda i, j: i * j % 2 + i * j % 3 == 0, lambda i, j: (i * j % 2 + i * j % 3) % 2 == 0,
           lambda i, j: ((i + j) % 2 + i * j % 3) % 2 == 0]




class _Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=str(PUBLIC), **kwargs)

    def do_GET(self):
        if self.path == TEST_PAGE:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(PAGE_HTML)))
            self.end_headers()
            self.wfile.write(PAGE_HTML)
        else:
            super().do_GET()

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def static_url():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def qr_page(static_url):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = _find_binary("PARTA_E2E_CHROMIUM", "chromium", "chromium-browser")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1000,1000", "--force-device-scale-factor=1"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=_find_binary("PARTA_E2E_CHROMEDRIVER", "chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    try:
        driver.get(static_url + TEST_PAGE)
        try:
            WebDriverWait(driver, 10).until(lambda d: d.execute_script("return window.qrReady === true"))
        except Exception:
            logs = driver.get_log("browser")
            pytest.fail(f"/js/qr.js did not load as a module: {logs}", pytrace=False)
        yield driver
    finally:
        driver.quit()


def matrix(driver, text: str) -> list[list[bool]]:
    return driver.execute_script("return window.qr.qrMatrix(arguments[0])", text)


def render(driver, text: str, size: int | str | None = None, title: str | None = "QR"):
    """Draws qrSvg(text) alone on the page — at PX px per module, or `size` px, or qrSvg's
    default size when size == "default"; returns (svg element, facts about it)."""
    info = driver.execute_script("""
        const [text, size, title] = arguments;
        const n = window.qr.qrMatrix(text).length;
        const opts = { title: title || undefined };
        if (size !== 'default') opts.size = size || (n + 8) * %d;
        const svg = window.qr.qrSvg(text, opts);
        svg.id = 'qr';
        document.body.replaceChildren(svg);
        const paths = svg.querySelectorAll('path'), rect = svg.querySelector('rect');
        return { n, viewBox: svg.getAttribute('viewBox'), role: svg.getAttribute('role'),
                 label: svg.getAttribute('aria-label'), title: svg.querySelector('title')?.textContent ?? null,
                 ns: svg.namespaceURI, paths: paths.length, rendering: svg.getAttribute('shape-rendering'),
                 rectFill: rect && rect.getAttribute('fill'), rectW: rect && rect.getAttribute('width'),
                 width: svg.getBoundingClientRect().width };
    """ % PX, text, size, title)
    return driver.find_element("id", "qr"), info


def decode(png: bytes) -> dict[str, str]:
    """The text each of OpenCV's two QR readers (different finder-pattern detectors) reads in png."""
    import cv2
    import numpy as np

    img = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert img is not None, "screenshot is not a PNG"
    return {name: detector.detectAndDecode(img)[0]
            for name, detector in (("QRCodeDetector", cv2.QRCodeDetector()),
                                   ("QRCodeDetectorAruco", cv2.QRCodeDetectorAruco()))}


def assert_round_trip(driver, text: str, tmp_path: Path, size: int | str | None = None) -> dict:
    el, info = render(driver, text, size)
    png = el.screenshot_as_png
    got = decode(png)
    if any(t != text for t in got.values()):
        shot = tmp_path / f"qr-{len(text)}.png"
        shot.write_bytes(png)
        pytest.fail(f"expected {text!r}, read {got!r} (v{(info['n'] - 17) // 4}, screenshot {shot})")
    return info


FORMAT_CELLS = [(8, y) for y in range(6)] + [(8, 7), (8, 8), (7, 8)] + [(14 - i, 8) for i in range(9, 15)]


def format_cells2(n: int) -> list[tuple[int, int]]:
    """(x, y) of format bits 0-14, second copy: row 8 from the right, then column 8 at the bottom."""
    return [(n - 1 - i, 8) for i in range(8)] + [(8, n - 15 + i) for i in range(8, 15)]


def format_info(m: list[list[bool]]) -> tuple[int, int]:
    """(error-correction bits, mask) from the format info; both copies must be the same valid word."""
    n = len(m)
    word = sum(1 << i for i, (x, y) in enumerate(FORMAT_CELLS) if m[y][x])
    word2 = sum(1 << i for i, (x, y) in enumerate(format_cells2(n)) if m[y][x])
    assert word == word2, f"the two format-info copies differ: {word:015b} vs {word2:015b}"
    assert m[n - 8][8], "the dark module is missing"
    ecl, mask = (word ^ 0x5412) >> 13, (word ^ 0x5412) >> 10 & 7
    assert ecl == 0b00, f"error correction level must be M (00), format word {word:015b}"
    assert word == FORMAT_M[mask], f"format word {word:015b} is not the spec's for M, mask {mask}"
    return ecl, mask


def function_modules(n: int) -> set[tuple[int, int]]:
    """(x, y) of every module that is not data: finders + separators, timing, alignment, format, version."""
    v = (n - 17) // 4
    f = {(x, y) for cx, cy in ((3, 3), (n - 4, 3), (3, n - 4))
         for x in range(cx - 4, cx + 5) for y in range(cy - 4, cy + 5) if 0 <= x < n and 0 <= y < n}
    f |= {(6, i) for i in range(n)} | {(i, 6) for i in range(n)}
    for cx in ALIGN.get(v, []):
        for cy in ALIGN[v]:
            if (cx, cy) not in f:
                f |= {(cx + dx, cy + dy) for dx in range(-2, 3) for dy in range(-2, 3)}
    f |= set(FORMAT_CELLS) | set(format_cells2(n)) | {(8, n - 8)}
    if v >= 7:
        f |= {(n - 11 + i % 3, i // 3) for i in range(18)} | {(i // 3, n - 11 + i % 3) for i in range(18)}
    return f


def penalty(m: list[list[bool]]) -> int:
    """The spec's mask penalty: N1 = 3 + (run - 5) per run of >= 5, N2 = 3 per 2x2 block, N3 = 40 per
    1:1:3:1:1 pattern with 4 light modules on a side (outside counts as light), N4 = 10 per 5 %."""
    n = len(m)
    lines = ["".join("1" if c else "0" for c in row) for row in m]
    lines += ["".join("1" if m[y][x] else "0" for y in range(n)) for x in range(n)]
    p = 0
    for line in lines:
        p += sum(len(r) - 2 for r in re.findall(r"0{5,}|1{5,}", line))
        p += 40 * len(re.findall(r"(?=10111010000|00001011101)", "0000" + line + "0000"))
    p += 3 * sum(m[y][x] == m[y][x + 1] == m[y + 1][x] == m[y + 1][x + 1]
                 for y in range(n - 1) for x in range(n - 1))
    dark = sum(map(sum, m))
    return p + 10 * int(abs(dark * 100 / (n * n) - 50) // 5)


def assert_lowest_penalty_mask(m: list[list[bool]]) -> int:
    """Re-masks the symbol with each of the 8 masks (here, in Python) and checks qr.js chose one
    with the lowest penalty; returns the chosen mask."""
    n, (_, chosen) = len(m), format_info(m)
    func = function_modules(n)
    data = [(x, y) for y in range(n) for x in range(n) if (x, y) not in func]
    scores = []
    for k in range(8):
        t = [row[:] for row in m]
        for x, y in data:
            t[y][x] = m[y][x] ^ MASK_FN[chosen](y, x) ^ MASK_FN[k](y, x)
        for cells in (FORMAT_CELLS, format_cells2(n)):
            for i, (x, y) in enumerate(cells):
                t[y][x] = bool(FORMAT_M[k] >> i & 1)
        scores.append(penalty(t))
    assert scores[chosen] == min(scores), f"mask {chosen} chosen, penalties {scores}"
    return chosen


@pytest.mark.parametrize("text", [
    pytest.param(INVITE_URL, id="invite-url"),
    pytest.param("Parta", id="short"),
    pytest.param(CYRILLIC, id="cyrillic"),
    pytest.param(("Приглашение в 5Б: " + INVITE_URL + " ") * 3, id="long-312-bytes"),
])
def test_decodes_to_the_same_text(qr_page, text, tmp_path):
    info = assert_round_trip(qr_page, text, tmp_path)
    version = (info["n"] - 17) // 4
    if len(text.encode()) > 200:
        assert version >= 7, "a long text should need a version with version info"
    assert info["ns"] == "http://www.w3.org/2000/svg"
    assert info["viewBox"] == f"0 0 {info['n'] + 8} {info['n'] + 8}", "the quiet zone is 4 modules"
    assert info["role"] == "img" and info["label"] == "QR" and info["title"] == "QR"
    assert info["paths"] == 1 and info["rendering"] == "crispEdges"
    assert info["rectFill"] == "#fff" and info["rectW"] == str(info["n"] + 8)
    assert info["width"] == (info["n"] + 8) * PX


def test_default_size_192_still_decodes(qr_page, tmp_path):
    # The invites page shows the link at qrSvg's default size: 4.7 px per module for this URL.
    info = assert_round_trip(qr_page, "https://parta.school.example/#/join/" + TOKEN, tmp_path, size="default")
    assert info["width"] == 192


@pytest.mark.parametrize("version", range(1, 16))
def test_each_version_at_its_capacity(qr_page, version, tmp_path):
    cap = CAPACITY_M[version - 1]
    text = ("v%02d:" % version + "Parta QR test 0123456789 abcdefghijklmnopqrstuvwxyz " * 9)[:cap]
    m = matrix(qr_page, text)
    assert len(m) == 21 + 4 * (version - 1) and all(len(row) == len(m) for row in m)
    assert all(type(c) is bool for row in m for c in row), "qrMatrix must hold booleans"
    format_info(m)
    n = len(m)
    finder = [[max(abs(x - 3), abs(y - 3)) != 2 for x in range(7)] for y in range(7)]
    for ox, oy in ((0, 0), (n - 7, 0), (0, n - 7)):
        assert [row[ox:ox + 7] for row in m[oy:oy + 7]] == finder, f"finder at {ox},{oy}"
    assert [m[6][i] for i in range(n)][8:n - 8] == [i % 2 == 0 for i in range(8, n - 8)], "timing row"
    assert [m[i][6] for i in range(n)][8:n - 8] == [i % 2 == 0 for i in range(8, n - 8)], "timing column"
    centres = [(x, y) for x in ALIGN.get(version, []) for y in ALIGN[version]
               if not (x < 9 and y < 9 or x > n - 10 and y < 9 or x < 9 and y > n - 10)]
    for cx, cy in centres:
        assert [row[cx - 2:cx + 3] for row in m[cy - 2:cy + 3]] == \
            [[max(abs(dx), abs(dy)) != 1 for dx in range(-2, 3)] for dy in range(-2, 3)], f"alignment at {cx},{cy}"
    if version >= 7:
        for i in range(18):
            bit = bool(VERSION_INFO[version] >> i & 1)
            assert m[i // 3][n - 11 + i % 3] == bit and m[n - 11 + i % 3][i // 3] == bit, f"version bit {i}"
    assert_lowest_penalty_mask(m)
    if version > 1:  # one byte more no longer fits this version
        assert len(matrix(qr_page, text[:CAPACITY_M[version - 2] + 1])) == len(m)
        assert len(matrix(qr_page, text[:CAPACITY_M[version - 2]])) == len(m) - 4
    assert_round_trip(qr_page, text, tmp_path)


def test_every_mask_decodes(qr_page, tmp_path):
    seen: dict[int, str] = {}
    for i in range(1000):
        text = (f"Parta {i}", f"{INVITE_URL[:-6]}{i * 7919:06d}", f"Школа №{i}")[i % 3]
        seen.setdefault(assert_lowest_penalty_mask(matrix(qr_page, text)), text)
        if len(seen) == 8:
            break
    assert sorted(seen) == list(range(8)), f"only masks {sorted(seen)} chosen in 1000 texts"
    for text in seen.values():
        assert_round_trip(qr_page, text, tmp_path)


def test_too_long_text_throws(qr_page):
    for text in ("a" * 2000, "a" * 413, "я" * 207):
        err = qr_page.execute_script("""
            try { window.qr.qrMatrix(arguments[0]); return null; }
            catch (e) { return { isError: e instanceof Error, message: e.message }; }""", text)
        assert err and err["isError"], f"{len(text)} chars did not throw"
        assert "too long" in err["message"]
    err = qr_page.execute_script("""
        try { window.qr.qrSvg('a'.repeat(2000)); return null; } catch (e) { return e.message; }""")
    assert err and "too long" in err
    assert len(matrix(qr_page, "я" * 206)) == 77  # 412 bytes: the most that fits (v15)
