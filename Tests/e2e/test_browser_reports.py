"""Issue 11 in Chromium: a child's report stays out of the accused's hands. The chat's owner sees a
report about a member without the reporter's name and never sees the report about her own message;
the administrator sees both with the name, sees who resolved what, and decides whether chat
moderators may see reporters."""

from __future__ import annotations

import pytest

from parta_e2e import expect, join_by_link
from test_browser import Page, browser  # noqa: F401  (the browser fixture)
from test_browser_chat_admin import _school_with_teacher

pytestmark = pytest.mark.browser


def test_the_report_queue_hides_the_reporter_from_moderators_and_the_accused(server, browser):
    admin, school, made, student_link, teacher, teacher_id = _school_with_teacher(server, "6А")
    reporter = join_by_link(server, student_link["token"], "Смелова Аня", "+79031112201", "student-pass-1")
    rude = join_by_link(server, student_link["token"], "Грубов Петя", "+79031112202", "student-pass-2")
    ids = [expect(s.get(f"{server.url}/api/v1/me"), 200)["id"] for s in (reporter, rude)]
    chat = expect(teacher.post(f"{server.url}/api/v1/schools/{school}/chats",
                               json={"kind": "group", "title": "6А — классный чат", "memberIds": ids}), 201)
    by_rude = expect(rude.post(f"{server.url}/api/v1/chats/{chat['id']}/messages", json={"text": "Аня — ябеда"}), 201)
    by_teacher = expect(teacher.post(f"{server.url}/api/v1/chats/{chat['id']}/messages", json={"text": "Тише, бездельники"}), 201)
    expect(reporter.post(f"{server.url}/api/v1/messages/{by_rude['id']}/report", json={"reason": "bullying"}), 201)
    expect(reporter.post(f"{server.url}/api/v1/messages/{by_teacher['id']}/report", json={"reason": "insult"}), 201)

    # The teacher: one report (about the member), with no name of who reported it.
    page = Page(browser, server.url)
    page.sign_in("orlova@school.test", "teacher-pass-1", f"#/school/{school}")
    page.open(f"/school/{school}/reports")
    page.el("#rp-list li[data-report-id]")
    queue = page.text("#rp-list")
    assert "Аня — ябеда" in queue and "Тише, бездельники" not in queue, queue
    assert "Смелова" not in queue and "Участник чата" in queue, queue
    assert browser.execute_script("return document.getElementById('rp-see-reporters')") is None
    page.click("#rp-list .rp-dismiss")
    page.el("#rp-list .rp-done")
    page.sign_out_everywhere()

    # The administrator: the report about the teacher, with the reporter; who resolved the other.
    page.sign_in(admin.email, admin.password, f"#/school/{school}")
    page.open(f"/school/{school}/reports")
    page.el("#rp-list li[data-report-id]")
    queue = page.text("#rp-list")
    assert "Тише, бездельники" in queue and "Смелова Аня" in queue, queue
    page.wait(lambda d: "Орлова Нина Петровна" in page.text("#rp-resolved-list"), 5, "the resolver is not shown")
    # The school lets chat moderators see reporters.
    page.click("#rp-see-reporters")
    page.wait(lambda d: expect(admin.get(f"/api/v1/schools/{school}"), 200)["moderatorsSeeReporters"] is True, 5,
              "the setting was not saved")
    assert page.severe_console_errors() == []
