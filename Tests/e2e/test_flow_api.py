"""Flows 1–2 of PRODUCT.md through the public API, with real mail and SMS delivery:
registration → approval → activation → password sign-in → school profile → email-code sign-in."""

from __future__ import annotations

import yaml

from parta_e2e import (
    ADMIN_PASSWORD, api, assert_error, create_operator, expect, extract_activation_link,
    extract_code, list_applications, sign_in_password, submit_application,
)


def test_service_endpoints(server):
    assert expect(server_get(server, "/healthz"), 200) == {"status": "ok"}
    expect(server_get(server, "/readyz"), 200)
    metrics = server_get(server, "/metrics")
    assert metrics.status_code == 200 and "# TYPE" in metrics.text, metrics.text[:300]
    spec = server_get(server, "/api/openapi.yaml")
    assert spec.status_code == 200, spec.text[:300]
    doc = yaml.safe_load(spec.text)
    assert str(doc.get("openapi", "")).startswith("3"), doc.get("openapi")
    paths = " ".join(doc["paths"])
    for fragment in ("auth/password", "school-applications", "activation", "schools"):
        assert fragment in paths, f"{fragment} missing from the OpenAPI paths: {list(doc['paths'])}"
    # unknown API route: JSON error, not an HTML page
    assert_error(server_get(server, "/api/v1/no-such-thing"), 404)
    assert_error(server_get(server, "/api/v1/me"), 401, "unauthenticated")


def server_get(server, path):
    return api(server).get(path)


def test_operator_setup_link_is_single_use(server):
    operator = create_operator(server)
    token = operator.setup_token
    assert_error(api(server).get(f"/api/v1/setup/{token}"), 410, "link_used")
    again = api(server).post("/api/v1/setup", json={
        "token": token, "fullName": "Второй Оператор", "email": "second@school.test", "phone": "",
        "password": "another-pass-1"})
    assert_error(again, 410, "link_used")
    assert_error(api(server).get("/api/v1/setup/" + "x" * 43), 404, "link_not_found")
    me = expect(operator.get("/api/v1/me"), 200)
    assert me["isOperator"] is True and me["status"] == "active" and me["hasPassword"] is True
    assert "parta_session" in operator.cookies, "setup must set the session cookie"
    # the cookie alone authenticates, and so does the bearer token alone
    assert expect(operator.cookie_only().get("/api/v1/me"), 200)["id"] == me["id"]
    assert expect(operator.bearer_only().get("/api/v1/me"), 200)["id"] == me["id"]


def test_registration_approval_activation_and_school_profile(server):
    operator = create_operator(server)

    # 1. The applicant submits the school's details and the appointing order (public, multipart).
    submitted = submit_application(server)
    assert submitted.response["status"] == "pending"

    # 2. The operator sees it in the queue, with the file described as uploaded.
    pending = list_applications(operator, "pending")
    assert [a["id"] for a in pending] == [submitted.id]
    app = expect(operator.get(f"/api/v1/school-applications/{submitted.id}"), 200)
    for key in ("schoolName", "shortName", "address", "region", "inn", "adminFullName"):
        assert app[key] == submitted.form[key], key
    assert app["adminEmail"] == submitted.email
    assert app["adminPhone"] == "+79123456789"
    assert app["status"] == "pending" and app.get("rejectReason") is None and app.get("schoolId") is None
    assert app["orderFile"]["contentType"] == "application/pdf"
    assert app["orderFile"]["size"] == len(submitted.file_bytes)
    file = operator.get(f"/api/v1/school-applications/{submitted.id}/order-file")
    assert file.status_code == 200 and file.content == submitted.file_bytes

    # 3. Approval creates the school and sends the activation link by email AND by SMS.
    sms_mark, mail_mark = server.sms.mark(), server.smtp.mark()
    approved = expect(operator.post(f"/api/v1/school-applications/{submitted.id}/approve"), 200)
    assert approved["status"] == "approved" and approved["schoolId"] and approved["decidedAt"]
    school_id = approved["schoolId"]
    assert list_applications(operator, "pending") == []
    assert [a["id"] for a in list_applications(operator, "approved")] == [submitted.id]

    mail = server.smtp.wait_for(submitted.email, since=mail_mark, contains="/#/activate/")
    sms = server.sms.wait_for("+79123456789", since=sms_mark, contains="/#/activate/")
    mail_link, mail_token = extract_activation_link(mail.body)
    sms_link, sms_token = extract_activation_link(sms.text)
    assert mail_token == sms_token, "the email and the SMS must carry the same activation link"
    assert mail_link.startswith(server.url + "/#/activate/"), f"link {mail_link} ignores PARTA_PUBLIC_URL"
    assert "МБОУ СОШ № 7" in mail.subject, f"subject not decoded to text: {mail.subject!r}"
    assert len(mail_token) >= 22, "activation tokens must carry at least 128 bits"
    token = sms_token

    # 4. The activation page: who and which school, contacts masked.
    anon = api(server)
    info = expect(anon.get(f"/api/v1/activation/{token}"), 200)
    assert info["fullName"] == "Иванова Мария Петровна"
    assert info["schoolName"] == submitted.form["schoolName"]
    assert info["phone"] == "+7 912 ***-**-89"
    assert "89123456789" not in str(info) and "+79123456789" not in str(info)

    # 5. The code comes by SMS through the real gateway; a wrong code is refused.
    mark = server.sms.mark()
    sent = expect(anon.post(f"/api/v1/activation/{token}/code"), 202)
    assert sent == {"sentTo": "+7 912 ***-**-89", "channel": "sms", "expiresInSeconds": 600}
    code = extract_code(server.sms.wait_for("+79123456789", since=mark).text)
    wrong = "000000" if code != "000000" else "111111"
    assert_error(anon.post(f"/api/v1/activation/{token}", json={"code": wrong, "password": ADMIN_PASSWORD}),
                 401, "invalid_code")
    assert_error(anon.post(f"/api/v1/activation/{token}", json={"code": code, "password": "short"}),
                 400, "validation_failed")
    signed = expect(anon.post(f"/api/v1/activation/{token}", json={"code": code, "password": ADMIN_PASSWORD}), 200)
    assert signed["token"] and signed["session"]["current"] is True
    user = signed["user"]
    assert user["status"] == "active" and user["hasPassword"] is True and user["isOperator"] is False
    assert user["phone"] == "+79123456789" and user["email"] == submitted.email
    assert {"schoolId": school_id, "role": "admin"}.items() <= next(
        m for m in user["memberships"] if m["schoolId"] == school_id).items()
    assert "parta_session" in anon.cookies, "activation signs in: the session cookie must be set"

    # The link is single-use.
    assert_error(anon.get(f"/api/v1/activation/{token}"), 410, "link_used")
    assert_error(anon.post(f"/api/v1/activation/{token}", json={"code": code, "password": ADMIN_PASSWORD}),
                 410, "link_used")

    # 6. The administrator signs in by password, with the phone written another way.
    admin = sign_in_password(server, "8 (912) 345-67-89", ADMIN_PASSWORD)
    assert admin.user["id"] == user["id"]
    assert_error(api(server).post("/api/v1/auth/password", json={"login": "+79123456789", "password": "wrong-pass-1"}),
                 401, "invalid_credentials")

    # 7. A new school has «Учительская», «Общешкольный канал» and «Сотрудники» at once.
    school = expect(admin.get(f"/api/v1/schools/{school_id}"), 200)
    assert school["canEdit"] is True
    assert school["name"] == submitted.form["schoolName"] and school["inn"] == "7707083893"
    staff_rooms = [c for c in school["classes"] if c["name"] == "Учительская"]
    assert len(staff_rooms) == 1 and staff_rooms[0]["kind"] == "staff_room", school["classes"]
    channels = {c["title"]: c["audience"] for c in school["channels"]}
    assert channels.get("Общешкольный канал") == "school", school["channels"]
    assert channels.get("Сотрудники") == "staff", school["channels"]

    # 8. The admin edits the school profile; GET shows it (to the admin and to the operator).
    changes = {
        "phone": "+7 (342) 212-34-56",
        "email": "school7@perm.example.ru",
        "website": "https://school7.perm.example.ru",
        "directorName": "Петров Сергей Иванович",
        "address": "614000, Пермский край, г. Пермь, ул. Ленина, д. 3",
        "timezone": "Asia/Yekaterinburg",
    }
    patched = expect(admin.patch(f"/api/v1/schools/{school_id}", json=changes), 200)
    for key, value in changes.items():
        if key != "phone":
            assert patched[key] == value, key
    assert patched["phone"], "the phone was not kept"
    reread = expect(admin.get(f"/api/v1/schools/{school_id}"), 200)
    for key in changes:
        assert reread[key] == patched[key], key
    assert reread["updatedAt"] >= school["updatedAt"]
    by_operator = expect(operator.get(f"/api/v1/schools/{school_id}"), 200)
    assert by_operator["directorName"] == "Петров Сергей Иванович"
    assert by_operator["canEdit"] is False
    # invalid values are refused field by field and change nothing
    bad = assert_error(admin.patch(f"/api/v1/schools/{school_id}", json={"inn": "1234567890", "email": "nope"}),
                       400, "validation_failed")
    assert "inn" in (bad.get("fields") or {}), bad
    assert expect(admin.get(f"/api/v1/schools/{school_id}"), 200)["inn"] == "7707083893"

    # 9. Sign-in by a one-time code sent by email through the real SMTP server.
    mark = server.smtp.mark()
    login = submitted.email.upper()  # emails are case-insensitive
    sent = expect(api(server).post("/api/v1/auth/code", json={"login": login}), 202)
    assert sent["channel"] == "email" and sent["expiresInSeconds"] == 600
    assert submitted.email not in sent["sentTo"], "the address must be masked"
    code_mail = server.smtp.wait_for(submitted.email, since=mark)
    email_code = extract_code(code_mail.body)
    by_code = api(server)
    assert_error(by_code.post("/api/v1/auth/code/verify",
                              json={"login": login, "code": "000000" if email_code != "000000" else "111111"}),
                 401, "invalid_code")
    signed = expect(by_code.post("/api/v1/auth/code/verify", json={"login": login, "code": email_code}), 200)
    assert signed["user"]["id"] == user["id"]
    by_code.adopt(signed)
    assert expect(by_code.get("/api/v1/me"), 200)["id"] == user["id"]
    # the code is single-use
    assert_error(api(server).post("/api/v1/auth/code/verify", json={"login": login, "code": email_code}), 401)

    # An unknown account gets the same answer and no message.
    mark = server.smtp.mark()
    unknown = expect(api(server).post("/api/v1/auth/code", json={"login": "nobody@school.test"}), 202)
    assert unknown["channel"] == "email"
    assert server.smtp.find(to="nobody@school.test", since=mark) == []

    # Sessions: the admin sees theirs; signing out ends only that one.
    sessions = expect(admin.get("/api/v1/sessions"), 200)["items"]
    assert len(sessions) >= 3 and sum(1 for s in sessions if s["current"]) == 1
    expect(by_code.post("/api/v1/auth/signout"), 204)
    assert_error(by_code.bearer_only().get("/api/v1/me"), 401, "unauthenticated")
    expect(admin.get("/api/v1/me"), 200)
