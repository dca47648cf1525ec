"""Issue 4 in a real headless Chromium: a homeroom teacher makes the class's chat from a template
in one action; a student reports a message from the conversation; the teacher handles the report
in the queue (mutes the author) and lifts the mute in the chat's settings; a student starts a
direct chat with a teacher found by name (safe mode: staff only).
"""

from __future__ import annotations

import pytest

from parta_e2e import expect, join_by_link
from test_browser import Page, browser  # noqa: F401  (the browser fixture)

pytestmark = pytest.mark.browser


def _school_with_teacher(server, class_name: str):
    """A school with one class and a confirmed teacher («Орлова Нина Петровна», who can sign in
    with orlova@school.test / teacher-pass-1): (admin, school id, the class, its student link,
    the teacher's session, the teacher's id)."""
    from parta_e2e import approve_and_activate, create_operator, submit_application
    operator = create_operator(server)
    admin = approve_and_activate(server, operator, submit_application(server))
    school = admin.school_id
    classes = expect(admin.get(f"/api/v1/schools/{school}/classes"), 200)["items"]
    staff_room = next(c for c in classes if c["kind"] == "staff_room")
    made = expect(admin.post(f"/api/v1/schools/{school}/classes", json={"names": class_name}), 201)["items"][0]
    teacher_link = expect(admin.post(f"/api/v1/classes/{staff_room['id']}/invites", json={"role": "teacher"}), 201)
    student_link = expect(admin.post(f"/api/v1/classes/{made['id']}/invites", json={"role": "student"}), 201)
    teacher = join_by_link(server, teacher_link["token"], "Орлова Нина Петровна", "orlova@school.test", "teacher-pass-1")
    teacher_id = expect(teacher.get(f"{server.url}/api/v1/me"), 200)["id"]
    expect(admin.post(f"/api/v1/schools/{school}/members/{teacher_id}/verify-teacher"), 204)
    return admin, school, made, student_link, teacher, teacher_id


def test_template_chat_report_queue_mute_and_direct_chat(server, browser):
    admin, school, made, student_link, teacher, teacher_id = _school_with_teacher(server, "5Б")
    expect(admin.put(f"/api/v1/classes/{made['id']}/homeroom", json={"teacherId": teacher_id}), 200)
    reporter = join_by_link(server, student_link["token"], "Соколов Миша", "+79031112233", "student-pass-1")
    bully = join_by_link(server, student_link["token"], "Грубов Петя", "+79031112244", "student-pass-2")
    bully_id = expect(bully.get(f"{server.url}/api/v1/me"), 200)["id"]

    # The homeroom teacher: «5Б — ученики» in one action, filled from the class.
    page = Page(browser, server.url)
    page.sign_in("orlova@school.test", "teacher-pass-1", f"#/school/{school}")
    page.open(f"/school/{school}/chats")
    page.click("#chats-new")
    page.wait_route(f"#/school/{school}/chats/new")
    page.click(f'#cn-templates li[data-template="class_students"][data-class-id="{made["id"]}"] button')
    page.wait(lambda d: d.current_url.split("#")[1].startswith("/chat/"), 10, "the chat did not open")
    chat_id = browser.current_url.split("#/chat/")[1]
    page.wait(lambda d: page.title() == "5Б — ученики", 5, "wrong title")
    chat = expect(teacher.get(f"{server.url}/api/v1/chats/{chat_id}"), 200)
    assert chat["memberCount"] == 3 and chat["rosterBound"] is True
    bad = expect(bully.post(f"{server.url}/api/v1/chats/{chat_id}/messages", json={"text": "Миша — дурак"}), 201)
    page.sign_out_everywhere()

    # A student reports the message from the conversation.
    page.sign_in("+79031112233", "student-pass-1", f"#/school/{school}")
    page.open(f"/chat/{chat_id}")
    page.el("#chat-messages[data-live]")
    row = f'#chat-messages li[data-message-id="{bad["id"]}"]'
    page.click(f"{row} .msg-menu summary")
    page.click(f"{row} .act-report")
    page.el(f"{row} #chat-report-reason")   # the report dialog opens on the message itself
    browser.execute_script("document.getElementById('chat-report-reason').value = 'bullying'")
    page.click("#chat-report-go")
    page.el("#chat-reported")
    expect(bully.patch(f"{server.url}/api/v1/messages/{bad['id']}", json={"text": "ничего не было"}), 200)

    # A direct chat with a teacher found by name (a student finds staff only).
    page.open(f"/school/{school}/chats/new")
    page.fill("#cn-people-q", "орлова")
    page.wait(lambda d: "Орлова Нина Петровна" in page.text("#cn-people-results"), 5, "the teacher was not found")
    page.fill("#cn-people-q", "грубов")
    page.wait(lambda d: "Никого не найдено" in page.text("#cn-people-results"), 5, "a student must not find other children")
    page.fill("#cn-people-q", "орлова")
    page.wait(lambda d: "Орлова Нина Петровна" in page.text("#cn-people-results"), 5, "the teacher was not found")
    page.click(f'#cn-people-results li[data-user-id="{teacher_id}"] .pick')
    page.click("#cn-create")
    page.wait(lambda d: page.title() == "Орлова Нина Петровна", 10, "the direct chat did not open")
    # Presence: the teacher is offline, then her app connects and the student sees her online.
    page.wait(lambda d: page.text("#chat-presence") == "не в сети", 5, "presence not shown")
    page.el("#chat-messages[data-live]")
    import websocket
    teacher_socket = websocket.create_connection(server.url.replace("http", "ws") + "/api/v1/ws",
                                                 header=[f"Authorization: Bearer {teacher.headers['Authorization'].split()[-1]}"]
                                                 if "Authorization" in teacher.headers else [],
                                                 cookie="; ".join(f"{c.name}={c.value}" for c in teacher.cookies), origin=server.url)
    page.wait(lambda d: page.text("#chat-presence") == "в сети", 5, "the teacher did not show online")
    teacher_socket.close()
    page.wait(lambda d: page.text("#chat-presence") == "не в сети", 5, "the teacher did not show offline")
    page.sign_out_everywhere()

    # The teacher handles the report: the original words are shown; the author is muted.
    page.sign_in("orlova@school.test", "teacher-pass-1", f"#/school/{school}")
    page.open(f"/school/{school}/chats")
    page.click("#chats-reports")
    page.wait_route(f"#/school/{school}/reports")
    assert "Миша — дурак" in page.text("#rp-list .rp-original")
    page.click("#rp-list .rp-mute")
    page.el("#rp-list .rp-done")
    refused = bully.post(f"{server.url}/api/v1/chats/{chat_id}/messages", json={"text": "ещё"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "muted"

    # Settings: lift the mute.
    page.open(f"/chat/{chat_id}")
    page.click("#chat-settings")
    page.wait_route(f"#/chat/{chat_id}/settings")
    page.click(f'#cs-members li[data-user-id="{bully_id}"] .cs-unmute')
    page.wait(lambda d: bully.post(f"{server.url}/api/v1/chats/{chat_id}/messages",
                                   json={"text": "Извините", "clientId": "sorry-1"}).status_code == 201, 5, "still muted")
    assert page.severe_console_errors() == []


def test_teacher_shares_a_chat_link_and_a_student_joins_by_it(server, browser):
    admin, school, made, student_link, teacher, teacher_id = _school_with_teacher(server, "7А")
    join_by_link(server, student_link["token"], "Соколов Миша", "+79031112233", "student-pass-1")
    club = expect(teacher.post(f"{server.url}/api/v1/schools/{school}/chats",
                               json={"kind": "group", "title": "Кружок робототехники", "memberIds": []}), 201)

    page = Page(browser, server.url)
    page.sign_in("orlova@school.test", "teacher-pass-1", f"#/school/{school}")
    page.open(f"/chat/{club['id']}/settings")
    page.fill("#ci-max", "30")
    page.click("#ci-make")
    url = page.el("#ci-list .ci-url").get_attribute("value")
    assert "#/chat-join/" in url and "вступило: 0 / 30" in page.text("#ci-list")
    page.sign_out_everywhere()

    # The student follows the link: signs in, comes back to it, joins, lands in the chat.
    browser.get(url)
    page.wait_route("#/signin")
    page.fill("#signin-login", "+79031112233")
    page.fill("#signin-password", "student-pass-1")
    page.click("#signin-submit")
    page.wait(lambda d: page.text("#cj-chat") == "Кружок робототехники", 10, "the link's chat was not shown")
    page.click("#cj-join")
    page.wait_route(f"#/chat/{club['id']}")
    page.el("#chat-messages[data-live]")
    members = expect(teacher.get(f"{server.url}/api/v1/chats/{club['id']}/members"), 200)["items"]
    assert sorted(m["fullName"] for m in members) == ["Орлова Нина Петровна", "Соколов Миша"]

    # Removed by the teacher, the student cannot come back by the same link: the page says why.
    student_id = next(m["userId"] for m in members if m["fullName"] == "Соколов Миша")
    assert teacher.delete(f"{server.url}/api/v1/chats/{club['id']}/members/{student_id}").status_code == 204
    browser.get(url)
    page.wait(lambda d: "Вас удалили из этого чата" in page.text("#cj-removed"), 10, "the removal was not shown")
    assert not browser.find_elements("css selector", "#cj-join")
    assert page.severe_console_errors() == []
