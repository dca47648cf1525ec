"""Issue 11: a PostgreSQL restart must not wedge the server. On a PostgreSQL cluster of the test's
own (so restarting it disturbs no other test), with senders posting all the time: while the
database is down, requests answer 503 with a JSON error in under a second and /readyz says so at
once; within seconds of its return everything works again (pool, LISTEN connection, sockets) —
several times over — and no acknowledged message is lost.

Runs once, in the SQLite pass of the suite (it brings its own PostgreSQL)."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests
import websocket

from parta_e2e import (
    PartaServer, approve_and_activate, create_operator, expect, free_port, stored_message_ids, submit_application,
)


def _pg_bin() -> Path | None:
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.access(f"{d}/initdb", os.X_OK) and os.access(f"{d}/pg_ctl", os.X_OK):
            return Path(d)
    return None


pytestmark = [
    pytest.mark.skipif(_pg_bin() is None, reason="needs PostgreSQL's server binaries"),
    pytest.mark.skipif(bool(os.environ.get("PARTA_E2E_DATABASE_URL")), reason="runs once, in the SQLite pass (own PostgreSQL)"),
]


class OwnPostgres:
    """A throwaway PostgreSQL cluster on loopback that the test may stop and start."""

    def __init__(self) -> None:
        self.bin = _pg_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="parta-pg-restart-"))
        self.port = free_port()
        self.root = os.getuid() == 0
        if self.root:
            shutil.chown(self.dir, "postgres")
        self._run("initdb", "-D", str(self.dir / "data"), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                  "--locale=C.UTF-8")
        self.start()
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-q", "-c",
                        "CREATE DATABASE parta", "postgres"], check=True, capture_output=True)
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/parta"

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bin / tool), *args]
        if self.root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def _ctl(self, action: str, *extra: str) -> None:
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "server.log"), "-w", "-t", "60",
                  *extra, action)

    def start(self) -> None:
        self._ctl("start", "-o", f"-h 127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off -c full_page_writes=off")

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast")

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast", "-o", f"-h 127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off")

    def destroy(self) -> None:
        try:
            self._ctl("stop", "-m", "immediate")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


class Senders:
    """Threads posting to a chat as fast as answered; every answer's status and time is kept."""

    def __init__(self, base: str, token: str, chat_id: str, count: int = 4) -> None:
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acked: set[str] = set()
        self.statuses: dict[int, int] = {}
        self.slow: list[tuple] = []   # (status, seconds, UTC start) of non-2xx answers slower than 1 s
        self.bad: list[str] = []
        self.threads = [threading.Thread(target=self._run, args=(base, token, chat_id, f"s{i}"), daemon=True)
                        for i in range(count)]
        for t in self.threads:
            t.start()

    def _run(self, base: str, token: str, chat_id: str, name: str) -> None:
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {token}"
        n = 0
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                r = s.post(f"{base}/api/v1/chats/{chat_id}/messages", json={"text": f"{name}-{n}", "clientId": f"{name}-{n}"},
                           timeout=30)
            except requests.RequestException as exc:
                with self.lock:
                    self.bad.append(f"{name}-{n}: {exc!r}")
                time.sleep(0.1)
                continue
            took = time.monotonic() - started
            with self.lock:
                self.statuses[r.status_code] = self.statuses.get(r.status_code, 0) + 1
                if r.status_code == 201:
                    self.acked.add(r.json()["id"])
                    n += 1
                else:
                    if took > 1.0:
                        self.slow.append((r.status_code, round(took, 2), time.strftime("%H:%M:%S", time.gmtime(time.time() - took))))
                    try:
                        body = r.json()
                        assert isinstance(body["error"]["code"], str) and body["error"]["message"]
                    except Exception:  # noqa: BLE001
                        self.bad.append(f"{r.status_code} without a JSON error: {r.text[:200]}")
                    if r.status_code != 503:
                        self.bad.append(f"{r.status_code}: {r.text[:200]}")
                    time.sleep(0.05)   # same clientId again: stored once either way

    def count(self) -> int:
        with self.lock:
            return len(self.acked)

    def finish(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(40)


def _ready(url: str) -> tuple[int, float]:
    started = time.monotonic()
    r = requests.get(url + "/readyz", timeout=10)
    return r.status_code, time.monotonic() - started


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} within {timeout} s")


def test_postgres_restarts_under_load_fail_fast_and_heal_by_themselves(parta_bin, smtp_server, sms_gateway, tmp_path):
    pg = OwnPostgres()
    server = PartaServer(parta_bin, tmp_path / "parta", smtp_server, sms_gateway, database_url=pg.url,
                         extra_env={"PARTA_MESSAGES_PER_MINUTE": "1000000", **({"PARTA_LOG_LEVEL": os.environ["PARTA_E2E_SERVER_LOG_LEVEL"]} if os.environ.get("PARTA_E2E_SERVER_LOG_LEVEL") else {})})
    senders = None
    try:
        server.start()
        operator = create_operator(server)
        admin = approve_and_activate(server, operator, submit_application(server))
        channel = next(c for c in expect(admin.get(f"/api/v1/schools/{admin.school_id}/chats"), 200)["items"]
                       if c.get("audience") == "school")
        senders = Senders(server.url, admin.token, channel["id"])
        _wait(lambda: senders.count() >= 50, 20, "50 messages were not acknowledged")

        for cycle in range(3):
            # Down: answers come at once, 503 with a JSON error.
            pg.stop()
            time.sleep(1.5)
            for _ in range(3):
                status, took = _ready(server.url)
                assert status == 503 and took < 1.0, f"cycle {cycle}: /readyz {status} in {took:.2f} s while down"
                started = time.monotonic()
                r = admin.get(f"/api/v1/chats/{channel['id']}/messages?limit=5")
                took = time.monotonic() - started
                assert r.status_code == 503 and took < 1.0, f"cycle {cycle}: {r.status_code} in {took:.2f} s: {r.text[:200]}"
                assert r.json()["error"]["code"] == "database_unavailable", r.text
            # Back: ready within seconds, and sends are acknowledged again.
            pg.start()
            back = time.monotonic()
            _wait(lambda: _ready(server.url)[0] == 200, 10, f"cycle {cycle}: /readyz did not return to 200")
            before = senders.count()
            _wait(lambda: senders.count() >= before + 20, 15, f"cycle {cycle}: sends did not resume")
            print(f"cycle {cycle}: healed in {time.monotonic() - back:.2f} s")

        # A socket connected now gets live messages after a fast restart too (it may be told to
        # reconnect once the LISTEN connection is back: it does, and sees the next message).
        pg.restart()
        _wait(lambda: _ready(server.url)[0] == 200, 10, "/readyz did not return after restart")
        ws_url = server.url.replace("http", "ws") + "/api/v1/ws"

        def live_message_arrives() -> bool:
            ws = websocket.create_connection(ws_url, header=[f"Authorization: Bearer {admin.token}"], timeout=5)
            try:
                while json.loads(ws.recv()).get("type") != "hello":
                    pass
                marker = f"after-restart-{time.monotonic()}"
                expect(admin.post(f"/api/v1/chats/{channel['id']}/messages", json={"text": marker}), 201)
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline:
                    frame = json.loads(ws.recv())
                    if frame.get("type") == "message.created" and frame["data"]["text"] == marker:
                        return True
                return False
            except (websocket.WebSocketException, OSError, ValueError, AssertionError):
                return False   # closed to reconnect (4409), or the database not back yet: try again
            finally:
                ws.close()

        _wait(live_message_arrives, 20, "a socket did not get a live message after the restart")
        senders.finish()

        assert not senders.bad, senders.bad[:10]
        assert not senders.slow, f"answers slower than 1 s while the database was down: {senders.slow[:10]}"
        assert 500 not in senders.statuses, senders.statuses
        stored = stored_message_ids(admin, channel["id"])
        assert not (senders.acked - stored), f"{len(senders.acked - stored)} acknowledged messages lost"
        log = server.log()
        assert "Fatal error" not in log
    finally:
        if senders:
            senders.finish()
        if server.is_running():
            server.stop()
        pg.destroy()
