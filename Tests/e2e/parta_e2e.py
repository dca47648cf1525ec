"""Building blocks of Parta's end-to-end harness.

Everything here talks to a real `parta serve` process over real sockets: a real SMTP server
(aiosmtpd) receives the server's mail, a real HTTP SMS gateway receives its SMS, and the
tests use the public HTTP API only. `conftest.py` turns these classes into pytest fixtures;
test modules import the helpers (`api`, `expect`, `create_operator`, ...) from here.

Nothing in this module sleeps to *assert* something: waits poll a condition with a deadline
and fail with what was seen instead.
"""

from __future__ import annotations

import email
import email.policy
import itertools
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Optional

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BIN = REPO_ROOT / ".build" / "debug" / "parta"

ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
SETUP_LINK_RE = re.compile(r"Setup link: (\S+)")
ACTIVATION_LINK_RE = re.compile(r"(https?://[^\s<>\"']+/#/activate/([A-Za-z0-9_\-]+))")
CODE_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


# --------------------------------------------------------------------------------------------
# Small utilities
# --------------------------------------------------------------------------------------------

def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate: Callable[[], Any], timeout: float, interval: float = 0.05,
               message: str | Callable[[], str] = "condition") -> Any:
    """Polls `predicate` until it returns something truthy; returns it, or fails after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            text = message() if callable(message) else message
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {text}")
        time.sleep(interval)


def normalize_phone(raw: str) -> str:
    """Russian mobile number to E.164 (+7XXXXXXXXXX), as the server stores it."""
    digits = re.sub(r"\D", "", raw)
    if len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    return "+7" + digits


_counter = itertools.count(1)


def unique_suffix() -> str:
    return f"{next(_counter)}{random.randrange(16**6):06x}"


def unique_email(prefix: str = "admin") -> str:
    return f"{prefix}-{unique_suffix()}@school.test"


def unique_phone() -> str:
    """A random Russian mobile number (+79XXXXXXXXX), never the default +79123456789."""
    while True:
        phone = "+79" + "".join(random.choice("0123456789") for _ in range(9))
        if phone != "+79123456789":
            return phone


def make_pdf(note: str = "") -> bytes:
    """A tiny but well-formed one-page PDF (correct xref offsets). `note` makes the bytes unique."""
    note = re.sub(r"[^A-Za-z0-9 _.-]", "", note) or "order"
    content = f"BT /F1 12 Tf 72 720 Td (Prikaz {note}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n" % (len(objects) + 1)
    out += b"0000000000 65535 f \n"
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def extract_activation_link(text: str) -> tuple[str, str]:
    """(link, token) of the first `…/#/activate/<token>` in `text`; fails if there is none."""
    m = ACTIVATION_LINK_RE.search(text)
    assert m, f"no activation link (…/#/activate/<token>) in message: {text!r}"
    return m.group(1), m.group(2)


def extract_code(text: str) -> str:
    """The first stand-alone 6-digit number in `text`; fails if there is none."""
    m = CODE_RE.search(text)
    assert m, f"no 6-digit code in message: {text!r}"
    return m.group(1)


def join_by_link(server, token: str, name: str, login: str, password: Optional[str] = None) -> requests.Session:
    """Joins by an invite link as a new person: asks for the code (SMS for a phone, email for an
    address), joins with it; sets `password` when given (to sign in through the browser later).
    Returns the person's session (the cookie in its jar)."""
    person = requests.Session()
    by_email = "@" in login
    mark = None if by_email else server.sms.mark()
    expect(person.post(f"{server.url}/api/v1/join/{token}/code", json={"fullName": name, "login": login}), 202)
    text = server.smtp.wait_for(login).body if by_email else server.sms.wait_for(login, since=mark).text
    expect(person.post(f"{server.url}/api/v1/join/{token}", json={"login": login, "code": extract_code(text)}), 200)
    if password:
        expect(person.put(f"{server.url}/api/v1/me/password", json={"newPassword": password}), 204)
    return person


# --------------------------------------------------------------------------------------------
# SMTP capture
# --------------------------------------------------------------------------------------------

@dataclass
class CapturedEmail:
    to: str                      # the first envelope recipient (RCPT TO), lower-cased
    rcpt_tos: list[str]          # every envelope recipient, lower-cased
    mail_from: str
    subject: str                 # decoded (encoded-words resolved)
    body: str                    # the text/plain part decoded to str (else the text/html part)
    html: Optional[str]
    header_to: str
    content_type: str
    raw: bytes
    smtputf8: bool
    received_at: float = field(default_factory=time.time)

    def __repr__(self) -> str:
        return f"<email to={self.to!r} subject={self.subject!r} body={self.body[:200]!r}>"


def _fix_8bit_header(value: str) -> str:
    """Headers sent as raw UTF-8 (SMTPUTF8) come out of the parser as surrogate escapes."""
    try:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeError:
        return value


def parse_email(raw: bytes, rcpt_tos: list[str], mail_from: str, smtputf8: bool = False) -> CapturedEmail:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    subject = _fix_8bit_header(str(msg.get("Subject", "")))
    header_to = _fix_8bit_header(str(msg.get("To", "")))
    plain = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))

    def content(part) -> str:
        try:
            value = part.get_content()
        except Exception:  # a broken part: keep what can be read
            payload = part.get_payload(decode=True) or b""
            value = payload.decode(part.get_content_charset() or "utf-8", "replace")
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        value = value.replace("\r\n", "\n")  # SMTP's CRLF line ends
        return _fix_8bit_header(value) if any("\udc80" <= ch <= "\udcff" for ch in value) else value

    html = content(html_part) if html_part is not None else None
    if plain is not None:
        body = content(plain)
    elif html is not None:
        body = html
    else:
        body = raw.decode("utf-8", "replace")
    rcpts = [r.lower() for r in rcpt_tos]
    return CapturedEmail(
        to=rcpts[0] if rcpts else "", rcpt_tos=rcpts, mail_from=mail_from, subject=subject, body=body,
        html=html, header_to=header_to, content_type=msg.get_content_type(), raw=raw, smtputf8=smtputf8)


class _Inbox:
    """What the SMTP capture and the SMS gateway share: received messages, `mark()`, `find()` and
    `wait_for()`. Subclasses say what a match is (`_matches`) and what to add to a failure (`_extra`)."""

    kind = "message"

    def __init__(self) -> None:
        self.messages: list = []
        self.errors: list = []
        self._cond = threading.Condition()

    def _received(self, message) -> None:
        with self._cond:
            self.messages.append(message)
            self._cond.notify_all()

    def _matches(self, m, to: Optional[str], contains: Optional[str]) -> bool:
        raise NotImplementedError

    def _extra(self) -> str:
        return ""

    def mark(self) -> int:
        """The number of messages so far; pass it as `since=` to look only at later ones."""
        with self._cond:
            return len(self.messages)

    def find(self, to: Optional[str] = None, contains: Optional[str] = None, since: int = 0) -> list:
        with self._cond:
            return [m for m in self.messages[since:] if self._matches(m, to, contains)]

    def wait_for(self, to: Optional[str] = None, timeout: float = 10, contains: Optional[str] = None,
                 since: int = 0):
        """The first message (at index ≥ `since`) to `to` that contains `contains`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for m in self.messages[since:]:
                    if self._matches(m, to, contains):
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = "\n  ".join(repr(m) for m in self.messages) or "(none)"
                    raise AssertionError(
                        f"no {self.kind} to {to!r} containing {contains!r} within {timeout} s "
                        f"(since #{since}); received:\n  {seen}" + self._extra())
                self._cond.wait(min(left, 0.5))


class SmtpCapture(_Inbox):
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it accepts."""

    kind = "email"

    def __init__(self) -> None:
        super().__init__()
        self._controller = None
        self.host = "127.0.0.1"
        self.port = 0

    # aiosmtpd handler hook
    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        smtputf8 = "SMTPUTF8" in [o.upper() for o in (envelope.mail_options or [])]
        try:
            message = parse_email(raw, list(envelope.rcpt_tos), envelope.mail_from or "", smtputf8)
        except Exception as exc:  # keep the raw message; a test will see the error
            self.errors.append(f"could not parse message: {exc!r}")
            message = CapturedEmail(
                to=(envelope.rcpt_tos[0].lower() if envelope.rcpt_tos else ""),
                rcpt_tos=[r.lower() for r in envelope.rcpt_tos], mail_from=envelope.mail_from or "",
                subject="", body=raw.decode("utf-8", "replace"), html=None, header_to="",
                content_type="", raw=raw, smtputf8=smtputf8)
        self._received(message)
        return "250 Message accepted for delivery"

    def start(self) -> "SmtpCapture":
        from aiosmtpd.controller import Controller

        last_error: Exception | None = None
        for _ in range(5):
            port = free_port()
            controller = Controller(self, hostname="127.0.0.1", port=port, enable_SMTPUTF8=True,
                                    decode_data=False, data_size_limit=50 * 1024 * 1024)
            try:
                controller.start()
            except Exception as exc:  # the port was taken between free_port() and bind
                last_error = exc
                continue
            self._controller, self.port = controller, port
            return self
        raise RuntimeError(f"could not start the SMTP capture: {last_error!r}")

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _matches(self, m: CapturedEmail, to: Optional[str], contains: Optional[str]) -> bool:
        if to is not None:
            t = to.lower()
            if t not in m.rcpt_tos and t not in m.header_to.lower():
                return False
        if contains is not None and contains not in m.subject and contains not in m.body \
                and (m.html is None or contains not in m.html):
            return False
        return True

    def _extra(self) -> str:
        return f"\nparse errors: {self.errors}" if self.errors else ""


# --------------------------------------------------------------------------------------------
# SMS gateway
# --------------------------------------------------------------------------------------------

@dataclass
class CapturedSms:
    to: str
    text: str
    path: str
    headers: dict[str, str]
    body: Any
    received_at: float = field(default_factory=time.time)

    def __repr__(self) -> str:
        return f"<sms to={self.to!r} text={self.text!r}>"


class SmsGateway(_Inbox):
    """A real HTTP SMS gateway on 127.0.0.1: `POST` JSON `{"to", "text"}` → 200 and recorded.

    Requests that are not such JSON get 400 and land in `.errors`. `fail_next(n, status)` makes
    the next n requests fail (for delivery-retry tests).
    """

    kind = "SMS"

    def __init__(self) -> None:
        super().__init__()
        self._fail: list[int] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def start(self) -> "SmsGateway":
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep pytest's output clean
                pass

            def _reply(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items()}
                with gateway._cond:
                    fail = gateway._fail.pop(0) if gateway._fail else None
                if fail is not None:
                    gateway.errors.append({"reason": f"simulated failure {fail}", "raw": raw, "headers": headers})
                    self._reply(fail, {"error": "simulated failure"})
                    return
                try:
                    body = json.loads(raw.decode("utf-8"))
                    if not isinstance(body, dict) or not isinstance(body.get("to"), str) \
                            or not isinstance(body.get("text"), str):
                        raise ValueError("expected an object with string fields 'to' and 'text'")
                except Exception as exc:
                    gateway.errors.append({"reason": str(exc), "raw": raw, "headers": headers})
                    self._reply(400, {"error": str(exc)})
                    return
                gateway._received(CapturedSms(to=body["to"], text=body["text"], path=self.path,
                                              headers=headers, body=body))
                self._reply(200, {"id": str(uuid.uuid4()), "status": "accepted"})

            def do_GET(self):  # noqa: N802
                self._reply(405, {"error": "POST only"})

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{port}/sms/send"
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="sms-gateway", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def fail_next(self, count: int = 1, status: int = 500) -> None:
        with self._cond:
            self._fail.extend([status] * count)

    def _matches(self, m: CapturedSms, to: Optional[str], contains: Optional[str]) -> bool:
        """`to` is an exact E.164 number."""
        return (to is None or m.to == to) and (contains is None or contains in m.text)

    def _extra(self) -> str:
        return f"\nrejected requests: {self.errors}" if self.errors else ""


# --------------------------------------------------------------------------------------------
# PostgreSQL: one fresh database per server when PARTA_E2E_DATABASE_URL is set
# --------------------------------------------------------------------------------------------

class FreshPostgres:
    """Creates `parta_e2e_<random>` next to the database in PARTA_E2E_DATABASE_URL (with psql) so
    each server starts empty, and drops it afterwards. PARTA_E2E_DATABASE_FRESH=0 passes the URL
    through unchanged instead (then tests share one database and are not isolated)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.name: Optional[str] = None
        self.url = base_url

    def create(self) -> str:
        if os.environ.get("PARTA_E2E_DATABASE_FRESH", "1") == "0":
            return self.base_url
        self.name = "parta_e2e_" + uuid.uuid4().hex[:12]
        self._psql(f'CREATE DATABASE "{self.name}"')
        parts = urllib.parse.urlsplit(self.base_url)
        self.url = urllib.parse.urlunsplit(parts._replace(path="/" + self.name))
        return self.url

    def drop(self) -> None:
        if self.name:
            try:
                self._psql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            finally:
                self.name = None

    def _psql(self, sql: str) -> None:
        psql = shutil.which("psql")
        if not psql:
            raise RuntimeError("PARTA_E2E_DATABASE_URL is set but psql is not installed")
        # libpq accepts postgres:// URLs; strip query options psql may not know about.
        parts = urllib.parse.urlsplit(self.base_url)
        url = urllib.parse.urlunsplit(parts._replace(scheme="postgresql"))
        result = subprocess.run([psql, url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
                                capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise RuntimeError(f"psql failed ({sql}): {result.stderr.strip()}")


# --------------------------------------------------------------------------------------------
# The server process
# --------------------------------------------------------------------------------------------

class PartaServer:
    """One `parta serve` process on 127.0.0.1 with its own data directory and log file.

    `.start()` and `.stop()` can be repeated; the data directory, port and log file are kept
    (the log is appended to), so restarts see the same data.
    """

    def __init__(self, binary: Path, workdir: Path, smtp: SmtpCapture, sms: SmsGateway,
                 extra_env: Optional[dict[str, str]] = None, database_url: Optional[str] = None,
                 port: Optional[int] = None, startup_timeout: float = 60) -> None:
        self.binary = Path(binary)
        self.workdir = Path(workdir)
        self.data_dir = self.workdir / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.workdir / "parta.log"
        self.smtp = smtp
        self.sms = sms
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.startup_timeout = startup_timeout
        self.process: Optional[subprocess.Popen] = None
        self.runs = 0
        self.exit_codes: list[int] = []
        self.env = self._environment(extra_env or {})

    def _environment(self, extra: dict[str, str]) -> dict[str, str]:
        # Inherit PATH, HOME, locale…, but none of the caller's own Parta settings.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PARTA_") and k != "DATABASE_URL"}
        env.update({
            "PARTA_DATA_DIR": str(self.data_dir),
            "PARTA_BCRYPT_COST": "4",
            "PARTA_SMS_SENDER": "http",
            "PARTA_SMS_HTTP_URL": self.sms.url,
            "PARTA_MAIL_SENDER": "smtp",
            "PARTA_SMTP_HOST": "127.0.0.1",
            "PARTA_SMTP_PORT": str(self.smtp.port),
            "PARTA_SMTP_FROM": "parta@school.test",
            "PARTA_PUBLIC_URL": self.url,
            "PARTA_COOKIE_SECURE": "false",
        })
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        env.update(extra)
        return env

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def pid(self) -> Optional[int]:
        return self.process.pid if self.process else None

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: Optional[float] = None) -> "PartaServer":
        if self.is_running():
            raise RuntimeError("the server is already running")
        if not self.binary.exists():
            raise AssertionError(f"Parta binary not found at {self.binary}")
        self.runs += 1
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== e2e: start #{self.runs}: {self.binary} serve --hostname 127.0.0.1 "
                      f"--port {self.port} (data {self.data_dir}) =====\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [str(self.binary), "serve", "--hostname", "127.0.0.1", "--port", str(self.port)],
                env=self.env, cwd=str(REPO_ROOT), stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_healthy(timeout or self.startup_timeout)
        return self

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                code = self.process.returncode if self.process else None
                raise AssertionError(f"parta exited with code {code} before /healthz answered.\n"
                                     f"--- log tail ---\n{self.log_tail()}")
            try:
                r = requests.get(self.url + "/healthz", timeout=2)
                if r.status_code == 200:
                    return
                last = f"HTTP {r.status_code}: {r.text[:200]}"
            except requests.RequestException as exc:
                last = repr(exc)
            time.sleep(0.1)
        self.kill9()
        raise AssertionError(f"GET /healthz did not answer 200 within {timeout} s (last: {last}).\n"
                             f"--- log tail ---\n{self.log_tail()}")

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM and wait. Returns the exit code; fails (after a SIGKILL) if it does not exit in time."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                self.exit_codes.append(self.process.returncode)
                self.process = None
                raise AssertionError(f"parta did not exit within {timeout} s of SIGTERM (killed)")
        code = self.process.returncode
        self.exit_codes.append(code)
        self.process = None
        return code

    def kill9(self) -> None:
        """SIGKILL the server process (no chance to flush or clean up) and reap it."""
        if self.process is None:
            return
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.exit_codes.append(self.process.returncode)
        self.process = None

    def log(self) -> str:
        if not self.log_path.exists():
            return ""
        return ANSI_RE.sub("", self.log_path.read_bytes().decode("utf-8", "replace"))

    def log_tail(self, lines: int = 150) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def setup_link(self, timeout: float = 30) -> str:
        """The URL after the last `Setup link: ` in the log, waiting for one to appear."""
        def found():
            matches = SETUP_LINK_RE.findall(self.log())
            return matches[-1] if matches else None

        return wait_until(found, timeout, interval=0.1, message=lambda: (
            "a line 'Setup link: …' in the server log (is stdout block-buffered? the line must be "
            f"flushed at once)\n--- log tail ---\n{self.log_tail(60)}"))


# --------------------------------------------------------------------------------------------
# HTTP client helpers
# --------------------------------------------------------------------------------------------

class Api(requests.Session):
    """`requests.Session` with the server's base URL: `s.get("/api/v1/me")`.

    After a sign-in it carries the session cookie (in its jar) and, when `token` is set, the
    `Authorization: Bearer` header. Extra attributes describe who it is signed in as.
    """

    def __init__(self, base_url: str, timeout: float = 30) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._token: Optional[str] = None
        self.user: Optional[dict] = None
        self.login: Optional[str] = None
        self.password: Optional[str] = None
        self.email: Optional[str] = None
        self.phone: Optional[str] = None
        self.school_id: Optional[str] = None
        self.signed_in: Optional[dict] = None
        self.headers["User-Agent"] = "parta-e2e/1.0"

    @property
    def token(self) -> Optional[str]:
        return self._token

    @token.setter
    def token(self, value: Optional[str]) -> None:
        self._token = value
        if value:
            self.headers["Authorization"] = f"Bearer {value}"
        else:
            self.headers.pop("Authorization", None)

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        if isinstance(url, str) and url.startswith("/"):
            url = self.base_url + url
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)

    def adopt(self, signed_in: dict) -> "Api":
        """Takes a SignedIn answer: the bearer token and the user (the cookie is already in the jar)."""
        self.signed_in = signed_in
        self.token = signed_in["token"]
        self.user = signed_in["user"]
        return self

    def bearer_only(self) -> "Api":
        """A new session with only the bearer token (no cookie)."""
        s = Api(self.base_url, self.timeout)
        s.token = self.token
        s.user, s.login, s.password, s.email, s.phone, s.school_id = (
            self.user, self.login, self.password, self.email, self.phone, self.school_id)
        return s

    def cookie_only(self) -> "Api":
        """A new session with only the cookie jar (no Authorization header)."""
        s = Api(self.base_url, self.timeout)
        s.cookies.update(self.cookies)
        s.user, s.login, s.password, s.email, s.phone, s.school_id = (
            self.user, self.login, self.password, self.email, self.phone, self.school_id)
        return s


def api(server: PartaServer) -> Api:
    """An anonymous API session for `server`."""
    return Api(server.url)


def describe(resp: requests.Response) -> str:
    body = resp.text
    if len(body) > 2000:
        body = body[:2000] + f"… ({len(resp.content)} bytes)"
    return f"{resp.request.method} {resp.request.url} -> {resp.status_code}: {body}"


def expect(resp: requests.Response, status: int | tuple[int, ...], code: Optional[str] = None) -> Any:
    """Asserts the status (and the error code, for errors); returns the JSON body (None if empty)."""
    statuses = (status,) if isinstance(status, int) else status
    assert resp.status_code in statuses, f"expected HTTP {status}, got {describe(resp)}"
    if code is not None:
        problem = error_shape_problem(resp)
        assert problem is None, f"{problem}: {describe(resp)}"
        assert resp.json()["error"]["code"] == code, f"expected error code {code!r}: {describe(resp)}"
    if not resp.content:
        return None
    if "json" in resp.headers.get("Content-Type", ""):
        return resp.json()
    return resp.content


SNAKE_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def stored_message_ids(session, chat_id: str) -> set[str]:
    """Every message id of a chat, read page by page from the oldest (GET …/messages?after=)."""
    stored: set[str] = set()
    after = 0
    while True:
        page = expect(session.get(f"/api/v1/chats/{chat_id}/messages?after={after}&limit=100"), 200)["items"]
        if not page:
            return stored
        stored.update(m["id"] for m in page)
        after = max(m["seq"] for m in page)


def error_shape_problem(resp: requests.Response) -> Optional[str]:
    """None if `resp` is a 4xx with `{"error": {"code", "message", "fields"?}}`, else what is wrong."""
    if not 400 <= resp.status_code <= 499:
        return f"expected a 4xx, got HTTP {resp.status_code}"
    ctype = resp.headers.get("Content-Type", "")
    if "application/json" not in ctype:
        return f"HTTP {resp.status_code} error has Content-Type {ctype!r}, not application/json"
    try:
        body = resp.json()
    except ValueError:
        return f"HTTP {resp.status_code} error body is not JSON"
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        return "error body has no object 'error'"
    if not isinstance(err.get("code"), str) or not SNAKE_RE.match(err["code"]):
        return f"error.code is not a snake_case string: {err.get('code')!r}"
    if not isinstance(err.get("message"), str) or not err["message"].strip():
        return "error.message is missing or empty"
    if "fields" in err and err["fields"] is not None:
        f = err["fields"]
        if not isinstance(f, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in f.items()):
            return f"error.fields is not an object of strings: {f!r}"
    if resp.status_code == 429 and not resp.headers.get("Retry-After"):
        return "429 without a Retry-After header"
    return None


def assert_error(resp: requests.Response, status: int | tuple[int, ...], code: Optional[str | tuple[str, ...]] = None) -> dict:
    """Asserts an error answer: the status, the JSON error shape and (optionally) the code."""
    statuses = (status,) if isinstance(status, int) else status
    assert resp.status_code in statuses, f"expected HTTP {status}, got {describe(resp)}"
    problem = error_shape_problem(resp)
    assert problem is None, f"{problem}: {describe(resp)}"
    err = resp.json()["error"]
    if code is not None:
        codes = (code,) if isinstance(code, str) else code
        assert err["code"] in codes, f"expected error code {code!r}, got {err['code']!r}: {describe(resp)}"
    return err


# --------------------------------------------------------------------------------------------
# Flows
# --------------------------------------------------------------------------------------------

OPERATOR_EMAIL = "operator@school.test"
OPERATOR_PHONE = "+79990000001"
OPERATOR_PASSWORD = "operator-pass-1"
ADMIN_PASSWORD = "admin-pass-123"
DEFAULT_ADMIN_PHONE = "+79123456789"
VALID_INN = "7707083893"


def create_operator(server: PartaServer, *, email: str = OPERATOR_EMAIL, phone: str = OPERATOR_PHONE,
                    password: str = OPERATOR_PASSWORD, full_name: str = "Оператор Платформы") -> Api:
    """Completes the first-start setup with the token of the server's setup link.

    Returns a session signed in as the operator: the `parta_session` cookie in its jar (if the
    server set it) and the bearer token in its headers.
    """
    link = server.setup_link()
    assert "/#/setup/" in link, f"unexpected setup link {link!r}"
    assert link.startswith(server.url + "/"), f"setup link {link!r} does not start with PARTA_PUBLIC_URL {server.url}"
    token = link.split("/#/setup/", 1)[1]
    s = api(server)
    expect(s.get(f"/api/v1/setup/{token}"), 200)
    body = expect(s.post("/api/v1/setup", json={
        "token": token, "fullName": full_name, "email": email, "phone": phone, "password": password}), 201)
    s.adopt(body)
    s.login, s.password, s.email, s.phone = email, password, email, phone
    s.setup_token = token  # type: ignore[attr-defined]
    return s


@dataclass
class Submitted:
    """A school application as the test submitted it."""
    id: str
    response: dict
    form: dict
    file_bytes: bytes
    file_name: str

    @property
    def email(self) -> str:
        return self.form["adminEmail"].strip().lower()

    @property
    def phone(self) -> str:
        return normalize_phone(self.form["adminPhone"])


def application_form(**overrides: Any) -> dict:
    form = {
        "schoolName": "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 7»",
        "shortName": "МБОУ СОШ № 7",
        "address": "614000, Пермский край, г. Пермь, ул. Ленина, д. 1",
        "region": "Пермский край",
        "inn": VALID_INN,
        "adminFullName": "Иванова Мария Петровна",
        "adminEmail": unique_email(),
        "adminPhone": DEFAULT_ADMIN_PHONE,
    }
    form.update(overrides)
    return form


def post_application(session: requests.Session | Api, form: dict, file_bytes: Optional[bytes],
                     file_name: str = "prikaz.pdf", content_type: str = "application/pdf",
                     url: Optional[str] = None) -> requests.Response:
    files = {"orderFile": (file_name, file_bytes, content_type)} if file_bytes is not None else None
    target = url or "/api/v1/school-applications"
    if files is None:
        # requests sends multipart only when `files` is given: pass the fields as (None, value) parts
        fields = {k: (None, v) for k, v in form.items()}
        return session.post(target, files=fields)
    return session.post(target, data=form, files=files)


def submit_application(server: PartaServer, *, session: Optional[Api] = None, file_bytes: Optional[bytes] = None,
                       file_name: str = "prikaz-o-naznachenii.pdf", content_type: str = "application/pdf",
                       **overrides: Any) -> Submitted:
    """Posts a valid multipart application (public endpoint) and asserts 201.

    Defaults: a tiny valid PDF unique to this call, INN 7707083893, phone +79123456789, a unique
    email. Any form field can be overridden by keyword (`adminPhone=unique_phone()`).
    """
    form = application_form(**overrides)
    data = file_bytes if file_bytes is not None else make_pdf(f"order {unique_suffix()}")
    s = session or api(server)
    body = expect(post_application(s, form, data, file_name, content_type), 201)
    assert body.get("status") == "pending" and body.get("id"), f"unexpected receipt {body!r}"
    return Submitted(id=body["id"], response=body, form=form, file_bytes=data, file_name=file_name)


def sign_in_password(server: PartaServer, login: str, password: str) -> Api:
    s = api(server)
    body = expect(s.post("/api/v1/auth/password", json={"login": login, "password": password}), 200)
    s.adopt(body)
    s.login, s.password = login, password
    return s


def sign_in_code(server: PartaServer, login: str) -> Api:
    """Sign-in by one-time code: by email through the SMTP capture, by phone through the SMS gateway."""
    s = api(server)
    if "@" in login:
        mark = server.smtp.mark()
        sent = expect(s.post("/api/v1/auth/code", json={"login": login}), 202)
        assert sent["channel"] == "email", sent
        code = extract_code(server.smtp.wait_for(login.lower(), since=mark).body)
    else:
        mark = server.sms.mark()
        sent = expect(s.post("/api/v1/auth/code", json={"login": login}), 202)
        assert sent["channel"] == "sms", sent
        code = extract_code(server.sms.wait_for(normalize_phone(login), since=mark).text)
    body = expect(s.post("/api/v1/auth/code/verify", json={"login": login, "code": code}), 200)
    s.adopt(body)
    s.login = login
    return s


def approve(server: PartaServer, operator: Api, submitted: Submitted) -> tuple[dict, int, int]:
    """Approves as the operator; returns (application, SMS mark, email mark) — the marks taken
    just before the approval, to find the activation messages with `since=`."""
    sms_mark, mail_mark = server.sms.mark(), server.smtp.mark()
    app = expect(operator.post(f"/api/v1/school-applications/{submitted.id}/approve"), 200)
    assert app["status"] == "approved" and app.get("schoolId"), f"unexpected approval {app!r}"
    return app, sms_mark, mail_mark


def approve_and_activate(server: PartaServer, operator: Api, submitted: Submitted, *,
                         password: str = ADMIN_PASSWORD, link_from: str = "sms") -> Api:
    """Approves the application as the operator, takes the activation link from the SMS
    (`link_from="sms"`) or the email (`"email"`), requests the activation code through the API,
    reads it from the SMS gateway and activates with `password`. Returns the admin's session
    (cookie + bearer) with `.school_id`, `.phone`, `.email`, `.password`, `.application`."""
    app, sms_mark, mail_mark = approve(server, operator, submitted)
    if link_from == "sms":
        message = server.sms.wait_for(submitted.phone, since=sms_mark, contains="/#/activate/").text
    elif link_from == "email":
        message = server.smtp.wait_for(submitted.email, since=mail_mark, contains="/#/activate/").body
    else:
        raise ValueError(link_from)
    _, token = extract_activation_link(message)
    return activate(server, token, submitted, app, password=password)


def activate(server: PartaServer, token: str, submitted: Submitted, app: dict, *,
             password: str = ADMIN_PASSWORD) -> Api:
    s = api(server)
    expect(s.get(f"/api/v1/activation/{token}"), 200)
    mark = server.sms.mark()
    sent = expect(s.post(f"/api/v1/activation/{token}/code"), 202)
    assert sent.get("channel") == "sms", f"activation code should go by SMS: {sent!r}"
    code = extract_code(server.sms.wait_for(submitted.phone, since=mark).text)
    body = expect(s.post(f"/api/v1/activation/{token}", json={"code": code, "password": password}), 200)
    s.adopt(body)
    s.login, s.password = submitted.phone, password
    s.phone, s.email = submitted.phone, submitted.email
    s.school_id = app["schoolId"]
    s.application = app  # type: ignore[attr-defined]
    s.activation_token = token  # type: ignore[attr-defined]
    return s


def approved_awaiting_activation(server: PartaServer) -> tuple[Api, str, str]:
    """An operator, an approved application and an activation code sent to its administrator:
    returns (an anonymous session, the activation token, the code)."""
    operator = create_operator(server)
    submitted = submit_application(server)
    _, sms_mark, _ = approve(server, operator, submitted)
    _, token = extract_activation_link(server.sms.wait_for(submitted.phone, since=sms_mark, contains="/#/activate/").text)
    anon = api(server)
    mark = server.sms.mark()
    expect(anon.post(f"/api/v1/activation/{token}/code"), 202)
    code = extract_code(server.sms.wait_for(submitted.phone, since=mark).text)
    return anon, token, code


def list_applications(operator: Api, status: Optional[str] = None) -> list[dict]:
    """Every application (all pages) from the operator's list."""
    items: list[dict] = []
    page = 1
    while True:
        params: dict[str, Any] = {"page": page, "perPage": 100}
        if status:
            params["status"] = status
        body = expect(operator.get("/api/v1/school-applications", params=params), 200)
        items.extend(body["items"])
        if len(items) >= body["total"] or not body["items"]:
            assert len(items) == body["total"], f"pages hold {len(items)} items but total is {body['total']}"
            return items
        page += 1


def snapshot_dir(path: Path) -> dict[str, int]:
    """Relative path → size of every file under `path` (hidden ones included)."""
    if not path.exists():
        return {}
    return {str(p.relative_to(path)): p.stat().st_size for p in sorted(path.rglob("*")) if p.is_file()}
