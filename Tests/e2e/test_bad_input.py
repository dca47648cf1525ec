"""Hostile and broken input on every endpoint of the contract: malformed JSON, wrong types, wrong
media types, oversized bodies, garbage path and query parameters.

Each must get a 4xx with `{"error": {"code", "message"}}` — never a 5xx, a dropped connection or
a crash — and must change nothing: every test ends by checking that the state the valid request
would have changed is untouched (and that the valid request still works afterwards).
"""

from __future__ import annotations

import json
from typing import Iterable, Optional

import pytest
import requests

from parta_e2e import (
    ADMIN_PASSWORD, Api, api, application_form, approve_and_activate, approved_awaiting_activation,
    assert_error, create_operator, error_shape_problem, expect, extract_code, list_applications, make_pdf,
    post_application, sign_in_password, snapshot_dir, submit_application, unique_phone,
)

TWO_MB = 2 * 1024 * 1024 + 17
ELEVEN_MB = 11 * 1024 * 1024

# Wrong JSON values for a field of each type.
WRONG_FOR = {
    "string": [12345, 1.5, True, [], {}, ["x"], {"value": "x"}],
    "bool": ["true", 1, 0, [], {}, "yes"],
}


class Problems(list):
    """Collects every wrong answer so one run reports all of them."""

    def check(self, label: str, send, *, allow_2xx: bool = False) -> Optional[requests.Response]:
        try:
            resp = send()
        except requests.RequestException as exc:
            self.append(f"{label}: no HTTP answer ({exc.__class__.__name__}: {exc})")
            return None
        if resp.status_code >= 500:
            self.append(f"{label}: HTTP {resp.status_code} (server error): {resp.text[:300]}")
        elif 200 <= resp.status_code < 300 and allow_2xx:
            pass
        else:
            problem = error_shape_problem(resp)
            if problem:
                self.append(f"{label}: {problem}: {resp.text[:300]}")
        return resp

    def assert_none(self) -> None:
        assert not self, f"{len(self)} bad answers:\n  " + "\n  ".join(self)


def raw_json_bodies(base: dict, big_field: str) -> list[tuple[str, bytes]]:
    """Bodies that are not a JSON object of the expected shape at all."""
    good = json.dumps(base, ensure_ascii=False)
    oversized = dict(base)
    oversized[big_field] = "я" * (TWO_MB // 2)
    return [
        ("truncated JSON", good[: len(good) // 2].encode()),
        ("not JSON", b"hello, world"),
        ("empty body", b""),
        ("JSON then garbage", good.encode() + b" trailing"),
        ("single quotes", good.replace('"', "'").encode()),
        ("invalid UTF-8", good.encode()[:-2] + b"\xff\xfe\"}"),
        ("array instead of object", b"[]"),
        ("array of the object", f"[{good}]".encode()),
        ("string instead of object", b'"text"'),
        ("number instead of object", b"42"),
        ("null instead of object", b"null"),
        ("boolean instead of object", b"true"),
        ("deeply nested arrays (10 KB)", b"[" * 5000 + b"]" * 5000),
        ("deeply nested objects (40 KB)", b'{"a":' * 8000 + b"1" + b"}" * 8000),
        ("deeply nested arrays (400 KB)", b"[" * 200_000 + b"]" * 200_000),
        ("huge number", ('{"%s": 1%s}' % (big_field, "0" * 5000)).encode()),
        ("oversized (2 MB)", json.dumps(oversized, ensure_ascii=False).encode()),
    ]


def typed_variants(base: dict, types: dict[str, str], optional: Iterable[str] = ()) -> list[tuple[str, dict]]:
    """The valid body with one field of the wrong type (or missing, or null when required)."""
    optional = set(optional)
    out: list[tuple[str, dict]] = []
    for name, kind in types.items():
        for wrong in WRONG_FOR[kind]:
            body = dict(base)
            body[name] = wrong
            out.append((f"{name}={json.dumps(wrong)}", body))
        if name not in optional:
            body = dict(base)
            body[name] = None
            out.append((f"{name}=null", body))
            body = {k: v for k, v in base.items() if k != name}
            out.append((f"{name} missing", body))
    if any(name not in optional for name in types):
        out.append(("empty object", {}))
    return out


def check_json_endpoint(session: Api, method: str, path: str, base: dict, types: dict[str, str],
                        optional: Iterable[str] = (), problems: Optional[Problems] = None) -> Problems:
    """Sends every kind of broken body to one JSON endpoint; `base` is a body that would succeed."""
    problems = problems if problems is not None else Problems()
    big_field = next((n for n, k in types.items() if k == "string"), next(iter(types)))
    where = f"{method} {path}"
    for label, raw in raw_json_bodies(base, big_field):
        problems.check(f"{where} [{label}]", lambda raw=raw: session.request(
            method, path, data=raw, headers={"Content-Type": "application/json"}))
    for label, body in typed_variants(base, types, optional):
        problems.check(f"{where} [{label}]", lambda body=body: session.request(method, path, json=body))
    # The right JSON, but not declared as JSON: text/plain and form posts are what a cross-site
    # page can send without a preflight, so they must be refused.
    good = json.dumps(base).encode()
    problems.check(f"{where} [JSON as text/plain]", lambda: session.request(
        method, path, data=good, headers={"Content-Type": "text/plain"}))
    problems.check(f"{where} [form-urlencoded]", lambda: session.request(
        method, path, data={k: v if isinstance(v, str) else json.dumps(v) for k, v in base.items()}))
    return problems


def check_paths(session: Api, method: str, template: str, problems: Problems, *, allow_2xx: bool = False) -> None:
    """Garbage in the path parameter `{}` of `template`."""
    for value in ("not-a-uuid", "00000000-0000-0000-0000-000000000000", "1", "-1", "null",
                  "%00", "%FF%FE", "..%2F..%2Fetc%2Fpasswd", "'%20OR%201=1--", "%D0%B7%D0%B0%D1%8F%D0%B2%D0%BA%D0%B0",
                  "a" * 1500, "00000000-0000-4000-8000-000000000000%20"):
        path = template.format(value)
        problems.check(f"{method} {template.format('<' + value[:30] + '>')}",
                       lambda path=path: session.request(method, path), allow_2xx=allow_2xx)


def assert_alive(server) -> None:
    assert server.is_running(), "the server process died"
    r = requests.get(server.url + "/healthz", timeout=5)
    assert r.status_code == 200, f"/healthz after the bad input: {r.status_code} {r.text[:200]}"


# --------------------------------------------------------------------------------------------
# Sign-in and sessions
# --------------------------------------------------------------------------------------------

def test_auth_password_bad_input(server):
    operator = create_operator(server)
    problems = check_json_endpoint(api(server), "POST", "/api/v1/auth/password",
                                   {"login": operator.email, "password": operator.password},
                                   {"login": "string", "password": "string"})
    assert_alive(server)
    problems.assert_none()
    # Nothing counted against the account: a correct sign-in works at once.
    sign_in_password(server, operator.email, operator.password)


def test_auth_code_bad_input(server):
    operator = create_operator(server)
    mark = server.smtp.mark()
    problems = check_json_endpoint(api(server), "POST", "/api/v1/auth/code", {"login": operator.email},
                                   {"login": "string"})
    assert_alive(server)
    problems.assert_none()
    # Nothing was sent, and the per-account limit was not used up.
    assert server.smtp.find(to=operator.email, since=mark) == [], "a rejected request sent a code"
    for _ in range(3):
        expect(api(server).post("/api/v1/auth/code", json={"login": operator.email}), 202)


def test_auth_code_verify_bad_input(server):
    operator = create_operator(server)
    mark = server.smtp.mark()
    expect(api(server).post("/api/v1/auth/code", json={"login": operator.email}), 202)
    code = extract_code(server.smtp.wait_for(operator.email, since=mark).body)
    problems = check_json_endpoint(api(server), "POST", "/api/v1/auth/code/verify",
                                   {"login": operator.email, "code": code},
                                   {"login": "string", "code": "string"})
    assert_alive(server)
    problems.assert_none()
    # The code was neither consumed nor charged with attempts.
    expect(api(server).post("/api/v1/auth/code/verify", json={"login": operator.email, "code": code}), 200)


def test_me_password_bad_input(server):
    operator = create_operator(server)
    problems = check_json_endpoint(operator, "PUT", "/api/v1/me/password",
                                   {"currentPassword": operator.password, "newPassword": "brand-new-pass-9"},
                                   {"currentPassword": "string", "newPassword": "string"},
                                   optional=["currentPassword"])
    assert_alive(server)
    problems.assert_none()
    # The password did not change and the session is intact.
    expect(operator.get("/api/v1/me"), 200)
    sign_in_password(server, operator.email, operator.password)
    assert_error(api(server).post("/api/v1/auth/password",
                                  json={"login": operator.email, "password": "brand-new-pass-9"}), 401)


def test_sessions_bad_input(server):
    operator = create_operator(server)
    other = sign_in_password(server, operator.email, operator.password)
    problems = check_json_endpoint(operator, "POST", "/api/v1/sessions/revoke-all", {"keepCurrent": True},
                                   {"keepCurrent": "bool"}, optional=["keepCurrent"])
    check_paths(operator, "DELETE", "/api/v1/sessions/{}", problems)
    assert_alive(server)
    problems.assert_none()
    # No session ended.
    expect(operator.get("/api/v1/me"), 200)
    expect(other.bearer_only().get("/api/v1/me"), 200)
    assert len(expect(operator.get("/api/v1/sessions"), 200)["items"]) == 2


def test_unknown_routes_and_methods(server):
    operator = create_operator(server)
    problems = Problems()
    for method, path in [("GET", "/api/v1/nothing-here"), ("POST", "/api/v1/nothing-here"),
                         ("DELETE", "/api/v1/me"), ("PATCH", "/api/v1/auth/password"),
                         ("PUT", "/api/v1/school-applications"),
                         ("GET", "/api/v1/%2e%2e/%2e%2e/etc/passwd"), ("GET", "/api/v1/ws")]:
        for who, s in (("anonymous", api(server)), ("operator", operator)):
            problems.check(f"{who} {method} {path}", lambda s=s, method=method, path=path: s.request(method, path))
    # A request line and headers far beyond reason.
    problems.check("8 KB header", lambda: operator.get("/api/v1/me", headers={"X-Junk": "a" * 8000}), allow_2xx=True)
    problems.check("bearer garbage", lambda: api(server).get("/api/v1/me", headers={"Authorization": "Bearer \u00ff" + "x" * 500}))
    problems.check("basic auth", lambda: api(server).get("/api/v1/me", auth=("operator@school.test", "operator-pass-1")))
    problems.check("cookie garbage", lambda: api(server).get("/api/v1/me", headers={"Cookie": "parta_session=%%%; x=" + "y" * 3000}))
    assert_alive(server)
    problems.assert_none()


# --------------------------------------------------------------------------------------------
# Setup and activation (real tokens, which must survive the bad input unused)
# --------------------------------------------------------------------------------------------

def test_setup_bad_input(server):
    link = server.setup_link()
    token = link.split("/#/setup/", 1)[1]
    base = {"token": token, "fullName": "Оператор Платформы", "email": "operator@school.test",
            "phone": "+79990000001", "password": "operator-pass-1"}
    problems = check_json_endpoint(api(server), "POST", "/api/v1/setup", base,
                                   {"token": "string", "fullName": "string", "email": "string",
                                    "phone": "string", "password": "string"}, optional=["phone"])
    check_paths(api(server), "GET", "/api/v1/setup/{}", problems)
    assert_alive(server)
    problems.assert_none()
    # The link is still unused and works.
    expect(api(server).get(f"/api/v1/setup/{token}"), 200)
    create_operator(server)


def test_activation_bad_input(server):
    anon, token, code = approved_awaiting_activation(server)

    problems = check_json_endpoint(anon, "POST", f"/api/v1/activation/{token}",
                                   {"code": code, "password": ADMIN_PASSWORD},
                                   {"code": "string", "password": "string"})
    check_paths(anon, "GET", "/api/v1/activation/{}", problems)
    check_paths(anon, "POST", "/api/v1/activation/{}/code", problems)
    check_paths(anon, "POST", "/api/v1/activation/{}", problems)
    assert_alive(server)
    problems.assert_none()
    # The link and the code are intact: activation works with them now.
    signed = expect(anon.post(f"/api/v1/activation/{token}", json={"code": code, "password": ADMIN_PASSWORD}), 200)
    assert signed["user"]["status"] == "active"


# --------------------------------------------------------------------------------------------
# Applications (operator side) and schools
# --------------------------------------------------------------------------------------------

def test_application_review_bad_input(server):
    operator = create_operator(server)
    pending = submit_application(server)
    problems = check_json_endpoint(operator, "POST", f"/api/v1/school-applications/{pending.id}/reject",
                                   {"reason": "Неполный пакет документов."}, {"reason": "string"})
    base = "/api/v1/school-applications"
    for template in (base + "/{}", base + "/{}/order-file"):
        check_paths(operator, "GET", template, problems)
    for template in (base + "/{}/approve", base + "/{}/reject"):
        check_paths(operator, "POST", template, problems)
    for template in ("/api/v1/users/{}/disable", "/api/v1/users/{}/enable"):
        check_paths(operator, "POST", template, problems)
    for query in ("status=bogus", "status=", "status[]=pending", "page=abc", "page=0", "page=-1",
                  "page=99999999999999999999", "perPage=0", "perPage=-5", "perPage=100000",
                  "perPage=1.5", "page=%00", "status=pending&status=approved", "sort=';DROP TABLE users;--"):
        problems.check(f"GET {base}?{query}", lambda query=query: operator.get(f"{base}?{query}"), allow_2xx=True)
    assert_alive(server)
    problems.assert_none()
    # Still pending, still one application, and it can be decided normally.
    apps = list_applications(operator)
    assert [a["id"] for a in apps] == [pending.id] and apps[0]["status"] == "pending"
    expect(operator.post(f"{base}/{pending.id}/reject", json={"reason": "Неполный пакет документов."}), 200)


def test_school_patch_bad_input(server):
    operator = create_operator(server)
    admin = approve_and_activate(server, operator, submit_application(server))
    before = expect(admin.get(f"/api/v1/schools/{admin.school_id}"), 200)
    fields = ["name", "shortName", "address", "region", "inn", "phone", "email", "website",
              "directorName", "timezone"]
    problems = check_json_endpoint(admin, "PATCH", f"/api/v1/schools/{admin.school_id}",
                                   {"directorName": "Сидоров Иван Иванович", "website": "https://school7.example.ru"},
                                   {f: "string" for f in fields}, optional=fields)
    for label, body in [("inn with letters", {"inn": "77070838XX"}), ("inn bad checksum", {"inn": "7707083890"}),
                        ("timezone unknown", {"timezone": "Mars/Olympus"}), ("email invalid", {"email": "a@"}),
                        ("website javascript:", {"website": "javascript:alert(1)"}), ("name empty", {"name": "   "}),
                        ("name 100 KB", {"name": "Ш" * 100_000})]:
        problems.check(f"PATCH school [{label}]", lambda body=body: admin.patch(f"/api/v1/schools/{admin.school_id}", json=body))
    check_paths(admin, "GET", "/api/v1/schools/{}", problems)
    check_paths(admin, "PATCH", "/api/v1/schools/{}", problems)
    assert_alive(server)
    problems.assert_none()
    after = expect(admin.get(f"/api/v1/schools/{admin.school_id}"), 200)
    assert after == before, "a rejected PATCH changed the school"


# --------------------------------------------------------------------------------------------
# The public application form (multipart)
# --------------------------------------------------------------------------------------------

def _multipart(parts: list[tuple[str, Optional[str], Optional[str], bytes]], boundary: str = "parta-e2e-boundary") -> bytes:
    out = b""
    for name, filename, ctype, data in parts:
        out += f"--{boundary}\r\n".encode()
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
        out += f"Content-Disposition: {disposition}\r\n".encode("utf-8")
        if ctype:
            out += f"Content-Type: {ctype}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def _form_parts(form: dict, file: Optional[bytes] = None) -> list[tuple[str, Optional[str], Optional[str], bytes]]:
    parts = [(k, None, None, v.encode()) for k, v in form.items()]
    if file is not None:
        parts.append(("orderFile", "prikaz.pdf", "application/pdf", file))
    return parts


def test_application_upload_bad_input(server):
    operator = create_operator(server)
    files_before = snapshot_dir(server.files_dir)
    url = "/api/v1/school-applications"
    anon = api(server)
    pdf = make_pdf("upload")
    problems = Problems()
    mp = "multipart/form-data; boundary=parta-e2e-boundary"

    def post_raw(body: bytes, ctype: Optional[str]):
        headers = {"Content-Type": ctype} if ctype else {}
        return lambda: anon.post(url, data=body, headers=headers)

    def post_form(form: dict, file: Optional[bytes], name="prikaz.pdf", ctype="application/pdf"):
        return lambda: post_application(anon, form, file, name, ctype)

    # Too big: an 11 MB file must be refused with 413.
    big = b"%PDF-1.4\n" + b"0" * ELEVEN_MB
    r = problems.check("11 MB order file", post_form(application_form(), big))
    if r is not None and r.status_code != 413:
        problems.append(f"11 MB order file: expected 413, got {r.status_code}")
    problems.check("2 MB JSON instead of multipart",
                   post_raw(json.dumps({**application_form(), "x": "a" * TWO_MB}).encode(), "application/json"))
    # Not multipart.
    problems.check("JSON body", post_raw(json.dumps(application_form()).encode(), "application/json"))
    problems.check("urlencoded body", lambda: anon.post(url, data=application_form()))
    problems.check("text/plain body", post_raw(b"schoolName=x", "text/plain"))
    problems.check("no body", post_raw(b"", None))
    # Broken multipart.
    good = _multipart(_form_parts(application_form(), pdf))
    problems.check("multipart without boundary", post_raw(good, "multipart/form-data"))
    problems.check("multipart wrong boundary", post_raw(good, "multipart/form-data; boundary=other"))
    problems.check("multipart truncated", post_raw(good[: len(good) // 2], mp))
    problems.check("multipart without closing delimiter", post_raw(good[: good.rfind(b"--parta-e2e-boundary--")], mp))
    problems.check("multipart garbage", post_raw(b"\x00\xff" * 1000, mp))
    problems.check("multipart empty", post_raw(b"", mp))
    problems.check("multipart part without headers", post_raw(b"--parta-e2e-boundary\r\n\r\nxyz\r\n--parta-e2e-boundary--\r\n", mp))
    # Well-formed multipart with bad content → 400 validation_failed with `fields`.
    validation_cases = [
        ("no order file", application_form(), None, "orderFile"),
        ("order file is HTML", application_form(), b"<html><script>alert(1)</script></html>", "orderFile"),
        ("order file is ELF", application_form(), b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "orderFile"),
        ("order file is empty", application_form(), b"", "orderFile"),
        ("INN bad checksum", application_form(inn="7707083890"), pdf, "inn"),
        ("INN 12 digits (a person's)", application_form(inn="500100732259"), pdf, "inn"),
        ("INN letters", application_form(inn="77O7O83893"), pdf, "inn"),
        ("phone landline", application_form(adminPhone="+7 342 212-34-56"), pdf, "adminPhone"),
        ("phone foreign", application_form(adminPhone="+1 212 555 0100"), pdf, "adminPhone"),
        ("email invalid", application_form(adminEmail="not-an-email"), pdf, "adminEmail"),
        ("schoolName empty", application_form(schoolName=""), pdf, "schoolName"),
        ("adminFullName blank", application_form(adminFullName="   "), pdf, "adminFullName"),
        ("schoolName 200 KB", application_form(schoolName="Ш" * 100_000), pdf, None),
    ]
    for label, form, file, field in validation_cases:
        r = problems.check(label, post_form(form, file))
        if r is not None and field is not None and r.status_code == 400:
            fields = (r.json()["error"].get("fields") or {})
            if field not in fields:
                problems.append(f"{label}: expected fields.{field} in {r.json()['error']}")
    for missing in ("schoolName", "shortName", "address", "region", "inn", "adminFullName", "adminEmail", "adminPhone"):
        form = {k: v for k, v in application_form().items() if k != missing}
        r = problems.check(f"{missing} missing", post_form(form, pdf))
        if r is not None and r.status_code == 400 and missing not in (r.json()["error"].get("fields") or {}):
            problems.append(f"{missing} missing: expected fields.{missing} in {r.json()['error']}")
    # The fields sent as file parts (and no order file); a field that is not UTF-8.
    problems.check("field sent as a file",
                   post_raw(_multipart([(k, "x.txt", "text/plain", v.encode()) for k, v in application_form().items()]), mp))
    problems.check("invalid UTF-8 in a field",
                   post_raw(_multipart([("schoolName", None, None, b"\xff\xfe\xfd")] + _form_parts(
                       {k: v for k, v in application_form().items() if k != "schoolName"}, pdf)), mp))
    assert_alive(server)
    problems.assert_none()

    # Nothing was written: no application, no file (not even a temporary one).
    assert list_applications(operator) == [], "a rejected upload created an application"
    assert snapshot_dir(server.files_dir) == files_before, "a rejected upload left a file behind"

    # Control: the same endpoint accepts a valid application, which writes exactly one file.
    ok = submit_application(server, file_bytes=pdf)
    assert [a["id"] for a in list_applications(operator)] == [ok.id]
    added = set(snapshot_dir(server.files_dir)) - set(files_before)
    assert len(added) == 1 and snapshot_dir(server.files_dir)[added.pop()] == len(pdf)


@pytest.mark.parametrize("kind", ["png", "jpeg", "webp"])
def test_application_accepts_images_by_content(server, kind):
    """The allowed types are recognised by content, whatever the file is called."""
    data = {
        "png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
        "jpeg": b"\xff\xd8\xff\xe0" + b"\x00" * 64,
        "webp": b"RIFF\x40\x00\x00\x00WEBPVP8 " + b"\x00" * 64,
    }[kind]
    operator = create_operator(server)
    ok = submit_application(server, file_bytes=data, file_name="scan.bin", content_type="application/octet-stream",
                            adminPhone=unique_phone())
    app = expect(operator.get(f"/api/v1/school-applications/{ok.id}"), 200)
    assert app["orderFile"]["contentType"] == f"image/{kind}"
    assert operator.get(f"/api/v1/school-applications/{ok.id}/order-file").content == data
