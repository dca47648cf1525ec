"""Who may do what around school registration: a rejected application leads nowhere, and the
appointing order (a personal document) is readable by the operator only."""

from __future__ import annotations

from parta_e2e import (
    api, approve_and_activate, approved_awaiting_activation, assert_error, create_operator, expect,
    list_applications, make_pdf, sign_in_password, submit_application, unique_email, unique_phone,
)


def _barrier_email(server, operator):
    """Sends the operator a sign-in code by email and waits for it. Messages the server produced
    before this point have been handed to the SMTP server by the time it returns (one outbox)."""
    mark = server.smtp.mark()
    expect(api(server).post("/api/v1/auth/code", json={"login": operator.email}), 202)
    server.smtp.wait_for(operator.email, since=mark)


def _barrier_sms(server, operator):
    mark = server.sms.mark()
    expect(api(server).post("/api/v1/auth/code", json={"login": operator.phone}), 202)
    server.sms.wait_for(operator.phone, since=mark)


def test_rejected_application_cannot_be_activated(server):
    operator = create_operator(server)
    submitted = submit_application(server)
    sms_start, mail_start = server.sms.mark(), server.smtp.mark()

    # A reason is required.
    assert_error(operator.post(f"/api/v1/school-applications/{submitted.id}/reject", json={"reason": ""}),
                 400, "validation_failed")
    rejected = expect(operator.post(f"/api/v1/school-applications/{submitted.id}/reject",
                                    json={"reason": "Приказ не подписан руководителем."}), 200)
    assert rejected["status"] == "rejected"
    assert rejected["rejectReason"] == "Приказ не подписан руководителем."
    assert rejected.get("schoolId") is None and rejected["decidedAt"]

    # The applicant is told why (by email) — and that message carries no activation link.
    notice = server.smtp.wait_for(submitted.email, since=mail_start, contains="Приказ не подписан")
    assert "/#/activate/" not in notice.body

    # A decided application cannot be decided again.
    assert_error(operator.post(f"/api/v1/school-applications/{submitted.id}/approve"), 409, "already_decided")
    assert_error(operator.post(f"/api/v1/school-applications/{submitted.id}/reject", json={"reason": "Ещё раз."}),
                 409, "already_decided")
    app = expect(operator.get(f"/api/v1/school-applications/{submitted.id}"), 200)
    assert app["status"] == "rejected" and app.get("schoolId") is None
    assert [a["id"] for a in list_applications(operator, "rejected")] == [submitted.id]
    assert list_applications(operator, "approved") == []

    # No activation message was sent, by either channel, at any point.
    _barrier_email(server, operator)
    _barrier_sms(server, operator)
    assert server.smtp.find(contains="/#/activate/", since=mail_start) == []
    assert server.sms.find(to=submitted.phone, since=sms_start) == []
    assert server.sms.find(contains="/#/activate/", since=sms_start) == []

    # The would-be admin has no account: no password sign-in, and a code request sends nothing.
    assert_error(api(server).post("/api/v1/auth/password", json={"login": submitted.phone, "password": "admin-pass-123"}),
                 401, "invalid_credentials")
    sms_mark = server.sms.mark()
    expect(api(server).post("/api/v1/auth/code", json={"login": submitted.phone}), 202)
    _barrier_sms(server, operator)
    assert server.sms.find(to=submitted.phone, since=sms_mark) == []
    # No school was created for it: the operator still sees no school ids on any application.
    assert all(a.get("schoolId") is None for a in list_applications(operator))


def test_approve_twice_is_a_conflict_and_sends_one_activation(server):
    operator = create_operator(server)
    submitted = submit_application(server)
    sms_mark = server.sms.mark()
    first = expect(operator.post(f"/api/v1/school-applications/{submitted.id}/approve"), 200)
    assert_error(operator.post(f"/api/v1/school-applications/{submitted.id}/approve"), 409, "already_decided")
    assert_error(operator.post(f"/api/v1/school-applications/{submitted.id}/reject", json={"reason": "Передумали."}),
                 409, "already_decided")
    again = expect(operator.get(f"/api/v1/school-applications/{submitted.id}"), 200)
    assert again["status"] == "approved" and again["schoolId"] == first["schoolId"]
    server.sms.wait_for(submitted.phone, since=sms_mark, contains="/#/activate/")
    _barrier_sms(server, operator)
    assert len(server.sms.find(to=submitted.phone, contains="/#/activate/", since=sms_mark)) == 1


def test_order_file_is_readable_by_the_operator_only(server):
    operator = create_operator(server)
    order = make_pdf("confidential order of school 7")
    mine = submit_application(server, file_bytes=order, file_name="Приказ № 15 о назначении.pdf")
    other = submit_application(server, adminPhone=unique_phone(), adminEmail=unique_email("other"),
                               shortName="МБОУ Лицей № 2", schoolName="Муниципальное бюджетное общеобразовательное учреждение «Лицей № 2»")
    admin = approve_and_activate(server, operator, mine, link_from="sms")
    other_admin = approve_and_activate(server, operator, other, link_from="email")
    path = f"/api/v1/school-applications/{mine.id}/order-file"

    # Anonymous: 401.
    assert_error(api(server).get(path), 401, "unauthenticated")
    # The school's own admin and another school's admin: 404 (not even its existence is told).
    for who in (admin, admin.bearer_only(), admin.cookie_only(), other_admin):
        assert_error(who.get(path), 404)
    # The operator: the same bytes, as an attachment.
    r = operator.get(path)
    assert r.status_code == 200, r.text[:300]
    assert r.content == order, "the operator must get the uploaded bytes unchanged"
    disposition = r.headers.get("Content-Disposition", "")
    assert disposition.lower().startswith("attachment"), f"Content-Disposition: {disposition!r}"
    assert r.headers.get("Content-Type", "").startswith("application/pdf"), r.headers.get("Content-Type")
    # The same through the cookie alone and the bearer token alone.
    assert operator.cookie_only().get(path).content == order
    assert operator.bearer_only().get(path).content == order
    # An unknown application: 404 for the operator too.
    assert_error(operator.get("/api/v1/school-applications/00000000-0000-4000-8000-000000000000/order-file"), 404)


def test_operator_endpoints_are_hidden_from_everyone_else(server):
    operator = create_operator(server)
    first = submit_application(server)
    pending = submit_application(server, adminPhone=unique_phone())
    admin = approve_and_activate(server, operator, first)
    base = "/api/v1/school-applications"

    anonymous = api(server)
    assert_error(anonymous.get(base), 401, "unauthenticated")
    assert_error(anonymous.get(f"{base}/{pending.id}"), 401, "unauthenticated")
    assert_error(anonymous.post(f"{base}/{pending.id}/approve"), 401, "unauthenticated")
    assert_error(anonymous.post(f"{base}/{pending.id}/reject", json={"reason": "Нет."}), 401, "unauthenticated")

    assert_error(admin.get(base), 404)
    assert_error(admin.get(f"{base}/{pending.id}"), 404)
    assert_error(admin.post(f"{base}/{pending.id}/approve"), 404)
    assert_error(admin.post(f"{base}/{pending.id}/reject", json={"reason": "Не нравится."}), 404)
    assert_error(admin.post(f"/api/v1/users/{operator.user['id']}/disable"), (403, 404))
    expect(operator.get("/api/v1/me"), 200)

    # Nothing happened to the pending application.
    app = expect(operator.get(f"{base}/{pending.id}"), 200)
    assert app["status"] == "pending" and app.get("decidedAt") is None


def test_school_is_visible_to_members_and_operator_and_editable_by_its_admins(server):
    operator = create_operator(server)
    a = submit_application(server)
    b = submit_application(server, adminPhone=unique_phone(), shortName="Гимназия № 3",
                           schoolName="Муниципальное автономное общеобразовательное учреждение «Гимназия № 3»")
    admin_a = approve_and_activate(server, operator, a)
    admin_b = approve_and_activate(server, operator, b)
    school_a = expect(operator.get(f"/api/v1/schools/{admin_a.school_id}"), 200)

    # Another school's admin neither sees nor edits it.
    assert_error(admin_b.get(f"/api/v1/schools/{admin_a.school_id}"), 404)
    assert_error(admin_b.patch(f"/api/v1/schools/{admin_a.school_id}", json={"name": "Захвачено"}), (403, 404))
    assert_error(api(server).get(f"/api/v1/schools/{admin_a.school_id}"), 401, "unauthenticated")
    assert_error(api(server).patch(f"/api/v1/schools/{admin_a.school_id}", json={"name": "Захвачено"}), 401)
    # The operator sees it but is not its admin.
    assert_error(operator.patch(f"/api/v1/schools/{admin_a.school_id}", json={"name": "Захвачено"}), (403, 404))
    after = expect(admin_a.get(f"/api/v1/schools/{admin_a.school_id}"), 200)
    assert after["name"] == school_a["name"] and after["updatedAt"] == school_a["updatedAt"]


def test_disabled_admin_is_signed_out_and_cannot_sign_in(server):
    operator = create_operator(server)
    submitted = submit_application(server)
    admin = approve_and_activate(server, operator, submitted)
    expect(operator.post(f"/api/v1/users/{admin.user['id']}/disable"), 204)
    assert_error(admin.get("/api/v1/me"), 401)
    assert_error(api(server).post("/api/v1/auth/password", json={"login": admin.phone, "password": admin.password}),
                 (401, 403), ("account_disabled", "invalid_credentials"))
    expect(operator.post(f"/api/v1/users/{admin.user['id']}/enable"), 204)
    again = sign_in_password(server, admin.phone, admin.password)
    assert expect(again.get("/api/v1/me"), 200)["id"] == admin.user["id"]


def test_activation_code_wrong_five_times_locks_the_code(server):
    anon, token, code = approved_awaiting_activation(server)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        assert_error(anon.post(f"/api/v1/activation/{token}", json={"code": wrong, "password": "admin-pass-123"}),
                     (401, 429))
    # Even the right code no longer works: the attempts are used up.
    assert_error(anon.post(f"/api/v1/activation/{token}", json={"code": code, "password": "admin-pass-123"}),
                 (401, 429), ("code_attempts_exceeded", "invalid_code", "rate_limited"))
