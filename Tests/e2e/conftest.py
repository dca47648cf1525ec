"""Fixtures of Parta's end-to-end tests. Run: `python3 -m pytest Tests/e2e -q` (from the repo root).

Fixtures
--------
parta_bin (session)
    Path of the server binary: env PARTA_BIN, default `<repo>/.build/debug/parta`. A test that
    needs it FAILS (never skips) with a clear message when the file is missing.

smtp_server (function)  -> parta_e2e.SmtpCapture
    A real SMTP server (aiosmtpd) on 127.0.0.1:<free port> that keeps every message.
    `.host`, `.port`, `.messages` (each: `.to`, `.rcpt_tos`, `.subject`, `.body` — decoded UTF-8
    text, QP/base64/encoded-words resolved — `.html`, `.raw`), `.mark()` (message count now),
    `.find(to=None, contains=None, since=0)` (list, no waiting),
    `.wait_for(to, timeout=10, contains=None, since=0)` (the first match, or AssertionError).

sms_gateway (function)  -> parta_e2e.SmsGateway
    A real HTTP server on 127.0.0.1 accepting `POST` JSON `{"to","text"}` (200, recorded).
    `.url`, `.messages` (each: `.to`, `.text`, `.headers`), `.errors` (rejected requests),
    `.mark()`, `.find(...)`, `.wait_for(to, timeout=10, contains=None, since=0)`,
    `.fail_next(n, status=500)`.

server (function)  -> parta_e2e.PartaServer, already started and healthy
    `parta serve --hostname 127.0.0.1 --port <free>` with a fresh temp PARTA_DATA_DIR and
    PARTA_BCRYPT_COST=4, PARTA_SMS_SENDER=http → sms_gateway, PARTA_MAIL_SENDER=smtp →
    smtp_server, PARTA_SMTP_FROM=parta@school.test, PARTA_PUBLIC_URL=http://127.0.0.1:<port>,
    PARTA_COOKIE_SECURE=false; DATABASE_URL when PARTA_E2E_DATABASE_URL is set (a fresh database
    per server, see README). stdout+stderr go to `<tmp>/parta.log`.
    `.url`, `.port`, `.data_dir`, `.files_dir`, `.log()`, `.log_tail(n)`, `.setup_link()`,
    `.stop()` (SIGTERM, wait, returns the exit code), `.kill9()`, `.start()` (same data dir and
    port), `.is_running()`, `.pid`, `.smtp`, `.sms`. Always stopped at teardown; when a test
    fails, the server log's tail is added to the report.

server_factory (function)
    `server_factory(extra_env=None, start=True)` → another PartaServer with its own data dir,
    sharing smtp_server and sms_gateway; stopped at teardown.

Helpers (import from `parta_e2e`): `api(server)`, `expect(resp, status, code=None)`,
`assert_error(resp, status, code=None)`, `error_shape_problem(resp)`, `create_operator(server)`,
`submit_application(server, **overrides)`, `approve_and_activate(server, operator, submitted,
link_from="sms"|"email")`, `sign_in_password`, `sign_in_code`, `list_applications`,
`make_pdf`, `unique_email`, `unique_phone`, `snapshot_dir`.

Environment
-----------
PARTA_BIN                  the server binary (default <repo>/.build/debug/parta)
PARTA_E2E_DATABASE_URL     run against PostgreSQL (postgres://user:pass@host/db); each server gets
                           a fresh database created next to it with psql (needs CREATEDB)
PARTA_E2E_DATABASE_FRESH=0 pass PARTA_E2E_DATABASE_URL through unchanged (shared, not isolated)
PARTA_E2E_STARTUP_TIMEOUT  seconds to wait for /healthz (default 60)
PARTA_E2E_SCHEMATHESIS_MAX_EXAMPLES / _PHASES / _WORKERS   see test_schemathesis.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from parta_e2e import (  # noqa: E402  (re-exported for tests that import from conftest)
    DEFAULT_BIN, FreshPostgres, PartaServer, SmsGateway, SmtpCapture, api, approve_and_activate,
    assert_error, create_operator, error_shape_problem, expect, submit_application,
)

__all__ = ["api", "approve_and_activate", "assert_error", "create_operator", "error_shape_problem",
           "expect", "submit_application"]


def pytest_configure(config):
    # Registered here too so --strict-markers works even without pytest-timeout installed.
    config.addinivalue_line("markers", "timeout(seconds): per-test time limit (pytest-timeout)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)
    if report.failed and report.when in ("setup", "call"):
        for srv in getattr(item, "_parta_servers", []):
            report.sections.append((
                f"parta server log tail ({srv.log_path})", srv.log_tail(200)))


@pytest.fixture(scope="session")
def parta_bin() -> Path:
    path = Path(os.environ.get("PARTA_BIN") or DEFAULT_BIN)
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(f"Parta server binary not found or not executable: {path}\n"
                    "Build it (`swift build`) or point PARTA_BIN at it.", pytrace=False)
    return path


@pytest.fixture
def smtp_server():
    capture = SmtpCapture().start()
    yield capture
    capture.stop()


@pytest.fixture
def sms_gateway():
    gateway = SmsGateway().start()
    yield gateway
    gateway.stop()


@pytest.fixture
def server_factory(request, parta_bin, smtp_server, sms_gateway, tmp_path_factory):
    created: list[tuple[PartaServer, FreshPostgres | None]] = []
    request.node._parta_servers = []
    startup = float(os.environ.get("PARTA_E2E_STARTUP_TIMEOUT", "60"))

    def make(extra_env: dict[str, str] | None = None, start: bool = True) -> PartaServer:
        workdir = tmp_path_factory.mktemp("parta")
        db = None
        database_url = None
        if os.environ.get("PARTA_E2E_DATABASE_URL"):
            db = FreshPostgres(os.environ["PARTA_E2E_DATABASE_URL"])
            database_url = db.create()
        srv = PartaServer(parta_bin, workdir, smtp_server, sms_gateway, extra_env=extra_env,
                          database_url=database_url, startup_timeout=startup)
        created.append((srv, db))
        request.node._parta_servers.append(srv)
        if start:
            srv.start()
        return srv

    yield make

    failed = any(getattr(request.node, "rep_" + w, None) is not None and getattr(request.node, "rep_" + w).failed
                 for w in ("setup", "call"))
    for srv, db in created:
        try:
            if srv.is_running():
                srv.stop()
        except AssertionError as exc:  # did not stop on SIGTERM: report, it was killed
            print(f"teardown: {exc}")
        finally:
            if db is not None:
                db.drop()
        if failed:
            print(f"parta log: {srv.log_path}")


@pytest.fixture
def server(server_factory) -> PartaServer:
    return server_factory()
