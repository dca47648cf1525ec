"""Issue 14 items 3 and 4 in real headless Chromium: the timetable from a CSV file and the calendar feed.

The administrator picks a timetable file on `#/school/<id>/timetable`; the check lists its one bad row
(a teacher not in the school) in a table, and nothing is loaded. The fixed file checks clean and is
loaded: the class's week is the file's. Then the student (on a phone) opens «Расписание», asks for a
calendar link, copies it and the link is a calendar that `icalendar` reads, with the imported lessons.
axe finds nothing on either page at phone and desktop sizes; every new control is at least 44 px.
"""

from __future__ import annotations


import pytest
import requests
from icalendar import Calendar

from parta_e2e import expect, join_by_link
from test_browser import Page, browser, full_page_shot as _shot, make_driver  # noqa: F401  (the browser fixture)

pytestmark = pytest.mark.browser

DESKTOP = (1280, 800)


def _small_targets(page: Page, selector: str) -> list[str]:
    """Buttons, links and inputs under `selector` smaller than 44 × 44 px (WCAG 2.5.5)."""
    return page.d.execute_script("""
        return [...document.querySelectorAll(arguments[0] + ' button, ' + arguments[0] + ' a.btn, ' + arguments[0] + ' input')]
          .filter(e => e.offsetParent && e.type !== 'hidden')
          .map(e => [e.id || e.textContent.trim(), e.getBoundingClientRect()])
          .filter(([, r]) => r.height < 44 || r.width < 44)
          .map(([id, r]) => id + ' ' + Math.round(r.width) + '×' + Math.round(r.height));""", selector)


def test_a_keeper_imports_a_timetable_and_a_student_subscribes(server, browser, tmp_path):
    from test_browser_chat_admin import _school_with_teacher
    admin, school, class_a, student_link, teacher, teacher_id = _school_with_teacher(server, "5А")
    year = expect(admin.get(f"/api/v1/schools/{school}/school-year"), 200)
    for key in ("configured", "bellsConfigured"):
        year.pop(key)
    expect(admin.put(f"/api/v1/schools/{school}/school-year", json=year), 200)
    join_by_link(server, student_link["token"], "Соколов Миша", "+79031112233", "student-pass-1")

    bad = ("Класс;День;Урок;Предмет;Учитель;Группа;Кабинет\n"
           "5А;Пн;1;Математика;Орлова Нина Петровна;;21\n"
           "5А;Пн;2;Русский язык;Сидорова Анна;;14\n"
           "5А;Ср;2;Русский язык;Орлова Нина Петровна;;14\n")
    bad_file, good_file = tmp_path / "расписание.csv", tmp_path / "расписание-2.csv"
    bad_file.write_bytes(bad.encode("cp1251"))       # as Excel in Russian saves it
    good_file.write_bytes(bad.replace("Сидорова Анна", "Орлова Нина Петровна").encode("cp1251"))

    page = Page(browser, server.url)
    page.sign_in(admin.email, admin.password, f"#/school/{school}")
    page.open(f"/school/{school}/timetable")
    page.el("#tt-import-form")
    page.el("#tt-import-file").send_keys(str(bad_file))
    page.click("#tt-import-check")
    page.wait(lambda d: d.find_elements("css selector", "#tt-import-errors tr[data-line]"), 10, "the bad row was not listed")
    rows = page.d.find_elements("css selector", "#tt-import-errors tbody tr")
    assert [r.get_attribute("data-line") for r in rows] == ["3"], [r.text for r in rows]
    assert "Сидорова Анна" in rows[0].text and "Учитель" in rows[0].text
    assert not page.el("#tt-import-has-errors").text == ""
    assert not page.d.find_element("css selector", "#tt-import-run").is_displayed()
    assert expect(admin.get(f"/api/v1/classes/{class_a['id']}/timetable"), 200)["entries"] == []
    assert page.axe_violations() == []
    page.no_sideways_scroll()
    assert _small_targets(page, "#tt-import") == []
    _shot(page, "timetable-import-phone")

    # The fixed file: clean, then loaded.
    page.el("#tt-import-file").send_keys(str(good_file))
    page.click("#tt-import-check")
    page.wait(lambda d: d.find_elements("css selector", "#tt-import-ready"), 10, "the fixed file was not clean")
    page.click("#tt-import-run")
    page.wait(lambda d: "Уроков создано" in page.text("#tt-import-message"), 15, "the timetable was not loaded")
    entries = expect(admin.get(f"/api/v1/classes/{class_a['id']}/timetable"), 200)["entries"]
    assert sorted((e["weekday"], e["period"], e["subjectName"], e["teacherName"]) for e in entries) == [
        (1, 1, "Математика", "Орлова Нина Петровна"), (1, 2, "Русский язык", "Орлова Нина Петровна"),
        (3, 2, "Русский язык", "Орлова Нина Петровна")]
    # The template link downloads the school's timetables in the same format.
    href = page.el("#tt-import-template").get_attribute("href")
    exported = admin.get(href)
    assert exported.status_code == 200 and "5А;Пн;1;Математика;Орлова Нина Петровна;;21" in exported.text
    assert page.axe_violations() == []

    desktop = make_driver(DESKTOP)
    try:
        d = Page(desktop, server.url)
        d.sign_in(admin.email, admin.password, f"#/school/{school}")
        d.open(f"/school/{school}/timetable")
        d.el("#tt-import-form")
        assert d.axe_violations() == []
        _shot(d, "timetable-import-desktop")
    finally:
        desktop.quit()
    page.sign_out_everywhere()

    # The student, on a phone: «Расписание», then a calendar link to copy.
    page.sign_in("+79031112233", "student-pass-1", f"#/school/{school}/chats")
    page.open("/schedule")
    page.el("#calfeed")
    assert page.axe_violations() == []
    page.click("#calfeed-make")
    page.wait(lambda d: d.find_elements("css selector", "#calfeed-url"), 10, "no link was made")
    url = page.el("#calfeed-url").get_attribute("value")
    assert url.startswith(server.url + "/api/v1/ical/") and url.endswith(".ics"), url
    assert page.el("#calfeed-webcal").get_attribute("href") == "webcal" + url[len("http"):]
    page.click("#calfeed-copy")
    page.wait(lambda d: page.text("#calfeed-message") in ("Скопировано.", "Выделите ссылку и скопируйте её."), 5, "copying said nothing")
    assert page.axe_violations() == []
    page.no_sideways_scroll()
    assert _small_targets(page, "#calfeed") == []
    _shot(page, "calfeed-phone")

    reply = requests.get(url, timeout=30)
    assert reply.status_code == 200, reply.text[:300]
    cal = Calendar.from_ical(reply.content)
    subjects = {str(e["SUMMARY"]) for e in cal.walk("VEVENT")}
    ahead = expect(teacher.get(f"{server.url}/api/v1/me/schedule", params={"days": 42}), 200)
    if any(day["lessons"] for day in ahead["days"]):   # not in the summer
        assert subjects == {"Математика", "Русский язык"}, subjects

    # Back on the page later: the link is not shown again; a new one replaces it; it can be turned off.
    page.open("/account")
    page.open("/schedule")
    page.wait(lambda d: d.find_elements("css selector", "#calfeed-state"), 10, "the feed's state is not shown")
    assert not page.d.find_elements("css selector", "#calfeed-url")
    page.click("#calfeed-revoke")
    page.wait(lambda d: d.find_elements("css selector", "#calfeed-make"), 10, "the feed was not turned off")
    assert requests.get(url, timeout=30).status_code == 404

    desktop = make_driver(DESKTOP)
    try:
        d = Page(desktop, server.url)
        d.sign_in("+79031112233", "student-pass-1", f"#/school/{school}/chats")
        d.open("/schedule")
        d.click("#calfeed-make")
        d.wait(lambda _: d.d.find_elements("css selector", "#calfeed-url"), 10, "no link was made")
        assert d.axe_violations() == []
        _shot(d, "calfeed-desktop")
    finally:
        desktop.quit()
