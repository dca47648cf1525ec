"""Property-based API testing with the schemathesis CLI against the server's own OpenAPI document:
no generated request may cause a server error, every documented response must match its schema, a
request the document calls valid must not be refused (`positive_data_acceptance`: not 400, 410, 413,
415 or 422), and a method a path does not have must answer 405 with `Allow` listing the ones it has
(`unsupported_method`, `allow_header_conformance`). The rules no schema can say (an INN's checksum,
the order file's type, the academic year, poll options that differ ignoring case) and the refusals
that need a secret or the server's state are told to schemathesis in `schemathesis_hooks.py`.

Bounded so it finishes in a few minutes; tune with
  PARTA_E2E_SCHEMATHESIS_MAX_EXAMPLES (default 20 per operation),
  PARTA_E2E_SCHEMATHESIS_PHASES (default examples,coverage,fuzzing — stateful is left out because
  it would follow links to the operator's own account and disable it),
  PARTA_E2E_SCHEMATHESIS_WORKERS (default 2), PARTA_E2E_SCHEMATHESIS_SEED (default 20261125).
The full output is printed (shown by pytest when the test fails) and kept in the test's temp dir.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
import requests
import yaml

from parta_e2e import create_operator, expect, sign_in_password, submit_application

# Operations that end the very session schemathesis authenticates with: run separately, last.
SESSION_ENDING = r"(auth/signout|sessions/revoke-all)$"
CHECKS = ",".join(["not_a_server_error", "response_schema_conformance", "positive_data_acceptance",
                   "unsupported_method", "allow_header_conformance"])
HOOKS = Path(__file__).resolve().parent / "schemathesis_hooks.py"


def _schemathesis() -> list[str]:
    exe = shutil.which("schemathesis") or shutil.which("st")
    if exe:
        return [exe]
    return [sys.executable, "-m", "schemathesis.cli"]


def _base_url(server_url: str, doc: dict) -> str:
    """Where the operations' paths are rooted: the document's first server, moved onto our server."""
    servers = doc.get("servers") or []
    if not servers:
        return server_url
    declared = str(servers[0].get("url", ""))
    path = urllib.parse.urlsplit(declared).path if "://" in declared else declared
    return server_url + "/" + path.strip("/") if path.strip("/") else server_url


def _run(args: list[str], log: Path, timeout: float) -> tuple[int, str]:
    try:
        result = subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                                env={**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8",
                                     "SCHEMATHESIS_HOOKS": str(HOOKS)})
        output, code = result.stdout + result.stderr, result.returncode
    except subprocess.TimeoutExpired as exc:
        output = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        output += f"\n[e2e] schemathesis did not finish within {timeout} s"
        code = -1
    log.write_text(" ".join(args) + "\n\n" + output, encoding="utf-8")
    print(f"\n===== schemathesis ({log}) =====\n{output}")
    return code, output


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_schemathesis_document_and_server_agree(server, tmp_path):
    operator = create_operator(server)
    # Some data, so the list and detail operations have something to return.
    submit_application(server)

    spec_url = server.url + "/api/openapi.yaml"
    spec = operator.get(spec_url)
    assert spec.status_code == 200, f"GET /api/openapi.yaml: {spec.status_code} {spec.text[:300]}"
    doc = yaml.safe_load(spec.text)
    assert isinstance(doc, dict) and doc.get("paths"), "the OpenAPI document has no paths"
    base = _base_url(server.url, doc)

    max_examples = os.environ.get("PARTA_E2E_SCHEMATHESIS_MAX_EXAMPLES", "20")
    phases = os.environ.get("PARTA_E2E_SCHEMATHESIS_PHASES", "examples,coverage,fuzzing")
    workers = os.environ.get("PARTA_E2E_SCHEMATHESIS_WORKERS", "2")
    seed = os.environ.get("PARTA_E2E_SCHEMATHESIS_SEED", "20261125")

    def command(token: str, report: str, *selection: str) -> list[str]:
        return [*_schemathesis(), "--no-color", "run", spec_url, "--url", base,
                "--header", f"Authorization: Bearer {token}",
                "--checks", CHECKS,
                "--max-examples", max_examples, "--phases", phases, "--workers", workers,
                "--seed", seed, "--generation-database", "none", "--suppress-health-check", "all",
                "--request-timeout", "30", "--report", "junit", "--report-dir", str(tmp_path / "reports"),
                "--report-junit-path", str(tmp_path / "reports" / f"{report}.xml"), *selection]

    # A second session for pass 2, opened now, before pass 1 may touch the password.
    throwaway = sign_in_password(server, operator.email, operator.password)

    # 1. Everything but the operations that end the session, as the operator.
    code, output = _run(command(operator.token, "main", "--exclude-path-regex", SESSION_ENDING),
                        tmp_path / "schemathesis-main.log", timeout=1500)
    assert code == 0, f"schemathesis found problems (exit {code}):\n{output[-6000:]}"
    assert server.is_running(), "the server died during the schemathesis run"

    # 2. Sign-out and revoke-all, with the throwaway session of the same operator.
    code, output = _run(command(throwaway.token, "session-ending", "--include-path-regex", SESSION_ENDING),
                        tmp_path / "schemathesis-session-ending.log", timeout=600)
    assert code == 0, f"schemathesis found problems (exit {code}):\n{output[-6000:]}"
    assert server.is_running(), "the server died during the schemathesis run"
    expect(requests.get(server.url + "/healthz", timeout=10), 200)
