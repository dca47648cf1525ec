"""What the server acknowledged stays: across a graceful restart and across `kill -9`."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from parta_e2e import (
    api, approve_and_activate, assert_error, create_operator, expect, list_applications, make_pdf,
    post_application, application_form, sign_in_password, snapshot_dir, submit_application,
)

# The server accepts 10 applications per client address per hour (in memory, reset on restart).
N_APPLICATIONS = 8


def test_data_survives_a_graceful_restart(server):
    operator = create_operator(server)
    submitted = submit_application(server)
    pending = submit_application(server, adminPhone="+79120000002")
    admin = approve_and_activate(server, operator, submitted)
    expect(admin.patch(f"/api/v1/schools/{admin.school_id}", json={"directorName": "Петров Сергей Иванович"}), 200)
    school_before = expect(admin.get(f"/api/v1/schools/{admin.school_id}"), 200)
    links_before = server.log().count("Setup link: ")

    code = server.stop()
    assert code == 0, f"SIGTERM should end the server cleanly (exit 0), got {code}"
    server.start()

    # No new setup link once an operator exists.
    assert server.log().count("Setup link: ") == links_before
    # Sessions survive (the same tokens still work), and so do passwords.
    assert expect(operator.get("/api/v1/me"), 200)["isOperator"] is True
    assert expect(admin.bearer_only().get("/api/v1/me"), 200)["id"] == admin.user["id"]
    again = sign_in_password(server, admin.phone, admin.password)
    assert expect(again.get(f"/api/v1/schools/{admin.school_id}"), 200) == school_before
    sign_in_password(server, operator.email, operator.password)

    apps = {a["id"]: a for a in list_applications(operator)}
    assert apps[submitted.id]["status"] == "approved"
    assert apps[pending.id]["status"] == "pending"
    assert operator.get(f"/api/v1/school-applications/{pending.id}/order-file").content == pending.file_bytes


def test_acknowledged_writes_survive_kill_9(server):
    operator = create_operator(server)
    forms = [application_form(adminPhone=f"+7912000{i:04d}") for i in range(N_APPLICATIONS)]
    files = [make_pdf(f"order {i} " + "x" * (i * 50)) + bytes(range(256)) * (i * 40) for i in range(N_APPLICATIONS)]

    def submit(i: int) -> tuple[int, str]:
        r = post_application(api(server), forms[i], files[i], f"prikaz-{i}.pdf")
        assert r.status_code == 201, f"application {i}: HTTP {r.status_code} {r.text[:300]}"
        return i, r.json()["id"]

    # Half one by one, half at once: each must be durable when its 201 arrives.
    acknowledged = dict(submit(i) for i in range(N_APPLICATIONS // 2))
    with ThreadPoolExecutor(max_workers=4) as pool:
        acknowledged.update(pool.map(submit, range(N_APPLICATIONS // 2, N_APPLICATIONS)))
    # An acknowledged decision too.
    decided = acknowledged[0]
    expect(operator.post(f"/api/v1/school-applications/{decided}/reject", json={"reason": "Нет подписи."}), 200)

    server.kill9()
    server.start()

    apps = {a["id"]: a for a in list_applications(operator)}
    missing = [i for i, app_id in acknowledged.items() if app_id not in apps]
    assert not missing, f"acknowledged applications lost after kill -9: {missing}"
    assert len(apps) == N_APPLICATIONS
    assert apps[decided]["status"] == "rejected" and apps[decided]["rejectReason"] == "Нет подписи."
    for i, app_id in acknowledged.items():
        app = apps[app_id]
        assert app["adminPhone"] == forms[i]["adminPhone"]
        assert app["orderFile"]["size"] == len(files[i])
        r = operator.get(f"/api/v1/school-applications/{app_id}/order-file")
        assert r.status_code == 200, f"application {i}: {r.status_code} {r.text[:200]}"
        assert r.content == files[i], f"application {i}: the order file changed across kill -9"
    # No half-written leftovers in the files directory: exactly one file per application.
    stored = snapshot_dir(server.files_dir)
    assert sorted(stored.values()) == sorted(len(f) for f in files), stored

    # The server keeps working after the crash: a new application is accepted and listed.
    after = submit_application(server, adminPhone="+79129999999")
    assert after.id in {a["id"] for a in list_applications(operator)}


def test_restart_after_kill_9_before_any_operator_prints_a_setup_link(server):
    first = server.setup_link()
    server.kill9()
    server.start()
    # A link printed before the crash is still valid (it was stored), or a new one is printed.
    latest = server.setup_link()
    token = latest.split("/#/setup/", 1)[1]
    expect(api(server).get(f"/api/v1/setup/{token}"), 200)
    old = first.split("/#/setup/", 1)[1]
    r = api(server).get(f"/api/v1/setup/{old}")
    assert r.status_code == 200 or r.status_code == 410, r.text
    operator = create_operator(server)
    assert_error(api(server).get(f"/api/v1/setup/{token}"), 410)
    assert expect(operator.get("/api/v1/me"), 200)["isOperator"] is True
