"""Issue 3 in a real headless Chromium: the join-request queue (§2.1), the audit log with its CSV,
a child's activation with the printed code and a parent giving a child a login (§2.6).

The administrator approves and rejects people who joined by a link that needs approval — several at
once and one by one; the rejected person sees the reason on their account page; the audit log shows
those decisions, filtered by group and date, and its CSV link downloads them; a child without a phone
enters the code from the homeroom teacher's card, picks a login and a password and is inside.
"""

from __future__ import annotations

import pytest
import requests

from parta_e2e import approve_and_activate, create_operator, expect, extract_code, sign_in_password, submit_application
from test_browser import Page, browser  # noqa: F401  (the browser fixture)

pytestmark = pytest.mark.browser

REASON = "Ученика с таким именем нет в списке класса"


def _school_with_class(server, name: str = "5А"):
    operator = create_operator(server)
    admin = approve_and_activate(server, operator, submit_application(server))
    made = expect(admin.post(f"/api/v1/schools/{admin.school_id}/classes", json={"names": name}), 201)["items"]
    return admin, made[0]["id"]


def _ask_to_join(server, token: str, name: str, phone: str) -> requests.Session:
    """Joins by the link through the API (name + phone → SMS code → join); the link needs approval."""
    person = requests.Session()
    mark = server.sms.mark()
    expect(person.post(f"{server.url}/api/v1/join/{token}/code", json={"fullName": name, "login": phone}), 202)
    code = extract_code(server.sms.wait_for(phone, since=mark).text)
    joined = expect(person.post(f"{server.url}/api/v1/join/{token}", json={"login": phone, "code": code}), 200)["joined"]
    assert joined["pending"] is True and joined["joined"] is False, joined
    return person


def _requests_by_name(admin, status: str = "all") -> dict[str, dict]:
    items = expect(admin.get(f"/api/v1/schools/{admin.school_id}/join-requests?status={status}"), 200)["items"]
    return {r["fullName"]: r for r in items}


def _with_requests(server, names_phones):
    admin, class_id = _school_with_class(server)
    link = expect(admin.post(f"/api/v1/classes/{class_id}/invites", json={"role": "student", "needsApproval": True}), 201)
    for name, phone in names_phones:
        _ask_to_join(server, link["token"], name, phone)
    return admin, class_id, _requests_by_name(admin, "pending")


def _statuses(browser) -> dict[str, str]:
    return browser.execute_script(
        "return Object.fromEntries([...document.querySelectorAll('#requests-list [data-status]')]"
        ".map(li => [li.id.replace('request-', ''), li.dataset.status]))")


def test_admin_approves_and_rejects_join_requests(server, browser):
    people = [("Петров Ваня", "+79031110001"), ("Сидорова Аня", "+79031110002"), ("Орлова Маша", "+79031110003")]
    admin, _, pending = _with_requests(server, people)
    ivan, anya, masha = (pending[n]["id"] for n, _ in people)

    page = Page(browser, server.url)
    page.sign_in(admin.email, admin.password, f"#/school/{admin.school_id}")
    page.open(f"/school/{admin.school_id}/requests")
    page.wait(lambda d: _statuses(d) == {ivan: "pending", anya: "pending", masha: "pending"}, 10, "three pending requests")
    assert "Сидорова Аня" in page.text(f"#request-{anya}") and "5А" in page.text(f"#request-{anya}")

    # «Select all», then leave only Ваня checked: approved in one go.
    page.click("#requests-select-all")
    checked = lambda: browser.execute_script(  # noqa: E731
        "return [...document.querySelectorAll('#requests-list input[type=checkbox]:checked')].map(b => b.value).sort()")
    assert checked() == sorted([ivan, anya, masha])
    page.click(f"#request-check-{anya}")
    page.click(f"#request-check-{masha}")
    assert checked() == [ivan]
    assert browser.execute_script("return document.getElementById('requests-select-all').indeterminate") is True
    page.click("#requests-approve")
    page.wait(lambda d: "Одобрено заявок: 1" in page.text("#requests-message"), 10, "no approval message")
    page.wait(lambda d: set(_statuses(d)) == {anya, masha}, 5, "the approved request is still in the pending list")

    # A rejection needs a reason: without one, nothing is sent and the field says so.
    page.click(f"#request-check-{anya}")
    page.click("#requests-reject")
    assert page.text("#requests-reason-error")
    assert _requests_by_name(admin)["Сидорова Аня"]["status"] == "pending"
    page.fill("#requests-reason", REASON)
    page.click("#requests-reject")
    page.wait(lambda d: "Отклонено заявок: 1" in page.text("#requests-message"), 10, "no rejection message")
    page.wait(lambda d: set(_statuses(d)) == {masha}, 5, "the rejected request is still in the pending list")

    # One by one: the row's own buttons.
    page.click(f"#request-approve-{masha}")
    page.el("#requests-empty")
    assert "Одобрено заявок: 1" in page.text("#requests-message")

    # The «all» filter is in the address and shows every decision.
    from selenium.webdriver.support.ui import Select
    Select(page.el("#requests-status")).select_by_value("all")
    page.wait_route(f"#/school/{admin.school_id}/requests?status=all")
    page.wait(lambda d: _statuses(d) == {ivan: "approved", anya: "rejected", masha: "approved"}, 10, "statuses under «all»")
    assert REASON in page.text(f"#request-{anya}")
    assert not browser.find_elements("css selector", "#requests-list input[type=checkbox]")

    # The approved are members of the class now; the rejected is not.
    students = expect(admin.get(f"/api/v1/schools/{admin.school_id}/members?role=student"), 200)["items"]
    assert sorted(s["fullName"] for s in students) == ["Орлова Маша", "Петров Ваня"]
    page.no_sideways_scroll()
    assert page.severe_console_errors() == []

    # The rejected person signs in (by an SMS code) and sees the reason on their account page.
    page.sign_out_everywhere()
    page.open("/signin")
    page.click("#signin-mode-code")
    page.fill("#signin-login", "+7 903 111-00-02")
    mark = server.sms.mark()
    page.click("#signin-get-code")
    page.el("#signin-code")
    page.fill("#signin-code", extract_code(server.sms.wait_for("+79031110002", since=mark).text))
    page.click("#signin-submit")
    page.el("#home-no-school")
    page.open("/account")
    mine = page.el(f"#my-request-{anya}")
    assert mine.get_attribute("data-status") == "rejected"
    assert REASON in page.text(f"#my-request-{anya}") and "5А" in page.text(f"#my-request-{anya}")
    page.no_sideways_scroll()


def test_audit_log_shows_decisions_and_downloads_them_as_csv(server, browser):
    admin, _, pending = _with_requests(server, [("Петров Ваня", "+79031110011"), ("Сидорова Аня", "+79031110012")])
    expect(admin.post("/api/v1/join-requests/decide", json={"ids": [pending["Петров Ваня"]["id"]], "approve": True}), 200)
    expect(admin.post("/api/v1/join-requests/decide",
                      json={"ids": [pending["Сидорова Аня"]["id"]], "approve": False, "reason": REASON}), 200)
    entries = expect(admin.get(f"/api/v1/schools/{admin.school_id}/audit"), 200)["items"]
    day = entries[0]["at"][:10]  # the server's day (UTC), as the date filter reads it

    page = Page(browser, server.url)
    page.sign_in(admin.email, admin.password, f"#/school/{admin.school_id}")
    page.open(f"/school/{admin.school_id}/audit")
    page.el("#audit-table")
    texts = lambda: browser.execute_script(  # noqa: E731
        "return [...document.querySelectorAll('#audit-table tr.audit-row')].map(r => r.textContent)")
    rows = texts()
    assert len(rows) == len(entries) >= 3, rows
    assert any("Одобрение заявки" in r and "Петров Ваня" in r for r in rows), rows
    assert any("Отклонение заявки" in r and "Сидорова Аня" in r and REASON in r for r in rows), rows
    assert any("Создание ссылки" in r for r in rows), rows
    assert browser.execute_script("return [...document.querySelectorAll('#audit-table thead th')].every(th => th.scope === 'col')")
    assert page.text("#audit-table caption")

    # The group filter goes into the address at once.
    from selenium.webdriver.support.ui import Select
    Select(page.el("#audit-action")).select_by_value("join_request")
    page.wait_route(f"#/school/{admin.school_id}/audit?action=join_request")
    page.wait(lambda d: len(texts()) == 2, 10, "the filter did not apply")
    assert "2" in page.text("#audit-total")

    # Dates apply with «Показать»: the day of the decisions keeps them, the next day has none.
    set_dates = "document.getElementById('audit-from').value = arguments[0]; document.getElementById('audit-to').value = arguments[1];"
    browser.execute_script(set_dates, day, day)
    page.click("#audit-apply")
    page.wait_route(f"#/school/{admin.school_id}/audit?action=join_request&from={day}&to={day}")
    # The re-rendered page: its CSV link carries the dates (the old one still shows the old rows).
    page.wait(lambda d: f"from={day}" in (page.el("#audit-csv").get_attribute("href") or ""), 10, "the dates did not apply")
    assert len(texts()) == 2, texts()
    assert page.el("#audit-from").get_attribute("value") == day

    # The CSV link carries the same filters; the session cookie downloads it.
    href = page.el("#audit-csv").get_attribute("href")
    assert href.startswith(f"{server.url}/api/v1/schools/{admin.school_id}/audit.csv?")
    assert "action=join_request" in href and f"from={day}" in href and f"to={day}" in href
    assert page.el("#audit-csv").get_attribute("download") is not None
    cookies = {c["name"]: c["value"] for c in browser.get_cookies()}
    csv = requests.get(href, cookies=cookies, timeout=30)
    assert csv.status_code == 200 and "csv" in csv.headers.get("Content-Type", ""), csv.headers
    text = csv.content.decode("utf-8-sig")
    assert "join_request.approve" in text and "join_request.reject" in text, text
    assert "Петров Ваня" in text and "Сидорова Аня" in text and REASON in text
    assert "invite.create" not in text, "the CSV ignores the filter"
    assert requests.get(href, timeout=30).status_code == 401, "the CSV needs a session"

    import datetime
    next_day = (datetime.date.fromisoformat(day) + datetime.timedelta(days=1)).isoformat()
    browser.execute_script(set_dates, next_day, next_day)
    page.click("#audit-apply")
    page.wait_route(f"#/school/{admin.school_id}/audit?action=join_request&from={next_day}")
    page.el("#audit-empty")
    page.no_sideways_scroll()
    assert page.severe_console_errors() == []


def test_child_activates_with_the_printed_code(server, browser):
    admin, class_id = _school_with_class(server)
    child = expect(admin.post(f"/api/v1/classes/{class_id}/students", json={"fullName": "Соколов Коля"}), 201)
    cards = expect(admin.post(f"/api/v1/classes/{class_id}/activation-codes"), 200)["items"]
    code = next(c["code"] for c in cards if c["userId"] == child["userId"])

    page = Page(browser, server.url)
    page.open("/child")
    page.el("#child-form")
    page.no_sideways_scroll()
    # Checked on the page first: a short code and a mismatched repeat are explained next to the fields.
    page.fill("#child-code", "ABC")
    page.fill("#child-login", "kolya.sokolov")
    page.fill("#child-password", "kolya-pass-1")
    page.fill("#child-password2", "kolya-pass-2")
    page.click("#child-submit")
    assert page.text("#child-code-error") and page.text("#child-password2-error")
    # A code that is not on any card: the server's answer shows next to the code.
    page.fill("#child-code", "ZZZZZ-ZZZZZ")
    page.fill("#child-password2", "kolya-pass-1")
    page.click("#child-submit")
    page.wait(lambda d: page.text("#child-code-error") != "", 10, "a wrong code is not explained")
    assert browser.execute_script("return location.hash") == "#/child"
    browser.get_log("browser")  # drop the expected "400" of that check

    # The real code, typed in small letters with the Russian layout where letters look alike: inside.
    page.fill("#child-code", code.lower().translate(str.maketrans("abekmhpctyx", "авекмнрстух")))
    page.click("#child-submit")
    page.wait_route(f"#/school/{admin.school_id}")
    # The header calls the child by the given name.
    page.wait(lambda d: page.text("#header-user") == "Коля", 10, "the header does not show the child")
    assert page.severe_console_errors() == []

    # The login and the password work from now on; the code does not work twice.
    me = expect(sign_in_password(server, "kolya.sokolov", "kolya-pass-1").get("/api/v1/me"), 200)
    assert me["id"] == child["userId"]
    again = requests.post(f"{server.url}/api/v1/child-activation",
                          json={"code": code, "login": "kolya.other", "password": "kolya-pass-1"}, timeout=30)
    assert again.status_code == 400 and again.json()["error"]["fields"].get("code"), again.text


def test_parent_gives_a_child_a_login_on_the_account_page(server, browser):
    admin, class_id = _school_with_class(server)
    child = expect(admin.post(f"/api/v1/classes/{class_id}/students", json={"fullName": "Соколов Коля"}), 201)
    link = expect(admin.post(f"/api/v1/classes/{class_id}/invites", json={"role": "parent"}), 201)
    parent = requests.Session()
    mark = server.sms.mark()
    expect(parent.post(f"{server.url}/api/v1/join/{link['token']}/code",
                       json={"fullName": "Соколова Ирина", "login": "+79031110021", "childName": "Соколов Коля"}), 202)
    code = extract_code(server.sms.wait_for("+79031110021", since=mark).text)
    expect(parent.post(f"{server.url}/api/v1/join/{link['token']}",
                       json={"login": "+79031110021", "code": code, "childName": "Соколов Коля"}), 200)

    page = Page(browser, server.url)
    page.open("/signin")  # the cookie belongs to this origin: open it first, then hand over the session
    page.el("#signin-form")
    browser.add_cookie({"name": "parta_session", "value": parent.cookies["parta_session"], "path": "/"})
    browser.get("about:blank")  # the app keeps who is signed in in memory: load it afresh
    page.open("/account")
    kid = child["userId"]
    page.el(f"#children-list #child-{kid}")
    assert "Соколов Коля" in page.text(f"#child-{kid}") and "5А" in page.text(f"#child-{kid}")
    page.fill(f"#child-login-{kid}", "9kolya")  # must start with a letter
    page.fill(f"#child-password-{kid}", "kolya-pass-1")
    page.click(f"#child-save-{kid}")
    assert page.text(f"#child-login-{kid}-error")
    page.fill(f"#child-login-{kid}", "kolya.sokolov")
    page.click(f"#child-save-{kid}")
    page.wait(lambda d: "kolya.sokolov" in page.text(f"#child-saved-{kid}"), 10, "no confirmation")
    assert page.severe_console_errors() == []
    me = expect(sign_in_password(server, "kolya.sokolov", "kolya-pass-1").get("/api/v1/me"), 200)
    assert me["id"] == kid
    # The parent has no join requests: that section is not shown.
    assert not browser.find_elements("css selector", "#my-requests")
    page.no_sideways_scroll()
