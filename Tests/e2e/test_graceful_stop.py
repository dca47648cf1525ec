"""Issue 11: a graceful stop under load. SIGTERM while messages arrive over sockets and HTTP: the
server exits 0 within a few seconds, every message it acknowledged is stored, and every socket is
closed with 1001 (going away), so clients reconnect and resume. (It used to crash with a nil
database behind a send that arrived during shutdown, and to wait past 10 s for open sockets.)"""

from __future__ import annotations

import json
import struct
import threading
import time

import requests
import websocket

from parta_e2e import approve_and_activate, create_operator, expect, stored_message_ids, submit_application

SOCKETS = 4
HTTP_SENDERS = 2


def _socket_sender(url: str, token: str, chat_id: str, name: str, out: dict) -> None:
    """Sends one message at a time over a socket until it closes; records what was acknowledged."""
    acked: list[str] = []
    out[name] = {"acked": acked, "close": None, "failed": 0, "error": None}
    try:
        ws = websocket.create_connection(url, header=[f"Authorization: Bearer {token}"], timeout=20)
        while json.loads(ws.recv()).get("type") != "hello":
            pass
        out[name]["ready"] = True
        n = 0
        while True:
            client_id = f"{name}-{n}"
            ws.send(json.dumps({"type": "send", "chatId": chat_id, "clientId": client_id, "text": client_id}))
            n += 1
            while True:
                opcode, data = ws.recv_data(control_frame=True)
                if opcode == websocket.ABNF.OPCODE_CLOSE:
                    out[name]["close"] = struct.unpack(">H", data[:2])[0] if len(data) >= 2 else None
                    return
                if opcode != websocket.ABNF.OPCODE_TEXT:
                    continue
                frame = json.loads(data)
                if frame.get("clientId") != client_id:
                    continue
                if frame["type"] == "sent":
                    acked.append(frame["message"]["id"])
                else:
                    out[name]["failed"] += 1
                break
    except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError) as exc:
        out[name]["error"] = repr(exc)


def _http_sender(base: str, token: str, chat_id: str, name: str, stop: threading.Event, out: dict) -> None:
    acked: list[str] = []
    out[name] = {"acked": acked}
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    n = 0
    while not stop.is_set():
        try:
            r = s.post(f"{base}/api/v1/chats/{chat_id}/messages", json={"text": f"{name}-{n}", "clientId": f"{name}-{n}"}, timeout=10)
        except requests.RequestException:
            return
        n += 1
        if r.status_code == 201:
            acked.append(r.json()["id"])
        elif r.status_code >= 500 and r.status_code != 503:
            out[name]["server_error"] = f"{r.status_code} {r.text[:200]}"
            return


def test_sigterm_under_load_stops_quickly_keeps_every_acknowledged_message_and_closes_sockets_with_1001(server_factory):
    server = server_factory({"PARTA_MESSAGES_PER_MINUTE": "1000000"})
    operator = create_operator(server)
    admin = approve_and_activate(server, operator, submit_application(server))
    channel = next(c for c in expect(admin.get(f"/api/v1/schools/{admin.school_id}/chats"), 200)["items"]
                   if c.get("audience") == "school")
    ws_url = server.url.replace("http", "ws") + "/api/v1/ws"

    results: dict = {}
    stop_http = threading.Event()
    threads = [threading.Thread(target=_socket_sender, args=(ws_url, admin.token, channel["id"], f"ws{i}", results))
               for i in range(SOCKETS)]
    threads += [threading.Thread(target=_http_sender, args=(server.url, admin.token, channel["id"], f"http{i}", stop_http, results))
                for i in range(HTTP_SENDERS)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and sum(len(r["acked"]) for r in list(results.values())) < 200:
        time.sleep(0.05)
    assert all(results.get(f"ws{i}", {}).get("ready") for i in range(SOCKETS)), results

    started = time.monotonic()
    code = server.stop(timeout=15)
    took = time.monotonic() - started
    stop_http.set()
    for t in threads:
        t.join(20)
    log = server.log()
    assert code == 0, f"exit code {code}\n{server.log_tail()}"
    assert took < 5, f"SIGTERM took {took:.1f} s"
    assert "Fatal error" not in log and "Could not stop HTTP server" not in log, server.log_tail()
    for i in range(SOCKETS):
        r = results[f"ws{i}"]
        assert r["close"] == 1001, f"socket {i}: {r['close']!r} ({r.get('error')}), {len(r['acked'])} acknowledged"
    assert not any(r.get("server_error") for r in results.values()), results

    acknowledged = {mid for r in results.values() for mid in r["acked"]}
    assert len(acknowledged) >= 200
    server.start()
    stored = stored_message_ids(admin, channel["id"])
    missing = acknowledged - stored
    assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged messages were lost"
