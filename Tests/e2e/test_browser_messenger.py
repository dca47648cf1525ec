"""Issue 13 in real headless Chromium: the web client as a messenger.

A student joins by a link and is welcomed in their class's chats; the teacher writes, the student
replies mentioning the teacher from the picker and edits the reply in place (no `prompt()`); the
teacher's hidden tab shows the unread count in its title and a browser notification. The
administrator's dashboard shows the first steps and what waits, live. Both phone and desktop sizes.
"""

from __future__ import annotations

import pytest

from parta_e2e import OPERATOR_EMAIL, OPERATOR_PASSWORD, expect, extract_code, join_by_link
from test_browser import Page, browser, make_driver  # noqa: F401  (the browser fixture)

pytestmark = pytest.mark.browser

DESKTOP = (1280, 800)


def _school_with_teacher(server):
    """test_browser_chat_admin's school with 5Б and its confirmed teacher, who is also 5Б's homeroom
    teacher and has made the class's students chat: (admin, teacher session, teacher id, class,
    the group, the student invite link)."""
    from test_browser_chat_admin import _school_with_teacher as school_with_teacher
    admin, school, made, student_link, teacher, teacher_id = school_with_teacher(server, "5Б")
    expect(admin.put(f"/api/v1/classes/{made['id']}/homeroom", json={"teacherId": teacher_id}), 200)
    group = expect(teacher.post(f"{server.url}/api/v1/schools/{school}/chat-templates",
                                json={"template": "class_students", "classId": made["id"]}), (200, 201))
    return admin, teacher, teacher_id, made, group, student_link


def _spy_on_notifications(driver):
    """Records every Notification the page makes (the real one is still made)."""
    driver.execute_cdp_cmd("Browser.grantPermissions", {"permissions": ["notifications"]})
    driver.execute_script("""
        window.__notes = [];
        const Real = window.Notification;
        window.Notification = class extends Real { constructor(title, o) { super(title, o); window.__notes.push([title, o && o.body]); } };
        window.__prompts = 0;
        window.prompt = () => { window.__prompts++; return null; };
    """)


def test_join_welcome_mention_edit_in_place_and_the_teachers_unread_title(server, browser):
    admin, teacher, teacher_id, made, group, student_link = _school_with_teacher(server)
    school = admin.school_id

    # The teacher, on a desktop, lands on her chats (not on the school's card) and opens the class chat.
    teacher_view = make_driver(DESKTOP)
    try:
        t = Page(teacher_view, server.url)
        t.sign_in("orlova@school.test", "teacher-pass-1", f"#/school/{school}/chats")
        t.click(f"#chat-link-{group['id']}")
        t.el("#chat-messages[data-live]")
        t.fill("#chat-text", "Завтра контрольная по алгебре")
        t.click("#chat-send")
        t.wait(lambda d: "контрольная" in t.text("#chat-messages"), 5, "the teacher's post did not show")

        # The student joins by the link on a phone and is welcomed where they now are.
        s = Page(browser, server.url)
        browser.get(f"{server.url}/#/join/{student_link['token']}")
        s.fill("#join-fullName", "Соколов Миша")
        s.fill("#join-login", "+7 903 111-22-33")
        mark = server.sms.mark()
        s.click("#join-get-code")
        s.fill("#join-code", extract_code(server.sms.wait_for("+79031112233", since=mark).text))
        s.click("#join-submit")
        s.wait_route(f"#/school/{school}/chats")
        welcome = s.text("#chats-welcome")
        assert "Миша" in welcome and "5Б" in welcome, welcome
        assert s.el("#nav-chats[aria-current]"), "the bottom navigation marks «Чаты»"
        s.click(f"#chat-link-{group['id']}")
        s.el("#chat-messages[data-live]")
        # The teacher's name carries the mark of a confirmed teacher.
        assert "учитель" in s.text(f'#chat-messages li[data-author="{teacher_id.lower()}"] .mark-teacher')

        # The teacher leaves the chat open in a background tab: the page is hidden now.
        t.open("/account")
        t.el("#sessions-list")
        _spy_on_notifications(teacher_view)
        main_tab = teacher_view.current_window_handle
        teacher_view.switch_to.new_window("tab")
        teacher_view.get("about:blank")

        # The student replies, mentioning the teacher from the picker (keyboard only).
        _spy_on_notifications(browser)
        from selenium.webdriver.common.keys import Keys
        box = s.el("#chat-text")
        box.send_keys("@Орл")
        s.wait(lambda d: "Орлова Нина Петровна" in s.text("#chat-mentions"), 5, "the mention picker did not offer the teacher")
        assert s.el("#chat-text").get_attribute("aria-expanded") == "true"
        box.send_keys(Keys.ENTER)
        assert s.el("#chat-text").get_attribute("value") == "@Орлова Нина Петровна "
        box.send_keys("а во сколько начало?")
        box.send_keys(Keys.ENTER)
        s.wait(lambda d: "во сколько" in s.text("#chat-messages"), 5, "the reply did not show")
        reply = expect(teacher.get(f"{server.url}/api/v1/chats/{group['id']}/messages"), 200)["items"][-1]
        assert reply["text"] == "@Орлова Нина Петровна а во сколько начало?"
        assert [m.lower() for m in reply["mentions"]] == [teacher_id.lower()]

        # Editing in place: the text becomes a field; Enter saves; no prompt() anywhere.
        row = f'#chat-messages li[data-message-id="{reply["id"]}"]'
        s.click(f"{row} .msg-menu summary")
        s.click(f"{row} .act-edit")
        edit = s.el(f"{row} #chat-edit-text")
        edit.clear()
        edit.send_keys("@Орлова Нина Петровна а во сколько начало контрольной?")
        edit.send_keys(Keys.ENTER)
        s.wait(lambda d: "начало контрольной?" in s.text(row), 5, "the edit did not show")
        assert "изм." in s.text(row)
        assert browser.execute_script("return window.__prompts") == 0
        stored = expect(teacher.get(f"{server.url}/api/v1/chats/{group['id']}/messages"), 200)["items"][-1]
        assert stored["text"].endswith("начало контрольной?") and stored["editedAt"]

        # Back in the teacher's tab: a notification was shown while it was hidden, and the title
        # and the navigation count the unread chat.
        teacher_view.close()
        teacher_view.switch_to.window(main_tab)
        notes = teacher_view.execute_script("return window.__notes")
        assert ["Соколов Миша", "@Орлова Нина Петровна а во сколько начало?"] in notes, notes
        t.wait(lambda d: d.title.startswith("(1) "), 10, f"the tab title shows no unread count: {teacher_view.title}")
        assert t.text("#nav-chats-badge") == "1"
        assert teacher_view.execute_script("return document.querySelector('link[rel=icon]').href").startswith("data:image/svg+xml")
        # Reading the chat clears it.
        t.click("#nav-chats")
        t.click(f"#chat-link-{group['id']}")
        t.wait(lambda d: not d.title.startswith("("), 10, "the unread count stayed after reading")
        # Search knows Russian word forms: «контрольную» finds «контрольная» (on SQLite and on PostgreSQL).
        t.click("#nav-chats")
        t.fill("#chats-msg-q", "контрольную")
        t.click("#chats-msg-go")
        t.wait(lambda d: "Завтра контрольная по алгебре" in t.text("#chats-found"), 5, "the word form was not found")
        assert t.severe_console_errors() == [] and s.severe_console_errors() == []
    finally:
        teacher_view.quit()


def test_the_administrators_dashboard_shows_first_steps_and_what_waits_live(server, browser):
    from parta_e2e import approve_and_activate, create_operator, submit_application
    operator = create_operator(server)
    admin = approve_and_activate(server, operator, submit_application(server))
    school = admin.school_id
    browser.set_window_size(*DESKTOP)
    page = Page(browser, server.url)
    page.sign_in(admin.email, admin.password, f"#/school/{school}")
    page.el("#school-steps")
    assert page.el("#step-classes").get_attribute("data-done") == "false"
    assert "Сделано 0 из 4" in page.text("#school-steps")

    # Classes made and a teacher joining by the staff link: the tile and the badge come live.
    classes = expect(admin.get(f"/api/v1/schools/{school}/classes"), 200)["items"]
    staff_room = next(c for c in classes if c["kind"] == "staff_room")
    expect(admin.post(f"/api/v1/schools/{school}/classes", json={"names": "5А, 5Б"}), 201)
    teacher_link = expect(admin.post(f"/api/v1/classes/{staff_room['id']}/invites", json={"role": "teacher"}), 201)
    join_by_link(server, teacher_link["token"], "Орлова Нина Петровна", "orlova@school.test")
    page.wait(lambda d: "1" in page.text("#school-wait-members"), 10, "the teacher to confirm did not show live")
    assert page.text("#nav-school-badge") == "1"
    page.click("#school-wait-members")
    page.wait_route(f"#/school/{school}/members")
    page.open(f"/school/{school}")
    page.wait(lambda d: page.el("#step-classes").get_attribute("data-done") == "true", 5, "the classes step is not done")
    assert "Сделано 2 из 4" in page.text("#school-steps")
    page.no_sideways_scroll()

    # The join requests page takes a new request live.
    made = next(c for c in expect(admin.get(f"/api/v1/schools/{school}/classes"), 200)["items"] if c["name"] == "5Б")
    gated = expect(admin.post(f"/api/v1/classes/{made['id']}/invites", json={"role": "student", "needsApproval": True}), 201)
    page.open(f"/school/{school}/requests")
    page.el("#requests-empty")
    join_by_link(server, gated["token"], "Белова Катя", "+79031112244")
    page.wait(lambda d: "Белова Катя" in page.text("#requests-list"), 10, "the request did not show live")
    page.wait(lambda d: page.text("#nav-school-badge") == "2", 10, "the school's badge did not count the request")

    # The operator's queue badge follows new applications, live.
    page.sign_out_everywhere()
    page.sign_in(OPERATOR_EMAIL, OPERATOR_PASSWORD, "#/applications")
    page.el("#queue-list")
    before = len(browser.find_elements("css selector", "#queue-list li[data-app-id]"))
    submit_application(server)
    page.wait(lambda d: page.text("#nav-applications-badge") == "1", 10, "the operator's badge did not come live")
    page.wait(lambda d: len(d.find_elements("css selector", "#queue-list li[data-app-id]")) == before + 1, 10,
              "the queue did not show the new application live")
    assert page.severe_console_errors() == []


def test_a_parent_whose_child_is_not_found_asks_the_homeroom_teacher_who_picks_the_child(server, browser):
    """«Соколов Михаил» for a child listed as «Соколов Миша»: not a dead end. The parent asks the
    homeroom teacher from the join page; the teacher sees the request counted on the navigation,
    picks Миша from the class list and approves; the parent is linked to Миша."""
    admin, teacher, teacher_id, made, group, student_link = _school_with_teacher(server)
    misha = join_by_link(server, student_link["token"], "Соколов Миша", "+79031112233")
    misha_id = expect(misha.get(f"{server.url}/api/v1/me"), 200)["id"]
    parent_link = expect(admin.post(f"/api/v1/classes/{made['id']}/invites", json={"role": "parent"}), 201)

    page = Page(browser, server.url)
    browser.get(f"{server.url}/#/join/{parent_link['token']}")
    page.fill("#join-fullName", "Соколова Анна")
    page.fill("#join-login", "+7 903 555-00-11")
    page.fill("#join-childName", "Соколов Михаил")
    page.click("#join-get-code")
    assert "Соколов Михаил" in page.text("#join-ask")
    browser.get_log("browser")   # drop the expected 400 of that name
    mark = server.sms.mark()
    page.click("#join-ask-homeroom")
    page.fill("#join-code", extract_code(server.sms.wait_for("+79035550011", since=mark).text))
    page.click("#join-submit")
    assert "классный руководитель" in page.text("#join-pending").lower()
    page.sign_out_everywhere()

    page.sign_in("orlova@school.test", "teacher-pass-1", f"#/school/{admin.school_id}/chats")
    page.wait(lambda d: page.text("#nav-school-badge") == "1", 10, "the homeroom teacher's badge does not count the request")
    page.open(f"/school/{admin.school_id}/requests")
    request = expect(teacher.get(f"{server.url}/api/v1/schools/{admin.school_id}/join-requests?status=pending"), 200)["items"][0]
    assert request["childNameTyped"] == "Соколов Михаил"
    page.wait(lambda d: len(d.find_elements("css selector", f"#request-child-{request['id']} option")) == 2, 5, "the class list did not load")
    from selenium.webdriver.support.ui import Select
    Select(page.el(f"#request-child-{request['id']}")).select_by_visible_text("Соколов Миша")
    page.click(f"#request-approve-{request['id']}")
    page.el("#requests-message:not(:empty)")
    parent = expect(admin.get(f"/api/v1/schools/{admin.school_id}/members?role=parent"), 200)["items"]
    assert [c["userId"].lower() for c in parent[0]["children"]] == [misha_id.lower()]
    assert page.severe_console_errors() == []


def test_invite_qr_is_large_downloadable_and_a_class_sheet_prints(server, browser, tmp_path):
    """The QR of an invite link is large, downloads as a PNG that decodes to the link, and a class's
    links print as a sheet of cards (one per link, each QR readable) for a parents' meeting."""
    import base64
    import time
    from test_qr import decode
    from parta_e2e import approve_and_activate, create_operator, submit_application
    operator = create_operator(server)
    admin = approve_and_activate(server, operator, submit_application(server))
    school = admin.school_id
    made = expect(admin.post(f"/api/v1/schools/{school}/classes", json={"names": "5Б"}), 201)["items"][0]
    links = {role: expect(admin.post(f"/api/v1/classes/{made['id']}/invites", json={"role": role}), 201) for role in ("student", "parent")}
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    page = Page(browser, server.url)
    page.sign_in(admin.email, admin.password, f"#/school/{school}")
    page.open(f"/school/{school}/invites")
    student = links["student"]
    page.click(f"#invite-qr-btn-invite-url-{student['id']}")
    svg = page.el(f"#invite-qr-invite-url-{student['id']} svg")
    assert svg.size["width"] >= 280, svg.size
    page.click(f"#invite-qr-png-invite-url-{student['id']}")
    page.wait(lambda d: any(p.suffix == ".png" for p in tmp_path.iterdir()), 10, "no PNG was downloaded")
    time.sleep(0.5)   # the download finishes writing
    png = next(p for p in tmp_path.iterdir() if p.suffix == ".png").read_bytes()
    assert png.startswith(b"\x89PNG") and set(decode(png).values()) == {student["url"]}, decode(png)

    # The parents' meeting sheet: both links of 5Б, each card's QR readable.
    browser.execute_script("window.__printed = 0; window.print = () => { window.__printed++; };")
    page.click("#invites-sheet-print")
    page.wait(lambda d: d.execute_script("return window.__printed") == 1, 5, "the sheet was not printed")
    cards = browser.find_elements("css selector", "#print-sheet .print-card")
    assert len(cards) == 2
    # The sheet shows only in print: render it on screen to read it.
    browser.execute_script("document.getElementById('print-sheet').style.display = 'block'")
    for card in cards:
        invite = next(v for v in links.values() if v["id"] == card.get_attribute("data-invite-id"))
        browser.execute_script("arguments[0].scrollIntoView()", card)
        assert invite["url"] in card.text and "5Б" in card.text
        shot = card.find_element("css selector", "svg").screenshot_as_png
        assert set(decode(shot).values()) == {invite["url"]}, decode(shot)
    assert page.severe_console_errors() == []


def test_unread_badge_follows_messages_without_asking_the_server_each_time(server, browser):
    """A busy chat must not send every reader's tab back to the server on every message: the
    unread count comes from the socket's events (GET /me/badges is not asked again)."""
    admin, teacher, teacher_id, made, group, student_link = _school_with_teacher(server)
    page = Page(browser, server.url)
    page.sign_in(admin.email, admin.password, f"#/school/{admin.school_id}")
    page.open("/account")
    page.el("#sessions-list")
    page.wait(lambda d: "get /api/v1/me/badges" in server.log().lower(), 5, "the badges were never read")
    import time
    time_to_settle = 1.5   # a refresh would come within 1 s of an event (the client's debounce)
    admin_id = expect(admin.get("/api/v1/me"), 200)["id"]
    busy = expect(teacher.post(f"{server.url}/api/v1/schools/{admin.school_id}/chats",
                               json={"kind": "group", "title": "Совещание", "memberIds": [admin_id]}), 201)
    time.sleep(time_to_settle)   # a new chat may be read again (a membership change); messages may not
    before = server.log().lower().count("get /api/v1/me/badges")
    for i in range(5):
        expect(teacher.post(f"{server.url}/api/v1/chats/{busy['id']}/messages", json={"text": f"Объявление {i}", "clientId": f"s{i}"}), 201)
    page.wait(lambda d: page.text("#nav-chats-badge") == "1", 5, "the unread chat was not counted")
    time.sleep(time_to_settle)
    assert server.log().lower().count("get /api/v1/me/badges") == before, "each message sent the tab back to the server"
    assert browser.title.startswith("(1) ")
