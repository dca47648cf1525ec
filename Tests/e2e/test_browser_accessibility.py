"""Issue 13: every page of the web client passes axe-core's WCAG 2.x A and AA rules (zero
violations), on a phone and on a desktop, for each role that sees it: the public pages, the
operator's queue, the administrator's pages, a conversation with a poll, a file and a reply, the
member's pages."""

from __future__ import annotations

import pytest

from parta_e2e import OPERATOR_EMAIL, OPERATOR_PASSWORD, expect, join_by_link
from test_browser import Page, browser  # noqa: F401  (the browser fixture)
from test_browser_messenger import DESKTOP

pytestmark = pytest.mark.browser


def _check(page: Page, pages: list[tuple[str, str]], found: dict) -> None:
    for fragment, ready in pages:
        page.open(fragment)
        page.el(ready)
        page.wait(lambda d: not d.execute_script("return document.getElementById('loading').classList.contains('on')"), 5)
        problems = page.axe_violations()
        if problems:
            found[f"{page.d.get_window_size()['width']}px {fragment}"] = problems


@pytest.mark.parametrize("size", [(390, 844), DESKTOP], ids=["phone", "desktop"])
def test_every_page_passes_axe(server, browser, size):
    from parta_e2e import approve_and_activate, create_operator, submit_application
    operator = create_operator(server)
    admin = approve_and_activate(server, operator, submit_application(server))
    submit_application(server)   # one waiting in the operator's queue
    s = admin.school_id
    made = expect(admin.post(f"/api/v1/schools/{s}/classes", json={"names": "5Б"}), 201)["items"][0]
    link = expect(admin.post(f"/api/v1/classes/{made['id']}/invites", json={"role": "student", "needsApproval": True}), 201)
    open_link = expect(admin.post(f"/api/v1/classes/{made['id']}/invites", json={"role": "student"}), 201)
    student = join_by_link(server, open_link["token"], "Соколов Миша", "+79031112233", "student-pass-1")
    join_by_link(server, link["token"], "Белова Катя", "+79031112244")
    student_id = expect(student.get(f"{server.url}/api/v1/me"), 200)["id"]
    group = expect(admin.post(f"/api/v1/schools/{s}/chats", json={"kind": "group", "title": "5Б — объявления", "memberIds": [student_id]}), 201)
    chat = f"{server.url}/api/v1/chats/{group['id']}"
    first = expect(student.post(f"{chat}/messages", json={"text": "Смотрите https://example.org/page"}), 201)
    expect(admin.post(f"{chat}/messages", json={"text": "Спасибо!", "replyTo": first["id"]}), 201)
    expect(admin.post(f"{chat}/polls", json={"question": "Куда поедем?", "options": ["Музей", "Парк"]}), 201)
    expect(student.post(f"{server.url}/api/v1/messages/{first['id']}/reactions", json={"emoji": "👍", "add": True}), 200)
    # A profile photo (the avatar is an <img>) and an image with its preview.
    from test_browser_photos import jpeg
    expect(student.put(f"{server.url}/api/v1/me/photo", files={"file": ("me.jpg", jpeg(300, 300), "image/jpeg")}), 200)
    picture = expect(admin.post(f"{chat}/files", files={"file": ("plan.jpg", jpeg(1200, 800), "image/jpeg")}), 201)
    expect(admin.post(f"{chat}/messages", json={"text": "План экскурсии", "attachments": [picture["id"]]}), 201)

    browser.set_window_size(*size)
    page = Page(browser, server.url)
    found: dict = {}
    _check(page, [("/signin", "#signin-login"), ("/apply", "h1"), (f"/join/{open_link['token']}", "#join-invite")], found)

    page.sign_in(OPERATOR_EMAIL, OPERATOR_PASSWORD, "#/applications")
    _check(page, [("/applications", "h1")], found)
    page.sign_out_everywhere()

    page.sign_in(admin.email, admin.password, f"#/school/{s}")
    _check(page, [(f"/school/{s}", "#school-steps"), (f"/school/{s}/classes", "h1"), (f"/school/{s}/invites", "h1"),
                  (f"/school/{s}/members", "h1"), (f"/school/{s}/requests", "h1"), (f"/school/{s}/audit", "h1"),
                  (f"/school/{s}/import", "h1"), (f"/class/{made['id']}", "h1"), (f"/school/{s}/chats", "#chats-list[data-live]"),
                  (f"/chat/{group['id']}", "#chat-messages[data-live]"), (f"/chat/{group['id']}/settings", "h1"),
                  (f"/school/{s}/chats/new", "h1"), (f"/school/{s}/reports", "h1"), ("/account", "#sessions-list")], found)
    # The message menu open, and the report card on a message.
    page.open(f"/chat/{group['id']}")
    page.el("#chat-messages[data-live]")
    page.click(f'#chat-messages li[data-message-id="{first["id"]}"] .msg-menu summary')
    problems = page.axe_violations()
    if problems:
        found["menu open"] = problems
    page.sign_out_everywhere()

    page.sign_in("+79031112233", "student-pass-1", f"#/school/{s}/chats")
    _check(page, [(f"/school/{s}/chats", "#chats-list[data-live]"), (f"/chat/{group['id']}", "#chat-messages[data-live]"),
                  (f"/school/{s}", "h1"), ("/account", "#photo-image")], found)
    # The full image open over the conversation.
    page.open(f"/chat/{group['id']}")
    page.el("#chat-messages[data-live]")
    page.click("#chat-messages a.att-image")
    page.el("#image-viewer[open]")
    problems = page.axe_violations()
    if problems:
        found["image viewer"] = problems
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())
