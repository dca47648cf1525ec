"""Issue 4, first part, in a real headless Chromium: the administrator posts in the school-wide
channel from the browser and a student reads it; a teacher's group chat appears in the
administrator's list, the teacher's message arrives live over the WebSocket, and the reply from
the browser is stored once.
"""

from __future__ import annotations

import time

import pytest

from parta_e2e import expect, join_by_link
from test_browser import Page, browser  # noqa: F401  (the browser fixture)

pytestmark = pytest.mark.browser


def _class_group(server, title: str, student_name: str = "Соколов Миша"):
    """A school with class 5Б, a student who joined by its link, and the administrator's group
    chat with them: (admin, student session, group)."""
    from parta_e2e import approve_and_activate, create_operator, submit_application
    operator = create_operator(server)
    admin = approve_and_activate(server, operator, submit_application(server))
    made = expect(admin.post(f"/api/v1/schools/{admin.school_id}/classes", json={"names": "5Б"}), 201)["items"][0]
    student_link = expect(admin.post(f"/api/v1/classes/{made['id']}/invites", json={"role": "student"}), 201)
    student = join_by_link(server, student_link["token"], student_name, "+79031112233")
    student_id = expect(student.get(f"{server.url}/api/v1/me"), 200)["id"]
    group = expect(admin.post(f"/api/v1/schools/{admin.school_id}/chats",
                              json={"kind": "group", "title": title, "memberIds": [student_id]}), 201)
    return admin, student, group


def test_channel_post_and_live_group_chat(server, browser):
    from parta_e2e import approve_and_activate, create_operator, submit_application
    operator = create_operator(server)
    admin = approve_and_activate(server, operator, submit_application(server))
    classes = expect(admin.get(f"/api/v1/schools/{admin.school_id}/classes"), 200)["items"]
    staff_room = next(c for c in classes if c["kind"] == "staff_room")
    made = expect(admin.post(f"/api/v1/schools/{admin.school_id}/classes", json={"names": "5Б"}), 201)["items"][0]
    teacher_link = expect(admin.post(f"/api/v1/classes/{staff_room['id']}/invites", json={"role": "teacher"}), 201)
    student_link = expect(admin.post(f"/api/v1/classes/{made['id']}/invites", json={"role": "student"}), 201)
    teacher = join_by_link(server, teacher_link["token"], "Орлова Нина", "orlova@school.test")
    teacher_id = expect(teacher.get(f"{server.url}/api/v1/me"), 200)["id"]
    expect(admin.post(f"/api/v1/schools/{admin.school_id}/members/{teacher_id}/verify-teacher"), 204)
    student = join_by_link(server, student_link["token"], "Соколов Миша", "+79031112233")
    admin_id = expect(admin.get("/api/v1/me"), 200)["id"]

    page = Page(browser, server.url)
    page.sign_in(admin.email, admin.password, f"#/school/{admin.school_id}")
    page.click("#school-manage-chats")
    page.wait_route(f"#/school/{admin.school_id}/chats")
    channel = next(c for c in expect(admin.get(f"/api/v1/schools/{admin.school_id}/chats"), 200)["items"]
                   if c.get("audience") == "school")
    page.click(f"#chat-link-{channel['id']}")
    page.wait_route(f"#/chat/{channel['id']}")
    page.el("#chat-empty")
    page.fill("#chat-text", "Завтра линейка в 9:00 <b>не жирным</b>")
    page.click("#chat-send")
    page.wait(lambda d: "линейка" in page.text("#chat-messages"), 5, "the post did not show")
    # Text is shown as text, never as markup.
    assert browser.execute_script("return document.querySelectorAll('#chat-messages b').length") == 0
    read = expect(student.get(f"{server.url}/api/v1/chats/{channel['id']}/messages"), 200)["items"]
    assert [m["text"] for m in read] == ["Завтра линейка в 9:00 <b>не жирным</b>"]

    # The teacher's group with the administrator: it is in the list, and a message arrives live.
    group = expect(teacher.post(f"{server.url}/api/v1/schools/{admin.school_id}/chats",
                                json={"kind": "group", "title": "Совещание", "memberIds": [admin_id]}), 201)
    page.open(f"/school/{admin.school_id}/chats")
    # The list is live: a message in the group shows as unread without reloading.
    page.el("#chats-list[data-live]")
    expect(teacher.post(f"{server.url}/api/v1/chats/{group['id']}/messages", json={"text": "Повестка в файле", "clientId": "agenda"}), 201)
    page.wait(lambda d: d.find_element("css selector", f'#chats-list li[data-chat-id="{group["id"]}"]').get_attribute("data-unread") == "1",
              5, "the unread count did not update live")
    page.click(f"#chat-link-{group['id']}")
    page.wait_route(f"#/chat/{group['id']}")
    page.el("#chat-messages[data-live]")   # the socket is connected and resumed
    expect(teacher.post(f"{server.url}/api/v1/chats/{group['id']}/messages", json={"text": "Коллеги, совещание в 15:00"}), 201)
    page.wait(lambda d: "совещание в 15:00" in page.text("#chat-messages"), 5, "the live message did not arrive")
    page.fill("#chat-text", "Буду")
    page.click("#chat-send")
    page.wait(lambda d: "Буду" in page.text("#chat-messages"), 5, "the reply did not show")
    history = expect(teacher.get(f"{server.url}/api/v1/chats/{group['id']}/messages"), 200)["items"]
    assert [(m["seq"], m["text"]) for m in history] == [(1, "Повестка в файле"), (2, "Коллеги, совещание в 15:00"), (3, "Буду")]
    assert len(browser.find_elements("css selector", "#chat-messages [data-seq]")) == 3, "each message shown once"
    page.no_sideways_scroll()
    assert page.severe_console_errors() == []


def test_conversation_reactions_pins_replies_read_marks_and_resume(server, browser):
    """In the conversation: a link is clickable but only http(s), a name with markup stays text, a
    reaction, a pin, a reply, "read by 1" arriving live, and after the socket is dropped by the
    server the page resumes and shows what was sent meanwhile, each message once. The page sends
    over its socket."""
    admin, student, group = _class_group(server, "5Б — объявления", 'Соколов <img src=x onerror="window.__xss=1"> Миша')
    admin_id = expect(admin.get("/api/v1/me"), 200)["id"]
    chat = f"{server.url}/api/v1/chats/{group['id']}"
    first = expect(student.post(f"{chat}/messages",
                                json={"text": "Смотрите https://example.org/page и javascript:alert(1)"}), 201)

    page = Page(browser, server.url)
    page.sign_in(admin.email, admin.password, f"#/school/{admin.school_id}")
    page.open(f"/chat/{group['id']}")
    page.el("#chat-messages[data-live]")
    row = f'#chat-messages li[data-message-id="{first["id"]}"]'
    link = page.el(f'{row} a[href="https://example.org/page"]')
    assert "noopener" in link.get_attribute("rel")
    assert browser.execute_script("return document.querySelectorAll('#chat-messages a[href^=javascript], #chat-messages img').length") == 0
    assert browser.execute_script("return window.__xss === undefined")
    assert "<img" in page.text(row), "the name is shown as text"

    # A reaction from the message's menu: the chip shows it, the server has it.
    page.click(f"{row} .msg-menu summary")
    page.click(f'{row} .msg-menu button[data-emoji="👍"]')
    page.wait(lambda d: "👍 1" in page.text(f"{row} .reactions"), 5, "the reaction did not show")
    assert page.el(f'{row} .chip[data-emoji="👍"]').get_attribute("aria-pressed") == "true"
    stored = expect(student.get(f"{chat}/messages"), 200)["items"][0]["reactions"]
    assert [(r["emoji"], r["count"]) for r in stored] == [("👍", 1)]

    # Pin: the pinned bar shows it.
    page.click(f"{row} .msg-menu summary")
    page.click(f"{row} .act-pin")
    page.wait(lambda d: "example.org" in page.text("#chat-pins"), 5, "the pin did not show")

    # Reply: stored with replyTo; then the student reads it and "read by 1" arrives live.
    page.click(f"{row} .msg-menu summary")
    page.click(f"{row} .act-reply")
    page.el("#chat-reply-to:not([hidden])")
    page.fill("#chat-text", "Спасибо, посмотрю")
    posts = server.log().lower().count(f"post /api/v1/chats/{group['id']}/messages".lower())
    assert posts > 0, "the request log names the POSTs (the first message above was one)"
    page.click("#chat-send")
    page.wait(lambda d: "Спасибо, посмотрю" in page.text("#chat-messages"), 5, "the reply did not show")
    # Sent over the live socket ({"type":"send"}), not by a POST.
    assert server.log().lower().count(f"post /api/v1/chats/{group['id']}/messages".lower()) == posts
    reply = expect(student.get(f"{chat}/messages"), 200)["items"][-1]
    assert reply["replyTo"] == first["id"] and reply["text"] == "Спасибо, посмотрю"
    expect(student.post(f"{chat}/read", json={"seq": reply["seq"]}), 200)
    mine = f'#chat-messages li[data-message-id="{reply["id"]}"]'
    page.wait(lambda d: page.el(mine).get_attribute("data-read-by") == "1", 5, "read-by did not update live")
    assert "✓✓" in page.text(f"{mine} .read-by")
    assert page.el(f"{mine} .read-by").get_attribute("aria-label") == "прочитано: 1"

    # The server drops the socket (the administrator's roles changed: sockets close with 4409);
    # what is sent before the page reconnects still shows, exactly once.
    expect(admin.put(f"/api/v1/schools/{admin.school_id}/members/{admin_id}/roles/deputy"), 200)
    page.wait(lambda d: d.execute_script("return !document.querySelector('#chat-messages').dataset.live"), 5, "the socket stayed")
    expect(student.post(f"{chat}/messages", json={"text": "Пока вас не было"}), 201)
    page.el("#chat-messages[data-live]")
    page.wait(lambda d: "Пока вас не было" in page.text("#chat-messages"), 5, "the missed message did not arrive")
    assert len(browser.find_elements("css selector", "#chat-messages [data-seq]")) == 3, "each message shown once"
    # Renamed elsewhere: the open page follows.
    expect(admin.patch(f"/api/v1/chats/{group['id']}", json={"title": "5Б — новости"}), 200)
    page.wait(lambda d: page.title() == "5Б — новости", 5, "the new title did not show")
    assert page.severe_console_errors() == []


def _png(width: int = 2, height: int = 2) -> bytes:
    import struct
    import zlib
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_attachments_upload_show_inline_and_download(server, browser, tmp_path):
    """Files from the browser: an image shows inline, a file with markup in its name is a download
    link whose name stays text; the other member gets both live and the server serves the text file
    as an attachment."""
    admin, student, group = _class_group(server, "5Б — файлы")
    picture = tmp_path / "photo.png"
    picture.write_bytes(_png())
    evil = tmp_path / '<img src=x onerror="window.__xss=1">.txt'
    evil.write_text("домашнее задание: §5", encoding="utf-8")

    page = Page(browser, server.url)
    page.sign_in(admin.email, admin.password, f"#/school/{admin.school_id}")
    page.open(f"/chat/{group['id']}")
    page.el("#chat-messages[data-live]")
    browser.find_element("css selector", "#chat-file").send_keys(f"{picture}\n{evil}")  # visually hidden behind its label
    page.wait(lambda d: len(d.find_elements("css selector", "#chat-pending li")) == 2, 10, "the uploads did not finish")
    assert browser.find_element("css selector", "#chat-upload-progress").get_attribute("hidden") is not None
    page.fill("#chat-text", "Материалы к уроку")
    page.click("#chat-send")
    page.wait(lambda d: d.execute_script(
        "const i = document.querySelector('#chat-messages .att-image img'); return i && i.complete && i.naturalWidth === 2"), 10,
        "the image did not show")
    link = page.el("#chat-messages .att-file")
    assert link.text.startswith("📎 <img src=x") and link.get_attribute("download").startswith("<img")
    assert browser.execute_script("return document.querySelectorAll('#chat-messages img').length") == 1
    assert browser.execute_script("return window.__xss === undefined")

    message = expect(student.get(f"{server.url}/api/v1/chats/{group['id']}/messages"), 200)["items"][-1]
    assert message["text"] == "Материалы к уроку"
    files = {a["fileName"]: a for a in message["attachments"]}
    assert files["photo.png"]["image"] is True and files["photo.png"]["contentType"] == "image/png"
    text_file = files['<img src=x onerror="window.__xss=1">.txt']
    got = student.get(f"{server.url}/api/v1/files/{text_file['id']}")
    assert got.status_code == 200 and got.content.decode() == "домашнее задание: §5"
    assert got.headers["Content-Type"] == "application/octet-stream"
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert page.severe_console_errors() == []


def test_poll_created_voted_live_and_closed(server, browser):
    """A poll from the browser: options with markup stay text, another member's vote arrives live,
    the author votes and closes it."""
    admin, student, group = _class_group(server, "5Б — опросы")
    page = Page(browser, server.url)
    page.sign_in(admin.email, admin.password, f"#/school/{admin.school_id}")
    page.open(f"/chat/{group['id']}")
    page.el("#chat-messages[data-live]")
    page.click("#chat-poll-open")
    page.fill("#chat-poll-q", "Куда поедем?")
    page.fill("#chat-poll-opt-1", "Музей")
    page.fill("#chat-poll-opt-2", '<img src=x onerror="window.__xss=1">')
    page.click("#chat-poll-more")
    page.fill("#chat-poll-opt-3", "Парк")
    page.click("#chat-poll-post")
    poll_box = page.el("#chat-messages .poll")
    assert "<img src=x" in poll_box.text
    assert browser.execute_script("return document.querySelectorAll('#chat-messages img').length === 0 && window.__xss === undefined")
    message = expect(student.get(f"{server.url}/api/v1/chats/{group['id']}/messages"), 200)["items"][-1]
    poll_id = message["poll"]["id"]
    expect(student.post(f"{server.url}/api/v1/polls/{poll_id}/vote", json={"options": [2]}), 200)
    page.wait(lambda d: "проголосовали: 1" in page.text("#chat-messages .poll"), 5, "the vote did not arrive live")
    page.click("#chat-messages .poll input[value='2']")
    page.click("#chat-messages .poll .poll-vote")
    page.wait(lambda d: "проголосовали: 2" in page.text("#chat-messages .poll"), 5, "own vote not shown")
    page.click("#chat-messages .poll .poll-close")
    page.wait(lambda d: "Опрос закрыт" in page.text("#chat-messages .poll"), 5, "not closed")
    result = expect(student.get(f"{server.url}/api/v1/chats/{group['id']}/messages"), 200)["items"][-1]["poll"]
    assert [o["votes"] for o in result["options"]] == [0, 0, 2] and result["closed"] is True

    # Full-text search from the chat list finds the poll's question, case ignored.
    page.open(f"/school/{admin.school_id}/chats")
    page.fill("#chats-msg-q", "КУДА поедем")
    page.click("#chats-msg-go")
    page.wait(lambda d: "Куда поедем?" in page.text("#chats-found"), 5, "search found nothing")
    assert "5Б — опросы" in page.text("#chats-found")
    assert page.severe_console_errors() == []


def test_a_long_history_opens_at_its_end_and_loads_back_on_scroll(server_factory, browser):
    """A chat with 130 messages opens on its newest 50 (the last one in view); scrolling up to the
    top brings earlier pages by themselves, each message once."""
    server = server_factory({"PARTA_MESSAGES_PER_MINUTE": "1000"})   # 130 messages from one person
    admin, student, group = _class_group(server, "5Б — длинная история")
    for i in range(1, 131):
        expect(student.post(f"{server.url}/api/v1/chats/{group['id']}/messages", json={"text": f"Сообщение {i}", "clientId": f"m{i}"}), 201)
    page = Page(browser, server.url)
    page.sign_in(admin.email, admin.password, f"#/school/{admin.school_id}")
    page.open(f"/chat/{group['id']}")
    page.el("#chat-messages[data-live]")
    assert len(browser.find_elements("css selector", "#chat-messages [data-seq]")) == 50
    page.wait(lambda d: d.execute_script(
        "const r = document.querySelector('#chat-messages li:last-child').getBoundingClientRect(); return r.bottom <= innerHeight + 1"),
        5, "the newest message is not in view")
    for _ in range(6):
        browser.execute_script("window.scrollTo(0, 0)")
        if len(browser.find_elements("css selector", "#chat-messages [data-seq]")) == 130:
            break
        time.sleep(0.5)
    seqs = [int(e.get_attribute("data-seq")) for e in browser.find_elements("css selector", "#chat-messages [data-seq]")]
    assert seqs == list(range(1, 131)), seqs[:5]
    assert page.severe_console_errors() == []
