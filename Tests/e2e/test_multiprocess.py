"""Issue 4: several server processes on one PostgreSQL. Two `parta serve` processes share the
database; a message sent through one reaches a WebSocket connected to the other (LISTEN/NOTIFY),
and signing out through one closes the session's socket on the other. PostgreSQL only (the test
command runs the e2e suite again with PARTA_E2E_DATABASE_URL)."""

from __future__ import annotations

import json
import os
import time

import pytest
import websocket

from parta_e2e import PartaServer, approve_and_activate, create_operator, expect, submit_application

pytestmark = pytest.mark.skipif(not os.environ.get("PARTA_E2E_DATABASE_URL"), reason="needs PostgreSQL (PARTA_E2E_DATABASE_URL)")


def _frames(ws, until, timeout: float = 10.0) -> list[dict]:
    """Reads frames until `until(frame)` is true; returns them all."""
    got: list[dict] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ws.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            frame = json.loads(ws.recv())
        except websocket.WebSocketTimeoutException:
            break
        got.append(frame)
        if until(frame):
            return got
    raise AssertionError(f"no such frame within {timeout} s; got {got}")


def test_a_message_sent_on_one_process_reaches_a_socket_on_the_other(server, parta_bin, smtp_server, sms_gateway, tmp_path):
    other = PartaServer(parta_bin, tmp_path / "second", smtp_server, sms_gateway, database_url=server.database_url).start()
    try:
        operator = create_operator(server)
        admin = approve_and_activate(server, operator, submit_application(server))
        channel = next(c for c in expect(admin.get(f"/api/v1/schools/{admin.school_id}/chats"), 200)["items"]
                       if c.get("audience") == "school")

        ws = websocket.create_connection(other.url.replace("http", "ws") + "/api/v1/ws",
                                         header=[f"Authorization: Bearer {admin.token}"], timeout=10)
        _frames(ws, lambda f: f.get("type") == "hello")
        sent = expect(admin.post(f"/api/v1/chats/{channel['id']}/messages", json={"text": "Линейка в 9:00 — через другой процесс"}), 201)
        frames = _frames(ws, lambda f: f.get("type") == "message.created")
        created = frames[-1]
        assert created["data"]["text"] == "Линейка в 9:00 — через другой процесс"
        assert created["data"]["id"] == sent["id"] and created["chatId"] == channel["id"]

        # Signing out through the first process closes the socket on the second at once.
        expect(admin.post("/api/v1/auth/signout"), 204)
        _frames(ws, lambda f: f.get("type") == "session_ended")
        ws.close()
    finally:
        other.stop()
