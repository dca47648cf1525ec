"""Issue 11: resume never loses a message. The conversation page is open in Chromium while
messages stream in at about 55 a second; its socket is dropped again and again (the page reconnects
and resumes). Every message must be shown exactly once. (Before the fix, live events overtook the
replay and the page dropped the replayed ones: 56 of 1,668 were never shown.)"""

from __future__ import annotations

import threading
import time

import pytest
import requests

from parta_e2e import approve_and_activate, create_operator, expect, submit_application
from test_browser import Page, browser  # noqa: F401  (the browser fixture)

pytestmark = pytest.mark.browser

# Keeps every WebSocket the page opens in window.__sockets, so the test can drop one.
TRACK_SOCKETS = """
(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.WebSocket = class extends Native {
    constructor(...args) { super(...args); window.__sockets.push(this); }
  };
})();
"""

MESSAGES = 400
RATE = 55.0
DROPS = 8


def test_the_conversation_shows_every_message_once_across_repeated_reconnects(server_factory, browser):
    server = server_factory({"PARTA_MESSAGES_PER_MINUTE": "1000000"})
    operator = create_operator(server)
    admin = approve_and_activate(server, operator, submit_application(server))
    channel = next(c for c in expect(admin.get(f"/api/v1/schools/{admin.school_id}/chats"), 200)["items"]
                   if c.get("audience") == "school")

    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": TRACK_SOCKETS})
    page = Page(browser, server.url)
    page.sign_in(admin.email, admin.password, f"#/school/{admin.school_id}")
    page.open(f"/chat/{channel['id']}")
    page.el("#chat-messages[data-live]")

    posted: list[int] = []
    failures: list[str] = []

    def stream() -> None:
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {admin.token}"
        start = time.monotonic()
        for i in range(MESSAGES):
            delay = start + i / RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            r = s.post(f"{server.url}/api/v1/chats/{channel['id']}/messages", json={"text": f"поток {i}", "clientId": f"stream-{i}"},
                       timeout=10)
            if r.status_code != 201:
                failures.append(f"{i}: {r.status_code} {r.text[:200]}")
            else:
                posted.append(r.json()["seq"])

    sender = threading.Thread(target=stream)
    sender.start()
    # Drop the page's live socket every ~0.8 s while the stream runs; the page reconnects after 1 s.
    drops = 0
    while sender.is_alive() and drops < DROPS:
        time.sleep(0.8)
        dropped = browser.execute_script(
            "const s = window.__sockets.filter(x => x.readyState === 1).at(-1); if (s) { s.close(); return true; } return false;")
        drops += 1 if dropped else 0
    sender.join(60)
    assert not failures, failures[:5]
    assert drops >= 4, f"only {drops} reconnects happened during the stream"
    assert len(posted) == MESSAGES

    last = max(posted)
    page.wait(lambda d: d.execute_script(
        f"return !!document.querySelector('#chat-messages li[data-seq=\"{last}\"]')"), 20, "the last message did not show")
    page.el("#chat-messages[data-live]")
    shown = browser.execute_script("return [...document.querySelectorAll('#chat-messages li[data-seq]')].map(li => Number(li.dataset.seq))")
    texts = browser.execute_script("return [...document.querySelectorAll('#chat-messages li[data-seq]')].map(li => li.textContent)")
    assert len(shown) == len(set(shown)), "a message is shown twice"
    missing = sorted(set(posted) - set(shown))
    assert not missing, f"{len(missing)} of {MESSAGES} messages never shown (seq {missing[:10]}…) after {drops} reconnects"
    assert sum(1 for t in texts if "поток" in t) == MESSAGES
    assert shown == sorted(shown), "messages out of order"
    assert page.severe_console_errors() == []
