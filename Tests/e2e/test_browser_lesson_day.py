"""Issue 14 item 5 (a lesson's materials and the teacher's «Мой день») in real headless Chromium.

The teacher (a phone) opens «Мой день» from her navigation and goes to a school day that has
passed: its maths lesson needs its topic and its attendance («Тема», «Посещаемость 0/2»). She opens
it, writes the topic, adds a link (typed without «https://») and uploads a file as materials, marks
everyone present — and back on «Мой день» the lesson shows done. A student of the class (a phone)
has no «Мой день» in the navigation; on the lesson page he follows the link (a new tab, with no
way back to the opener) and downloads the file. axe finds nothing on these pages at 390 and 1280
px, nothing scrolls sideways; screenshots go to $PARTA_E2E_SCREENSHOTS when it is set.
"""

from __future__ import annotations

import datetime

import pytest

from parta_e2e import expect, join_by_link
from test_browser import Page, browser, full_page_shot as _shot, make_driver  # noqa: F401  (the browser fixture)

pytestmark = pytest.mark.browser

DESKTOP = (1280, 800)


def _small_targets(page: Page, selector: str) -> list[str]:
    """Buttons, links and inputs under `selector` smaller than 44 × 44 px (WCAG 2.5.5)."""
    return page.d.execute_script("""
        return [...document.querySelectorAll(['button', 'a.btn', 'input', 'a.day-card', '.mat-list a'].map(s => arguments[0] + ' ' + s).join(', '))]
          .filter(e => e.offsetParent && e.type !== 'hidden' && !e.classList.contains('visually-hidden-file'))
          .map(e => [e.id || e.textContent.trim(), e.getBoundingClientRect()])
          .filter(([, r]) => r.height < 44 || r.width < 44)
          .map(([id, r]) => id + ' ' + Math.round(r.width) + '×' + Math.round(r.height));""", selector)


def _a_past_lesson(server):
    """A school with 5А, a teacher of maths every weekday, two students; the lessons of the last two
    weeks made. The latest maths lesson before today (it has begun: it needs its topic and attendance)."""
    from test_browser_chat_admin import _school_with_teacher
    admin, school, cls, student_link, teacher, teacher_id = _school_with_teacher(server, "5А")
    student = join_by_link(server, student_link["token"], "Соколов Миша", "+79031112233", "student-pass-1")
    join_by_link(server, student_link["token"], "Андреева Оля", "+79031112244", "student-pass-2")
    year = expect(admin.get(f"/api/v1/schools/{school}/school-year"), 200)
    body = {k: v for k, v in year.items() if k not in ("configured", "bellsConfigured")}
    expect(admin.put(f"/api/v1/schools/{school}/school-year", json=body), 200)
    subjects = {s["name"]: s["id"] for s in expect(admin.get(f"/api/v1/schools/{school}/subjects"), 200)["items"]}
    expect(admin.put(f"/api/v1/classes/{cls['id']}/timetable", json={"entries": [
        {"weekday": d, "period": 1, "subjectId": subjects["Математика"], "teacherId": teacher_id, "room": "21"} for d in range(1, 6)]}), 200)
    # Saving the timetable makes lessons from today on; the days before are made on purpose. Days
    # before today in UTC are before today in Moscow too, and their lessons have begun.
    today = datetime.date.today()
    begun = [t for t in year["terms"] if datetime.date.fromisoformat(t["startsOn"]) < today]
    if not begun:
        pytest.skip("no term of this school year has begun: no lesson has passed (the summer)")
    start = max(datetime.date.fromisoformat(begun[-1]["startsOn"]), today - datetime.timedelta(days=14))
    until = min(today, datetime.date.fromisoformat(begun[-1]["endsOn"]))
    expect(admin.post(f"/api/v1/schools/{school}/lessons/generate", json={"from": start.isoformat(), "to": until.isoformat()}), 200)
    lessons = [l for l in expect(admin.get(f"/api/v1/classes/{cls['id']}/lessons?from={start.isoformat()}&to={until.isoformat()}"), 200)["items"]
               if l["status"] == "scheduled" and l["date"] < today.isoformat()]
    if not lessons:
        pytest.skip("no lesson has passed in this term yet (holidays)")
    return school, teacher, student, lessons[-1]


def test_my_day_lesson_materials_and_the_student_follows_them(server, browser, tmp_path):
    school, teacher, student, lesson = _a_past_lesson(server)
    lid, day = lesson["id"], lesson["date"]

    # The teacher, on a phone: «Мой день» first among the journal items of her navigation.
    page = Page(browser, server.url)
    page.sign_in("orlova@school.test", "teacher-pass-1", f"#/school/{school}/chats")
    nav = browser.execute_script("return [...document.querySelectorAll('#app-nav a')].map(a => a.id)")
    assert nav.index("nav-day") == nav.index("nav-schedule") - 1, nav
    page.click("#nav-day")
    page.wait_route("#/day")
    page.wait(lambda d: page.title_now() == "Мой день", 10, "«Мой день» did not open")
    # Back, day by day, to the lesson's day (at most three weeks).
    prev = lambda: browser.execute_script("const a = document.querySelector('#day-prev'); return a && a.getAttribute('href')")  # noqa: E731
    for _ in range(21):
        if browser.execute_script("return location.hash") == f"#/day?date={day}":
            break
        before = prev()
        page.click("#day-prev")
        page.wait(lambda d: prev() not in (None, before), 10, "the previous day did not show")
    page.wait_route(f"#/day?date={day}")
    card = f"li.day-lesson[data-lesson-id='{lid}']"
    page.wait(lambda d: page.el(card).get_attribute("data-state") == "needs", 10, "the lesson does not ask for anything")
    chips = page.text(f"{card} .day-chips")
    assert "Тема" in chips and "Посещаемость 0/2" in chips and "ДЗ" in chips, chips
    assert page.axe_violations() == []
    page.no_sideways_scroll()
    assert _small_targets(page, "main") == []
    _shot(page, "day-needs-390")

    # The lesson: the topic, a link and a file as materials, everyone present.
    page.click(f"{card} a.day-card")
    page.wait_route(f"#/lesson/{lid}")
    page.el("#lesson-materials")
    assert page.text("#mat-none") == "Материалов к уроку пока нет."
    page.fill("#lesson-topic", "Сложение дробей")
    page.click("#lesson-save")
    page.wait(lambda d: "Сохранено" in page.text("#lesson-saved"), 10, "the topic was not saved")
    # A link is an http(s) address: «javascript:» is refused, shown at the input.
    page.fill("#mat-url", "javascript:alert(1)")
    page.click("#mat-add-link")
    page.wait(lambda d: page.text("#mat-url-error") != "", 10, "a javascript: link was not refused")
    assert page.el("#mat-url").get_attribute("aria-invalid") == "true"
    target = f"{server.url}/healthz"
    page.fill("#mat-url", target.removeprefix("http://"))
    page.fill("#mat-title", "Учебник, глава 3")
    page.click("#mat-add-link")
    page.wait(lambda d: "Учебник, глава 3" in page.text("#mat-list"), 10, "the link was not added")
    sheet = tmp_path / "Карточка с задачами.pdf"
    sheet.write_bytes(b"%PDF-1.4 the worksheet for the class")
    browser.find_element("css selector", "#mat-file").send_keys(str(sheet))
    page.wait(lambda d: "Карточка с задачами.pdf" in page.text("#mat-list"), 15, "the file was not added")
    saved = expect(teacher.get(f"{server.url}/api/v1/lessons/{lid}"), 200)
    assert [(m["kind"], m["title"]) for m in saved["materials"]] == [("link", "Учебник, глава 3"), ("file", "Карточка с задачами.pdf")]
    assert saved["materials"][0]["url"] == target.replace("http://", "https://", 1)
    # A link the student can follow in this sandbox: the server's own address, over http.
    items = [{"kind": "link", "url": target, "title": "Учебник, глава 3"}, {"kind": "file", "fileId": saved["materials"][1]["file"]["id"]}]
    expect(teacher.put(f"{server.url}/api/v1/lessons/{lid}/materials", json={"items": items}), 200)
    browser.refresh()
    page.wait(lambda d: page.el("#mat-list a.mat-link").get_attribute("href") == target, 10, "the lesson page shows another link")
    page.click("#marks-all-present")
    page.wait(lambda d: "Отмечены все" in page.text("#marks-status"), 10, "everyone was not marked present")
    assert page.axe_violations() == []
    page.no_sideways_scroll()
    assert _small_targets(page, "#lesson-materials") == []
    _shot(page, "lesson-materials-390")

    # Back on «Мой день»: done.
    page.open(f"/day?date={day}")
    page.wait(lambda d: page.el(card).get_attribute("data-state") == "done", 10, "the lesson is not done")
    assert "Посещаемость 2/2" in page.text(f"{card} .day-chips")
    assert "Тема" not in page.text(f"{card} .day-chips")
    assert "Сложение дробей" in page.text(card)
    assert page.el(f"{card} .day-state.done")
    assert page.axe_violations() == []
    _shot(page, "day-done-390")

    # The same pages on a desktop.
    desk = make_driver(DESKTOP)
    try:
        t = Page(desk, server.url)
        t.sign_in("orlova@school.test", "teacher-pass-1", f"#/school/{school}/chats")
        t.open(f"/day?date={day}")
        t.wait(lambda d: t.el(card).get_attribute("data-state") == "done", 10)
        assert t.axe_violations() == []
        t.no_sideways_scroll()
        _shot(t, "day-done-1280")
        t.open(f"/lesson/{lid}")
        t.el("#mat-list")
        assert t.axe_violations() == []
        _shot(t, "lesson-materials-1280")
    finally:
        desk.quit()
    page.sign_out_everywhere()

    # The student, on a phone: no «Мой день»; the lesson's materials, the link in a new tab.
    page.sign_in("+79031112233", "student-pass-1", f"#/school/{school}/chats")
    assert not browser.find_elements("css selector", "#nav-day")
    page.open(f"/lesson/{lid}")
    link = page.el("#mat-list a.mat-link")
    assert link.get_attribute("target") == "_blank" and set(link.get_attribute("rel").split()) == {"noopener", "noreferrer"}
    assert not browser.find_elements("css selector", "#mat-form, .mat-remove")
    assert page.axe_violations() == []
    page.no_sideways_scroll()
    _shot(page, "lesson-student-390")
    home = browser.current_window_handle
    page.click("#mat-list a.mat-link")
    page.wait(lambda d: len(d.window_handles) == 2, 10, "the link did not open a new tab")
    browser.switch_to.window(next(w for w in browser.window_handles if w != home))
    page.wait(lambda d: d.current_url == target, 10, "the new tab is not at the link")
    assert browser.execute_script("return window.opener") is None
    browser.close()
    browser.switch_to.window(home)
    # The file: a download of the teacher's bytes.
    file_link = page.el("#mat-list a.mat-file")
    assert file_link.get_attribute("download") == "Карточка с задачами.pdf"
    got = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then(async r => done([r.status, r.headers.get('content-disposition') || '', await r.text()]), e => done([0, String(e), '']));""",
        file_link.get_attribute("href"))
    assert got[0] == 200 and "attachment" in got[1] and got[2] == "%PDF-1.4 the worksheet for the class", got
    # The student has no «Мой день» of his own: the API answers an empty day.
    assert expect(student.get(f"{server.url}/api/v1/me/day?date={day}"), 200)["lessons"] == []
