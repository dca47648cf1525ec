"""Issue 14, grades and attendance, in real headless Chromium.

The teacher opens the class's grade sheet from her week and fills it with the keyboard only — Tab
into the grid, arrows, digits, Enter to save and move down, Delete to clear, a term mark in the last
column — and the averages follow as she types. On the lesson page she marks everyone present in one
tap and one student absent through illness. The parent (on a phone) is told of a new grade at once,
sees it on the lesson page and in the child's row of the sheet. axe finds nothing on these pages at
390 and 1280 px; the sheet scrolls sideways in its own box, never the page.
"""

from __future__ import annotations

import datetime
import os
import tempfile
from pathlib import Path

import pytest
import requests

from parta_e2e import expect, extract_code, join_by_link
from test_browser import Page, browser, make_driver  # noqa: F401  (the browser fixture)

pytestmark = pytest.mark.browser

DESKTOP = (1280, 800)
# Screenshots to look at (not kept in the repository).
SHOTS = Path(os.environ.get("PARTA_E2E_SHOTS", Path(tempfile.gettempdir()) / "parta-shots"))


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.d.save_screenshot(str(SHOTS / f"{name}.png"))


def _keys(page: Page, *keys) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    ActionChains(page.d).send_keys(*keys).perform()


def _active(page: Page) -> dict:
    return page.d.execute_script(
        "const e = document.activeElement; return {tag: e.tagName, r: e.dataset.r, c: e.dataset.c, text: e.textContent,"
        " role: e.getAttribute('role')}")


def _cell(page: Page, r: int, c: int) -> str:
    return page.d.execute_script(f"return document.querySelector('td[data-r=\"{r}\"][data-c=\"{c}\"]').textContent")


def _school(server):
    from test_browser_chat_admin import _school_with_teacher
    admin, school, cls, student_link, teacher, teacher_id = _school_with_teacher(server, "5А")
    student = join_by_link(server, student_link["token"], "Соколов Миша", "+79031112233", "student-pass-1")
    join_by_link(server, student_link["token"], "Андреева Оля", "+79031112244", "student-pass-2")
    student_id = expect(student.get(f"{server.url}/api/v1/me"), 200)["id"]
    link = expect(admin.post(f"/api/v1/classes/{cls['id']}/invites", json={"role": "parent"}), 201)
    parent = requests.Session()
    mark = server.sms.mark()
    expect(parent.post(f"{server.url}/api/v1/join/{link['token']}/code",
                       json={"fullName": "Соколова Анна", "login": "+79031110021", "childName": "Соколов Миша"}), 202)
    code = extract_code(server.sms.wait_for("+79031110021", since=mark).text)
    expect(parent.post(f"{server.url}/api/v1/join/{link['token']}",
                       json={"login": "+79031110021", "code": code, "childName": "Соколов Миша"}), 200)
    expect(parent.put(f"{server.url}/api/v1/me/password", json={"newPassword": "parent-pass-1"}), 204)

    year = expect(admin.get(f"/api/v1/schools/{school}/school-year"), 200)
    body = {k: v for k, v in year.items() if k not in ("configured", "bellsConfigured")}
    expect(admin.put(f"/api/v1/schools/{school}/school-year", json=body), 200)
    subjects = {s["name"]: s["id"] for s in expect(admin.get(f"/api/v1/schools/{school}/subjects"), 200)["items"]}
    math = subjects["Математика"]
    expect(admin.put(f"/api/v1/classes/{cls['id']}/timetable", json={"entries": [
        {"weekday": d, "period": 1, "subjectId": math, "teacherId": teacher_id} for d in range(1, 6)]}), 200)
    # The lessons of the term so far (saving the timetable makes them from today on).
    today = datetime.date.today()
    begun = [t for t in year["terms"] if datetime.date.fromisoformat(t["startsOn"]) <= today]
    if not begun:
        pytest.skip("no term of this school year has begun: nothing to grade yet")
    term = begun[-1]
    until = min(today, datetime.date.fromisoformat(term["endsOn"]))
    expect(admin.post(f"/api/v1/schools/{school}/lessons/generate", json={"from": term["startsOn"], "to": until.isoformat()}), 200)
    lessons = [l for l in expect(admin.get(f"/api/v1/classes/{cls['id']}/lessons?from={max(datetime.date.fromisoformat(term['startsOn']), until - datetime.timedelta(days=60)).isoformat()}&to={until.isoformat()}"), 200)["items"]
               if l["status"] == "scheduled"]
    if len(lessons) < 2:
        pytest.skip("fewer than two lessons in this term so far")
    return admin, school, cls, teacher, student_id, parent, math, term, lessons


def test_the_teacher_fills_the_sheet_by_keyboard_marks_attendance_and_the_parent_sees(server, browser):
    admin, school, cls, teacher, student_id, parent, math, term, lessons = _school(server)

    desk = make_driver(DESKTOP)
    try:
        t = Page(desk, server.url)
        t.sign_in("orlova@school.test", "teacher-pass-1", f"#/school/{school}/chats")
        # Her week links to the sheet.
        t.open("/schedule")
        t.click(f"#journal-{cls['id']}-{math}")
        t.wait_route(f"#/class/{cls['id']}/grades")
        t.wait(lambda d: t.title_now() == "Журнал: Математика, 5А", 10, "the sheet did not open")
        t.el("table.sheet[role=grid]")
        assert t.axe_violations() == []

        # Keyboard only: Tab into the grid (one tab stop), then type.
        for _ in range(30):
            if _active(t).get("role") == "gridcell":
                break
            _keys(t, "\ue004")  # Tab
        start = _active(t)
        assert start["role"] == "gridcell", start
        col = int(start["c"])
        _keys(t, "5", "\ue007")                  # Андреева Оля: 5, Enter → down
        assert _active(t)["r"] == "1"
        _keys(t, "4", "\ue007")                  # Соколов Миша: 4
        t.wait(lambda d: "Сохранено" in t.text("#sheet-status"), 10, "the grade was not saved")
        _keys(t, "\ue014", "3", "\ue012")        # → the next lesson: 3, ← back (saves on leaving)
        _keys(t, "\ue017")                       # Delete: Соколов's 4 goes
        t.wait(lambda d: _cell(t, 1, col) == "", 10, "Delete did not clear the cell")
        avg_col = t.d.execute_script("return document.querySelectorAll('thead th').length - 3")
        t.wait(lambda d: _cell(t, 1, avg_col) == "3,00", 10, "the average did not follow")
        assert _cell(t, 0, avg_col) == "5,00"
        assert _cell(t, 0, avg_col + 1) == "5"   # proposed
        # The term mark: up, End, 5, Enter.
        _keys(t, "\ue013", "\ue010", "5", "\ue007")
        t.wait(lambda d: "Сохранено" in t.text("#sheet-status") and "5" in t.text("#sheet-status"), 10, "no term mark")
        _shot(t, "grades-sheet-1280")

        sheet = expect(teacher.get(f"{server.url}/api/v1/classes/{cls['id']}/grade-sheet?subjectId={math}&term={term['number']}"), 200)
        rows = {s["fullName"]: s for s in sheet["students"]}
        assert [g["value"] for g in rows["Андреева Оля"]["grades"]] == ["5"]
        assert [g["value"] for g in rows["Соколов Миша"]["grades"]] == ["3"]
        assert rows["Андреева Оля"]["mark"]["value"] == "5"
        graded = rows["Соколов Миша"]["grades"][0]["lessonId"]

        # The lesson page: everyone present in one tap, Соколов absent through illness.
        t.open(f"/lesson/{graded}")
        t.el("#lesson-marks")
        t.click("#marks-all-present")
        t.wait(lambda d: "Отмечены" in t.text("#marks-status"), 10, "all present was not saved")
        t.click(f"#att-{student_id}-absent")
        t.wait(lambda d: t.d.find_element("css selector", f"#reason-{student_id}").is_displayed(), 5, "no reason to pick")
        from selenium.webdriver.support.ui import Select
        Select(t.el(f"#reason-{student_id}")).select_by_visible_text("Болезнь")
        t.wait(lambda d: expect(teacher.get(f"{server.url}/api/v1/lessons/{graded}/marks"), 200)["students"] and any(
            s["id"] == student_id and (s.get("attendance") or {}).get("reason") == "illness"
            for s in expect(teacher.get(f"{server.url}/api/v1/lessons/{graded}/marks"), 200)["students"]), 10, "the absence was not saved")
        assert t.axe_violations() == []
        _shot(t, "grades-lesson-1280")
    finally:
        desk.quit()

    # The parent, on a phone: told of a new grade at once, sees it on the lesson and in the sheet.
    page = Page(browser, server.url)
    page.sign_in("+79031110021", "parent-pass-1", f"#/school/{school}")
    page.open(f"/lesson/{graded}")
    page.el("#lesson-marks")
    assert "3" in page.text("#lesson-marks") and "Соколов Миша" in page.text("#lesson-marks")
    assert "Андреева" not in page.text("#lesson-marks")
    assert "болезнь" in page.text("#lesson-marks")
    assert page.axe_violations() == []
    page.no_sideways_scroll()
    _shot(page, "grades-lesson-parent-390")
    other = next(l["id"] for l in lessons if l["id"] != graded)
    expect(teacher.put(f"{server.url}/api/v1/lessons/{other}/grades", json={"studentId": student_id, "value": "5"}), 200)
    page.wait(lambda d: "Математика" in page.text("#grade-notice") and "5" in page.text("#grade-notice"), 10, "no notice of the grade")
    _shot(page, "grades-notice-390")
    page.click("#marks-sheet")
    page.wait_route(f"#/class/{cls['id']}/grades")
    page.el("table.sheet")
    names = page.d.execute_script("return [...document.querySelectorAll('tbody th')].map(e => e.textContent)")
    assert names == ["Соколов Миша"], names
    assert page.axe_violations() == []
    page.no_sideways_scroll()
    _shot(page, "grades-sheet-parent-390")

    # The child's week (the diary): the grade beside its lesson with the kind of work, the absence.
    day = datetime.date.fromisoformat(expect(teacher.get(f"{server.url}/api/v1/lessons/{graded}"), 200)["date"])
    monday = day - datetime.timedelta(days=day.weekday())
    page.open(f"/schedule?from={monday.isoformat()}")
    card = f"li.lesson[data-lesson-id='{graded}']"
    page.wait(lambda d: page.d.find_elements("css selector", f"{card} .gmark"), 10, "no grade on the lesson's card")
    page.click(f"#chip-{day.isoformat()}")   # a phone shows one day at a time
    assert page.text(f"{card} .gmark") == "3"
    assert "Работа на уроке" in page.el(f"{card} .gmark").get_attribute("aria-label")
    assert "Не был(а) (по болезни)" in page.text(f"{card} .l-marks")
    assert page.axe_violations() == []
    page.no_sideways_scroll()
    _shot(page, "grades-diary-parent-390")

    # «Оценки» in the navigation: subject by subject, the average and where it is heading.
    page.click("#nav-marks")
    page.wait_route("#/marks")
    row = f"li.mk-subject[data-subject-id='{math}']"
    page.wait(lambda d: page.d.find_elements("css selector", f"{row} .gmark"), 10, "no marks on «Оценки»")
    assert sorted(e.text for e in page.d.find_elements("css selector", f"{row} .mk-grades .gmark")) == ["3", "5"]
    assert page.text(f"{row} .mk-avg") == "4,00"
    assert "Пропусков: 1" in page.text(row)
    assert page.axe_violations() == []
    page.no_sideways_scroll()
    _shot(page, "grades-marks-parent-390")


def test_the_sheet_on_a_phone_scrolls_in_its_box_with_the_names_sticky(server, browser):
    admin, school, cls, teacher, student_id, parent, math, term, lessons = _school(server)
    page = Page(browser, server.url)
    page.sign_in("orlova@school.test", "teacher-pass-1", f"#/school/{school}/chats")
    page.open(f"/class/{cls['id']}/grades?subject={math}")
    page.el("table.sheet")
    page.no_sideways_scroll()
    box = page.d.execute_script("const b = document.getElementById('sheet-box'); return [b.scrollWidth, b.clientWidth]")
    if len(lessons) > 6:
        assert box[0] > box[1], box   # wider than the phone: it scrolls inside its box
    assert page.d.execute_script("return getComputedStyle(document.querySelector('tbody th.name')).position") == "sticky"
    # A tap on a cell opens big buttons (at least 44 px), and one of them saves the grade.
    page.click("td[data-r='0'][data-c='0']")
    page.el("#sheet-pad")
    sizes = page.d.execute_script("return [...document.querySelectorAll('#sheet-pad button')].map(b => [b.offsetWidth, b.offsetHeight])")
    assert all(w >= 44 and h >= 44 for w, h in sizes), sizes
    page.click("#sheet-pad button[data-value='4']")
    page.wait(lambda d: "Сохранено" in page.text("#sheet-status"), 10, "the tap did not save")
    assert page.axe_violations() == []
    _shot(page, "grades-sheet-390")
    # The keepers' page of kinds of work.
    page.sign_out_everywhere()
    page.sign_in(admin.email, admin.password, f"#/school/{school}")
    page.click("#school-manage-grading")
    page.wait_route(f"#/school/{school}/grading")
    page.el("#grading-kinds")
    assert page.axe_violations() == []
    page.no_sideways_scroll()
    _shot(page, "grades-grading-390")
