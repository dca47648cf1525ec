"""Issue 14 (the e-journal's base) in real headless Chromium.

The administrator saves the proposed school year, fills a class's week in the editor (one day at a
time on a phone) and meets a clash — the teacher is in another class at that time — on the very line
that caused it; nothing is saved until it is gone. The student finds the week under «Расписание»;
the teacher, on a desktop, sees the whole week, opens a lesson and writes its topic, which the
student then sees. axe finds nothing on any of these pages at either size.
"""

from __future__ import annotations

import datetime

import pytest

from parta_e2e import expect, join_by_link
from test_browser import Page, browser, make_driver  # noqa: F401  (the browser fixture)

pytestmark = pytest.mark.browser

DESKTOP = (1280, 800)


def _select(page: Page, css: str, text: str) -> None:
    from selenium.webdriver.support.ui import Select
    Select(page.el(css)).select_by_visible_text(text)


def _line(page: Page, day: int, period: int) -> str:
    """The id prefix of the first line of a day's period in the editor."""
    return page.d.execute_script(
        "const l = document.querySelector(`.tt-line[data-day='${arguments[0]}'][data-period='${arguments[1]}']`);"
        "return l.querySelector('select').id.replace(/-subject$/, '')", day, period)


def _first_week_with_lessons(session, url: str) -> str | None:
    """The Monday of the first week from now on that has lessons (None in the summer)."""
    monday = datetime.date.today() - datetime.timedelta(days=datetime.date.today().weekday())
    for week in range(0, 20):
        start = (monday + datetime.timedelta(weeks=week)).isoformat()
        days = expect(session.get(f"{url}/api/v1/me/schedule?from={start}"), 200)["days"]
        if sum(len(d["lessons"]) for d in days) >= 3:
            return start
    return None


def test_admin_fills_a_week_the_student_and_the_teacher_see_it(server, browser):
    from test_browser_chat_admin import _school_with_teacher
    admin, school, class_a, student_link, teacher, teacher_id = _school_with_teacher(server, "5А")
    class_b = expect(admin.post(f"/api/v1/schools/{school}/classes", json={"names": "5Б"}), 201)["items"][0]
    student = join_by_link(server, student_link["token"], "Соколов Миша", "+79031112233", "student-pass-1")
    subjects = {s["name"]: s["id"] for s in expect(admin.get(f"/api/v1/schools/{school}/subjects"), 200)["items"]}

    page = Page(browser, server.url)
    page.sign_in(admin.email, admin.password, f"#/school/{school}")
    page.click("#school-manage-timetable")
    page.wait_route(f"#/school/{school}/timetable")
    assert "предложение" in page.text("#year-proposal")
    assert page.axe_violations() == []
    page.click("#year-save")
    page.wait(lambda d: "Сохранено" in page.text("#year-saved"), 10, "the year was not saved")
    assert not page.d.find_elements("css selector", "#year-proposal")

    # 5Б has Орлова on Tuesdays at the first period (by the API, as another keeper might have).
    expect(admin.put(f"/api/v1/classes/{class_b['id']}/timetable", json={"entries": [
        {"weekday": 2, "period": 1, "subjectId": subjects["Физическая культура"], "teacherId": teacher_id}]}), 200)

    page.click(f"#tt-class-{class_a['id']}")
    page.wait_route(f"#/school/{school}/timetable/{class_a['id']}")
    page.el("#week-form")
    assert page.axe_violations() == []
    page.no_sideways_scroll()
    # Monday: maths and Russian; on a phone one day shows at a time.
    for period, subject in ((1, "Математика"), (2, "Русский язык")):
        line = _line(page, 1, period)
        _select(page, f"#{line}-subject", subject)
        _select(page, f"#{line}-teacher", "Орлова Нина Петровна")
    page.fill(f"#{_line(page, 1, 1)}-room", "21")
    # Tuesday, first period: Орлова is in 5Б then.
    page.click("#tt-chip-2")
    tuesday = _line(page, 2, 1)
    _select(page, f"#{tuesday}-subject", "Математика")
    _select(page, f"#{tuesday}-teacher", "Орлова Нина Петровна")
    page.click("#tt-chip-3")
    wednesday = _line(page, 3, 1)
    _select(page, f"#{wednesday}-subject", "Математика")
    page.click("#week-save")
    # A line without a teacher is stopped in the browser, on its line.
    page.wait(lambda d: "Выберите учителя" in page.text(f"#{wednesday}-error"), 5, "no teacher was not caught")
    _select(page, f"#{wednesday}-teacher", "Орлова Нина Петровна")
    page.click("#week-save")
    page.wait(lambda d: "5Б" in page.text(f"#{tuesday}-error"), 10, "the clash was not shown on its line")
    assert "5Б" in page.text("#week-error")
    assert page.d.find_element("css selector", f"#{tuesday}-teacher").get_attribute("aria-invalid") == "true"
    saved = expect(admin.get(f"/api/v1/classes/{class_a['id']}/timetable"), 200)
    assert saved["entries"] == [], "a timetable with a clash was saved"

    # Tuesday goes; the rest is saved and the lessons are made.
    page.click("#tt-chip-2")
    _select(page, f"#{tuesday}-subject", "—")
    page.click("#week-save")
    page.wait(lambda d: "Уроков создано" in page.text("#week-saved"), 10, "the week was not saved")
    entries = expect(admin.get(f"/api/v1/classes/{class_a['id']}/timetable"), 200)["entries"]
    assert sorted((e["weekday"], e["period"], e["subjectName"]) for e in entries) == [
        (1, 1, "Математика"), (1, 2, "Русский язык"), (3, 1, "Математика")]
    assert next(e for e in entries if e["weekday"] == 1 and e["period"] == 1)["room"] == "21"
    page.sign_out_everywhere()

    monday = _first_week_with_lessons(student, server.url)
    if monday is None:
        pytest.skip("no school week ahead in this academic year (the summer): the rest needs lessons")

    # The student (phone): «Расписание» in the navigation, the week, one day at a time.
    page.sign_in("+79031112233", "student-pass-1", f"#/school/{school}/chats")
    page.click("#nav-schedule")
    page.wait_route("#/schedule")
    page.open(f"/schedule?from={monday}")
    page.wait(lambda d: d.find_elements("css selector", ".day-chip"), 10, "no days")
    assert page.axe_violations() == []
    page.no_sideways_scroll()
    page.click(f"#chip-{monday}")
    lessons = page.text(f"section[data-date='{monday}']")
    assert "Математика" in lessons and "08:30" in lessons and "Русский язык" in lessons, lessons
    assert "Орлова" in lessons and "каб. 21" in lessons, lessons
    page.sign_out_everywhere()

    # The teacher (desktop): the whole week at once; she opens Monday's maths and writes its topic.
    teacher_view = make_driver(DESKTOP)
    try:
        t = Page(teacher_view, server.url)
        t.sign_in("orlova@school.test", "teacher-pass-1", f"#/school/{school}/chats")
        t.open(f"/schedule?from={monday}")
        t.el(f"section[data-date='{monday}'] .lesson")
        visible_days = t.d.execute_script("return [...document.querySelectorAll('.week-days .wday')].filter(d => d.offsetParent).length")
        assert visible_days >= 5, visible_days
        assert t.axe_violations() == []
        t.click(f"section[data-date='{monday}'] .lesson:first-child a")
        t.wait_route("#/lesson/")
        t.wait(lambda d: t.title_now() == "Математика, 5А", 10, "the lesson did not open")
        t.fill("#lesson-topic", "Сложение дробей")
        t.click("#lesson-save")
        t.wait(lambda d: "Сохранено" in t.text("#lesson-saved"), 10, "the topic was not saved")
        assert t.axe_violations() == []
    finally:
        teacher_view.quit()

    page.sign_in("+79031112233", "student-pass-1", f"#/school/{school}/chats")
    page.open(f"/schedule?from={monday}")
    page.click(f"#chip-{monday}")
    page.wait(lambda d: "Сложение дробей" in page.text(f"section[data-date='{monday}']"), 10, "the student does not see the topic")
