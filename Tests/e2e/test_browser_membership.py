"""Issue 3 in a real headless Chromium: a parent joins by a parent link and is linked to their child;
the administrator transfers a student to another class; a roster CSV with a bad row is shown with
its error before anything is written, and the corrected file is imported; a roster saved by Excel
in Russian (Windows-1251, `;`) imports too.
"""

from __future__ import annotations

import pytest
import requests

from parta_e2e import expect, extract_code
from test_browser import Page, browser  # noqa: F401  (the browser fixture)

pytestmark = pytest.mark.browser


def _school_with_classes(server, names: str):
    from parta_e2e import approve_and_activate, create_operator, submit_application
    operator = create_operator(server)
    admin = approve_and_activate(server, operator, submit_application(server))
    made = expect(admin.post(f"/api/v1/schools/{admin.school_id}/classes", json={"names": names}), 201)["items"]
    return admin, {c["name"]: c["id"] for c in made}


def _join_by_api(server, token: str, name: str, phone: str) -> requests.Session:
    person = requests.Session()
    mark = server.sms.mark()
    expect(person.post(f"{server.url}/api/v1/join/{token}/code", json={"fullName": name, "login": phone}), 202)
    code = extract_code(server.sms.wait_for(phone, since=mark).text)
    expect(person.post(f"{server.url}/api/v1/join/{token}", json={"login": phone, "code": code}), 200)
    return person


def test_parent_joins_by_link_and_is_linked_to_their_child(server, browser):
    admin, classes = _school_with_classes(server, "5Б")
    child = expect(admin.post(f"/api/v1/classes/{classes['5Б']}/students", json={"fullName": "Иванов Пётр Сергеевич"}), 201)
    link = expect(admin.post(f"/api/v1/classes/{classes['5Б']}/invites", json={"role": "parent"}), 201)

    page = Page(browser, server.url)
    browser.get(link["url"])
    assert "5Б" in page.text("#join-invite")
    # Submission 1: name, phone, child's name — a name that is not in the class is refused at once.
    page.fill("#join-fullName", "Иванова Мария")
    page.fill("#join-login", "+7 902 111-22-33")
    page.fill("#join-childName", "Сидоров Коля")
    page.click("#join-get-code")
    page.wait(lambda d: page.text("#join-childName-error") != "", 5, "wrong child name not shown")
    page.fill("#join-childName", "иванов петр")
    mark = server.sms.mark()
    page.click("#join-get-code")
    code = extract_code(server.sms.wait_for("+79021112233", since=mark).text)
    # Submission 2: the code — and the parent is inside, linked to Пётр.
    page.fill("#join-code", code)
    page.click("#join-submit")
    page.wait_route(f"#/school/{admin.school_id}")
    parents = expect(admin.get(f"/api/v1/schools/{admin.school_id}/members?role=parent"), 200)["items"]
    assert [p["fullName"] for p in parents] == ["Иванова Мария"]
    assert [c["userId"] for c in parents[0]["children"]] == [child["userId"]]
    # The link's token is a secret: the server log shows the requests without it.
    assert "/api/v1/join/…" in server.log()
    assert link["token"] not in server.log()
    # The parent's account page lists the child.
    page.open("/account")
    page.wait(lambda d: "Иванов Пётр Сергеевич" in page.text("#main"), 10, "the child is not on the account page")
    page.no_sideways_scroll()


def test_admin_transfers_a_student_to_another_class(server, browser):
    admin, classes = _school_with_classes(server, "5А, 5Б")
    link = expect(admin.post(f"/api/v1/classes/{classes['5А']}/invites", json={"role": "student"}), 201)
    student = _join_by_api(server, link["token"], "Волков Артём", "+79021112244")
    student_id = expect(student.get(f"{server.url}/api/v1/me"), 200)["id"]

    page = Page(browser, server.url)
    page.sign_in(admin.email, admin.password, f"#/school/{admin.school_id}")
    page.open(f"/school/{admin.school_id}/members?classId={classes['5А']}")
    assert "Волков Артём" in page.text(f'[data-user-id="{student_id}"]')
    page.click(f"#member-manage-{student_id}")
    from selenium.webdriver.support.ui import Select
    Select(page.el(f"#member-transfer-{student_id}-class")).select_by_visible_text("5Б")
    page.click(f"#member-transfer-{student_id}")
    page.wait(lambda d: "5Б" in page.text("#members-message"), 5, "no confirmation of the transfer")

    # At once: the old class is gone, the new one is there; the history records the move.
    member = expect(admin.get(f"/api/v1/schools/{admin.school_id}/members?q=Волков"), 200)["items"][0]
    assert [c["name"] for c in member["classes"]] == ["5Б"]
    page.open(f"/school/{admin.school_id}/members?classId={classes['5Б']}")
    # The 5Б list, not the 5А one still on the screen while it loads (a click there would be lost).
    page.wait(lambda d: d.execute_script("const s = document.getElementById('members-classId'); return s && s.value")
              == classes['5Б'], 10, "the 5Б list did not load")
    page.click(f"#member-manage-{student_id}")
    page.click(f"#member-history-btn-{student_id}")
    page.wait(lambda d: "5А → 5Б" in page.text(f"#member-history-{student_id}"), 5, "history does not show the move")
    page.open(f"/school/{admin.school_id}/members?classId={classes['5А']}")
    page.el("#members-empty")
    page.no_sideways_scroll()
    assert page.severe_console_errors() == []


def test_roster_import_shows_a_bad_row_before_anything_is_written(server, browser, tmp_path):
    admin, classes = _school_with_classes(server, "5А, 5Б")
    bad = tmp_path / "bad.csv"
    bad.write_text("Класс;Ученик;Родитель;Телефон родителя\n"
                   "5А;Новиков Саша;Новикова Марина;+7 900 555-06-01\n"
                   "5Я;Неизвестный Класс;;\n"
                   "5Б;Орлова Даша;Орлов Иван;12345\n", encoding="utf-8")
    good = tmp_path / "good.csv"
    good.write_text("Класс;Ученик;Родитель;Телефон родителя\n"
                    "5А;Новиков Саша;Новикова Марина;+7 900 555-06-01\n"
                    "5Б;Орлова Даша;Орлов Иван;+7 900 555-06-02\n", encoding="utf-8")

    page = Page(browser, server.url)
    page.sign_in(admin.email, admin.password, f"#/school/{admin.school_id}")
    page.click("#school-manage-import")
    page.wait_route(f"#/school/{admin.school_id}/import")
    page.el("#import-file").send_keys(str(bad))
    page.click("#import-check")
    page.el("#import-has-errors")
    lines = browser.execute_script(
        "return [...document.querySelectorAll('#import-errors tr[data-line]')].map(r => r.dataset.line)")
    assert lines == ["3", "4"], lines
    assert "5Я" in page.text("#import-errors")
    assert not page.d.find_element("css selector", "#import-run").is_displayed()
    students = expect(admin.get(f"/api/v1/schools/{admin.school_id}/members?role=student"), 200)
    assert students["total"] == 0, "the preview wrote nothing"

    page.el("#import-file").send_keys(str(good))
    page.click("#import-check")
    page.el("#import-ready")
    page.click("#import-run")
    page.wait(lambda d: "2" in page.text("#import-message"), 10, "import did not finish")
    students = expect(admin.get(f"/api/v1/schools/{admin.school_id}/members?role=student"), 200)
    assert sorted(s["fullName"] for s in students["items"]) == ["Новиков Саша", "Орлова Даша"]
    assert all(len(s["parents"]) == 1 for s in students["items"])
    page.no_sideways_scroll()
    assert page.severe_console_errors() == []


def test_a_roster_saved_by_excel_in_windows_1251_imports(server, browser, tmp_path):
    """Excel in Russian saves «CSV (разделители — запятые)» in Windows-1251 with `;` and CRLF; the
    browser uploads the file's bytes as they are, and the server reads them (it used to refuse the
    file: «Файл должен быть в кодировке UTF-8»)."""
    admin, _ = _school_with_classes(server, "5А, 5Б")
    excel = tmp_path / "excel.csv"
    excel.write_bytes("Класс;Ученик;Родитель;Телефон родителя\r\n"
                      "5А;Ёлкина Алёна;Ёлкин Пётр;+7 900 555-07-01\r\n"
                      "5Б;\"Щукин-Эрдман, Юрий\";;\r\n".encode("cp1251"))

    page = Page(browser, server.url)
    page.sign_in(admin.email, admin.password, f"#/school/{admin.school_id}")
    page.click("#school-manage-import")
    page.wait_route(f"#/school/{admin.school_id}/import")
    page.el("#import-file").send_keys(str(excel))
    page.click("#import-check")
    page.el("#import-ready")
    page.click("#import-run")
    page.wait(lambda d: "2" in page.text("#import-message"), 10, "import did not finish")
    students = expect(admin.get(f"/api/v1/schools/{admin.school_id}/members?role=student"), 200)
    assert sorted(s["fullName"] for s in students["items"]) == ["Ёлкина Алёна", "Щукин-Эрдман, Юрий"]

    # The export is what Excel opens: UTF-8 with a BOM, `;`, CRLF.
    exported = admin.get(f"/api/v1/schools/{admin.school_id}/roster.csv")
    assert exported.status_code == 200
    assert exported.content.startswith("\ufeffКласс;Ученик;".encode("utf-8"))
    assert "\r\n5А;Ёлкина Алёна;;;Ёлкин Пётр;+79005550701;" in exported.content.decode("utf-8-sig")
    assert page.severe_console_errors() == []
