"""Over-long request heads get a JSON answer (414/431), not a dropped connection; chat files are
not kept by caches."""

from __future__ import annotations

import json
import socket

from parta_e2e import api, approve_and_activate, create_operator, expect, make_pdf, submit_application


def raw_exchange(server, head: bytes, timeout: float = 15) -> tuple[int, dict, dict]:
    """Sends `head` over a fresh socket and reads the whole answer (the request asks the server to
    close). Returns (status, headers, JSON body)."""
    port = int(server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(head)
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
            head_end = data.find(b"\r\n\r\n")
            if head_end >= 0:
                lines = data[:head_end].decode("latin-1").split("\r\n")
                headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
                length = int(headers.get("content-length", "-1"))
                if length >= 0 and len(data) >= head_end + 4 + length:
                    break
    assert data, "the server closed the connection without an answer"
    head_end = data.find(b"\r\n\r\n")
    assert head_end > 0, f"no complete answer: {data[:300]!r}"
    lines = data[:head_end].decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
    body = json.loads(data[head_end + 4:head_end + 4 + int(headers["content-length"])])
    return status, headers, body


def assert_json_error(status: int, headers: dict, body: dict, expected_status: int, code: str) -> None:
    assert status == expected_status, f"expected {expected_status}, got {status}: {body}"
    assert headers.get("content-type", "").startswith("application/json"), headers
    assert set(body) == {"error"}, body
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"], body


def test_a_20_kb_url_gets_414_json(server):
    host = server.url.split("//", 1)[1]
    head = f"GET /api/v1/me?q={'a' * 20 * 1024} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
    assert_json_error(*raw_exchange(server, head), 414, "uri_too_long")
    expect(api(server).get("/healthz"), 200)


def test_100_kb_of_headers_get_431_json(server):
    host = server.url.split("//", 1)[1]
    # Beyond the HTTP decoder's own limit (80 KB): answered from the connection's pipeline.
    filler = "".join(f"X-Filler-{i}: {'b' * 1000}\r\n" for i in range(100))
    head = f"GET /api/v1/me HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{filler}\r\n".encode()
    assert_json_error(*raw_exchange(server, head), 431, "headers_too_large")
    # Between our limit (32 KB) and the decoder's: answered by the middleware.
    filler = "".join(f"X-Filler-{i}: {'b' * 1000}\r\n" for i in range(40))
    head = f"GET /api/v1/me HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{filler}\r\n".encode()
    assert_json_error(*raw_exchange(server, head), 431, "headers_too_large")
    # A huge request line is a header overflow for the decoder too.
    head = f"GET /{'c' * 100 * 1024} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    status, headers, body = raw_exchange(server, head)
    assert status in (414, 431) and body["error"]["code"] in ("uri_too_long", "headers_too_large"), body
    expect(api(server).get("/healthz"), 200)


def test_chat_files_are_not_cached(server):
    operator = create_operator(server)
    admin = approve_and_activate(server, operator, submit_application(server))
    chats = expect(admin.get(f"/api/v1/schools/{admin.school_id}/chats"), 200)["items"]
    channel = next(c for c in chats if c["kind"] == "channel")
    uploaded = expect(admin.post(f"/api/v1/chats/{channel['id']}/files",
                                 files={"file": ("план.pdf", make_pdf("plan"), "application/pdf")}), 201)
    download = admin.get(f"/api/v1/files/{uploaded['id']}")
    expect(download, 200)
    assert download.headers["Cache-Control"] == "private, no-store", download.headers
