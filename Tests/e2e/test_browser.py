"""The web client in a real headless Chromium (Selenium + chromedriver), against a real server.

The main path of issue 2, as people do it: the operator opens the setup link and creates their
account; a school applies through the public form (with the order file and its upload progress);
the operator approves it in the queue; the administrator opens the activation link from the SMS,
gets the code, sets a password; signs in again with the password and edits the school's profile.
Also: sign-in by one-time code, a wrong password shown as an error, the English switch, and a
phone-sized screen without sideways scrolling.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import requests

from parta_e2e import (
    VALID_INN, expect, extract_activation_link, extract_code, make_pdf, normalize_phone, sign_in_password,
    unique_email,
)

pytestmark = pytest.mark.browser

PHONE_SIZE = (390, 844)


def _find_binary(env: str, *names: str) -> str:
    explicit = os.environ.get(env)
    if explicit:
        return explicit
    for name in names:
        path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
        if path:
            return path
    pytest.fail(f"{names[0]} not found: install it (scripts/test does) or set {env}", pytrace=False)


def full_page_shot(page: "Page", name: str) -> None:
    """A full-height screenshot into $PARTA_E2E_SCREENSHOTS, when set, for a person to look at."""
    shots = os.environ.get("PARTA_E2E_SCREENSHOTS")
    if not shots:
        return
    Path(shots).mkdir(parents=True, exist_ok=True)
    size = page.d.get_window_size()
    height = page.d.execute_script("return document.documentElement.scrollHeight")
    page.d.set_window_size(size["width"], min(max(height + 140, size["height"]), 5000))
    page.d.save_screenshot(str(Path(shots) / f"{name}.png"))
    page.d.set_window_size(size["width"], size["height"])


def make_driver(size: tuple[int, int] = PHONE_SIZE):
    """A headless Chromium (Russian, the given window size) driven by chromedriver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = _find_binary("PARTA_E2E_CHROMIUM", "chromium", "chromium-browser")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--lang=ru-RU", f"--window-size={size[0]},{size[1]}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=_find_binary("PARTA_E2E_CHROMEDRIVER", "chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture
def browser():
    driver = make_driver()
    yield driver
    driver.quit()


class Page:
    """Small waiting helpers over a Selenium driver: every lookup waits for the element."""

    def __init__(self, driver, base_url: str):
        self.d, self.base = driver, base_url

    def open(self, fragment: str) -> None:
        self.d.get(f"{self.base}/#{fragment}")

    def wait(self, predicate, timeout: float = 10, message: str = ""):
        """Waits until predicate holds; an element replaced by a re-render meanwhile just means "try again"."""
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.support.ui import WebDriverWait
        return WebDriverWait(self.d, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda d: predicate(d), message)

    def el(self, css: str, timeout: float = 10):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec
        from selenium.webdriver.support.ui import WebDriverWait
        return WebDriverWait(self.d, timeout).until(
            ec.visibility_of_element_located((By.CSS_SELECTOR, css)), f"{css} did not appear on {self.d.current_url}")

    def fill(self, css: str, text: str) -> None:
        box = self.el(css)
        box.clear()
        box.send_keys(text)

    def click(self, css: str) -> None:
        """Clicks when clickable; an element replaced by a re-render meanwhile is looked up again."""
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec
        from selenium.webdriver.support.ui import WebDriverWait
        for attempt in range(5):
            try:
                target = WebDriverWait(self.d, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
                    ec.element_to_be_clickable((By.CSS_SELECTOR, css)), f"{css} not clickable")
                # As a person would: scrolled to the middle of the screen, clear of the app bar,
                # the bottom navigation and the pinned composer.
                self.d.execute_script("arguments[0].scrollIntoView({block: 'center', inline: 'nearest'})", target)
                target.click()
                return
            except StaleElementReferenceException:
                if attempt == 4:
                    raise

    def text(self, css: str) -> str:
        """The element's visible text; if a re-render replaces it between lookup and read, reads the new one."""
        from selenium.common.exceptions import StaleElementReferenceException
        for _ in range(5):
            try:
                return self.el(css).text
            except StaleElementReferenceException:
                continue
        return self.el(css).text

    def title(self) -> str:
        self.el("h1#page-title")
        return self.title_now()

    def title_now(self):
        """The page title right now, read in one script call (the page may be re-rendering)."""
        return self.d.execute_script("const e = document.querySelector('h1#page-title'); return e && e.textContent.trim()")

    def wait_route(self, prefix: str, timeout: float = 10) -> None:
        self.wait(lambda d: d.execute_script("return location.hash").startswith(prefix), timeout,
                  f"expected route {prefix}, at {self.d.current_url}")

    def sign_out_everywhere(self) -> None:
        """A new visitor: no cookies, and the app loaded afresh (it keeps who is signed in in memory)."""
        self.d.delete_all_cookies()
        self.d.get("about:blank")

    def sign_in(self, login: str, password: str, lands_on: str) -> None:
        """Signs in through the form and waits for the page it leads to."""
        self.open("/signin")
        self.fill("#signin-login", login)
        self.fill("#signin-password", password)
        self.click("#signin-submit")
        self.wait_route(lands_on)

    def no_sideways_scroll(self) -> None:
        width = self.d.execute_script("return document.documentElement.scrollWidth")
        inner = self.d.execute_script("return window.innerWidth")
        assert width <= inner, f"page is {width}px wide on a {inner}px screen ({self.d.current_url})"

    def axe_violations(self) -> list[str]:
        """axe-core's WCAG 2.x A/AA rules over the page as it is now: one line per broken rule
        (rule, impact, up to five elements)."""
        import axe_core_python
        source = (Path(axe_core_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
        self.d.execute_script(source)
        found = self.d.execute_async_script("""
            const done = arguments[arguments.length - 1];
            axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
              .then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 5).map(n => n.target.join(' ')).join(' | '))),
                    e => done(['axe failed: ' + e]));""")
        return found

    def severe_console_errors(self) -> list[str]:
        try:
            logs = self.d.get_log("browser")
        except Exception:  # some drivers do not keep logs
            return []
        # A 401 on /api/v1/me before signing in is expected; anything else severe is a bug.
        return [e["message"] for e in logs if e.get("level") == "SEVERE" and "401" not in e["message"]]


def test_registration_approval_activation_and_profile_edit(server, browser, tmp_path):
    page = Page(browser, server.url)
    admin_email = unique_email()
    admin_phone = "+7 (912) 555-12-34"

    # 1. The operator opens the one-time setup link from the server's log.
    link = server.setup_link()
    browser.get(link)
    assert page.title()
    page.fill("#setup-fullName", "Оператор Платформы")
    page.fill("#setup-email", "operator@parta.test")
    page.fill("#setup-password", "operator-pass-1")
    page.fill("#setup-password2", "operator-pass-1")
    page.click("#setup-submit")
    page.wait_route("#/applications")
    page.el("#queue-list, #queue-empty")
    # The link is single-use: opened again, it says so.
    browser.get(link)
    assert page.el("#setup-invalid").get_attribute("data-code") == "link_used"
    browser.get_log("browser")  # drop the expected "410 Gone" of that check

    # 2. A school applies through the public form (a new visitor: no session).
    page.sign_out_everywhere()
    page.open("/apply")
    page.el("#apply-form")
    page.no_sideways_scroll()
    fields = {
        "schoolName": "МБОУ «Средняя общеобразовательная школа № 12»",
        "shortName": "СОШ № 12",
        "address": "610000, г. Киров, ул. Ленина, д. 12",
        "region": "Кировская область",
        "inn": VALID_INN,
        "adminFullName": "Смирнова Ольга Ивановна",
        "adminEmail": admin_email,
        "adminPhone": admin_phone,
    }
    for name, value in fields.items():
        page.fill(f"#apply-{name}", value)
    order = tmp_path / "prikaz.pdf"
    # A scanned order is a few megabytes: pad the PDF so the upload reports progress.
    order.write_bytes(make_pdf("browser flow") + b"%" + b"0" * (3 * 1024 * 1024) + b"\n")
    page.el("#apply-orderFile").send_keys(str(order))
    # Record what the progress text shows while the file goes up (the form is replaced when done).
    browser.execute_script("""
        window.__progress = [];
        const text = document.querySelector('#apply-progress-text');
        new MutationObserver(() => window.__progress.push(text.textContent))
            .observe(text, {childList: true, characterData: true, subtree: true});""")
    page.click("#apply-submit")
    page.el("#apply-done", timeout=20)
    # A short number a person can read out (the last eight characters of the id); the id in its title.
    number = page.text("#apply-done-id").strip()
    application_id = page.el("#apply-done-id").get_attribute("title")
    assert len(number) == 9 and number == (application_id.replace("-", "")[-8:-4] + "-" + application_id.replace("-", "")[-4:]).upper()
    shown = browser.execute_script("return window.__progress")
    # Percentages while sending, then «Обработка…» once every byte is sent (loopback is fast).
    assert shown and "%" in shown[0] and shown[-1] != shown[0], f"upload progress shown: {shown}"

    # 3. The operator signs in with the password and approves it in the queue.
    page.sign_in("operator@parta.test", "operator-pass-1", "#/applications")
    item = page.el(f'[data-app-id="{application_id}"]')
    assert "СОШ № 12" in item.text and f"№ {number}" in item.text
    assert page.el(f"#order-file-{application_id}").get_attribute("href")
    sms_mark = server.sms.mark()
    page.click(f"#approve-{application_id}")
    page.el("#queue-message")
    sms = server.sms.wait_for(normalize_phone(admin_phone), since=sms_mark, contains="/#/activate/")
    activation_link, _ = extract_activation_link(sms.text)

    # 4. The administrator opens the activation link, gets the code by SMS and sets a password.
    page.sign_out_everywhere()
    browser.get(activation_link)
    assert "СОШ № 12" in page.text("#activate-school") or "12" in page.text("#activate-school")
    code_mark = server.sms.mark()
    page.click("#activate-get-code")
    code = extract_code(server.sms.wait_for(normalize_phone(admin_phone), since=code_mark).text)
    page.fill("#activate-code", code)
    page.fill("#activate-password", "admin-pass-12")
    page.fill("#activate-password2", "admin-pass-12")
    page.click("#activate-submit")
    page.wait_route("#/school/")
    school_id = browser.execute_script("return location.hash").split("/")[2].split("?")[0]
    # «Учительская» and the two system channels exist from the first minute.
    assert page.el('#school-classes [data-kind="staff_room"]')
    channels = page.text("#school-channels")
    assert "Общешкольный канал" in channels and "Сотрудники" in channels

    # 5. Signed out, the administrator signs in with the new password (by phone) and edits the profile.
    page.sign_out_everywhere()
    page.sign_in("8 912 555 12 34", "admin-pass-12", f"#/school/{school_id}")
    page.fill("#school-edit-directorName", "Кузнецов Андрей Петрович")
    page.fill("#school-edit-website", "https://school12.example.ru")
    page.click("#school-save")
    assert "Сохранено" in page.text("#school-saved")
    page.no_sideways_scroll()

    # The change is real: the API answers it to the administrator.
    admin = sign_in_password(server, admin_email, "admin-pass-12")
    school = expect(admin.get(f"/api/v1/schools/{school_id}"), 200)
    assert school["directorName"] == "Кузнецов Андрей Петрович"
    assert school["website"] == "https://school12.example.ru"
    # And survives a reload of the page.
    browser.refresh()
    assert page.el("#school-edit-directorName").get_attribute("value") == "Кузнецов Андрей Петрович"
    assert page.severe_console_errors() == []


def test_sign_in_by_code_errors_and_language_switch(server, browser):
    from parta_e2e import OPERATOR_EMAIL, create_operator
    create_operator(server)
    page = Page(browser, server.url)

    # A wrong password is an error next to the form, and nobody is signed in.
    page.open("/signin")
    page.fill("#signin-login", OPERATOR_EMAIL)
    page.fill("#signin-password", "not-the-password")
    page.click("#signin-submit")
    assert page.text("#signin-error")
    assert requests.get(f"{server.url}/api/v1/me", cookies={c["name"]: c["value"] for c in browser.get_cookies()}).status_code == 401

    # Sign-in by a one-time code sent by email.
    page.click("#signin-mode-code")
    mark = server.smtp.mark()
    page.click("#signin-get-code")
    page.el("#signin-sent-to")
    code = extract_code(server.smtp.wait_for(OPERATOR_EMAIL, since=mark).body)
    page.fill("#signin-code", code)
    page.click("#signin-submit")
    page.wait_route("#/applications")
    # The session cookie is HttpOnly: scripts cannot read it.
    assert "parta_session" not in browser.execute_script("return document.cookie")
    assert any(c["name"] == "parta_session" and c.get("httpOnly") for c in browser.get_cookies())

    # The English switch re-renders the page in English; Russian comes back the same way.
    russian = page.title()
    page.click("#lang-switch")
    page.wait(lambda d: page.title_now() not in (None, russian), 5, "title did not change")
    assert browser.execute_script("return document.documentElement.lang") == "en"
    page.click("#lang-switch")
    page.wait(lambda d: page.title_now() == russian, 5, "Russian did not return")

    # Signing out ends the session on the server.
    page.open("/account")
    page.click("#account-signout")
    page.wait_route("#/signin")
    assert requests.get(f"{server.url}/api/v1/me", cookies={c["name"]: c["value"] for c in browser.get_cookies()}).status_code == 401


def test_the_shell_stays_small():
    """Issue 2: the shell — the JS and CSS that index.html loads at start — stays under 60 KB
    uncompressed. Pages of later features are imported on demand and are not part of it."""
    import re
    public = Path(__file__).resolve().parents[2] / "Public"
    html = (public / "index.html").read_text(encoding="utf-8")
    loaded = set(re.findall(r'(?:href|src)="/([^"]+\.(?:js|css))"', html))
    assert "js/app.js" in loaded and "css/app.css" in loaded, loaded
    total = sum((public / path).stat().st_size for path in loaded)
    assert total < 60 * 1024, f"the shell's JS+CSS is {total} bytes: {sorted(loaded)}"


def test_admin_manages_classes_in_the_browser(server, browser):
    """Issue 3 (structure): the administrator creates a parallel, sees a bad name explained, renames,
    archives and restores a class — from the school's page."""
    from parta_e2e import approve_and_activate, create_operator, submit_application
    operator = create_operator(server)
    admin = approve_and_activate(server, operator, submit_application(server))
    page = Page(browser, server.url)
    page.sign_in(admin.email, admin.password, f"#/school/{admin.school_id}")
    page.click("#school-manage-classes")
    page.wait_route(f"#/school/{admin.school_id}/classes")
    page.el("#classes-empty")

    page.fill("#classes-add-names", "5А–5В")
    page.click("#classes-add-submit")
    assert "5А, 5Б, 5В" in page.text("#classes-message")
    names = lambda: browser.execute_script(  # noqa: E731
        "return [...document.querySelectorAll('#classes-list [data-class-id] .class-name')].map(e => e.textContent)")
    assert names() == ["Учительская", "5А", "5Б", "5В"]

    # A name outside the nomenclature is explained next to the field, and nothing is created.
    page.fill("#classes-add-names", "12А")
    page.click("#classes-add-submit")
    assert "1–11" in page.text("#classes-add-names-error")
    assert names() == ["Учительская", "5А", "5Б", "5В"]
    browser.get_log("browser")  # drop the expected "400" of that check

    ids = browser.execute_script(
        "return Object.fromEntries([...document.querySelectorAll('#classes-list [data-class-id]')]"
        ".map(li => [li.querySelector('.class-name').textContent, li.dataset.classId]))")
    page.click(f"#class-rename-{ids['5В']}")
    page.fill(f"#class-name-{ids['5В']}", "5г")
    page.click(f"#class-save-{ids['5В']}")
    page.wait(lambda d: names() == ["Учительская", "5А", "5Б", "5Г"], 5, "rename did not show")

    page.click(f"#class-archive-{ids['5Б']}")
    page.wait(lambda d: names() == ["Учительская", "5А", "5Г"], 5, "archived class still listed")
    page.click("#classes-show-archived")
    page.click(f"#class-restore-{ids['5Б']}")
    # With archived classes shown, 5Б is listed either way: wait for its row to say it is active again.
    page.wait(lambda d: d.execute_script(
        f"const li = document.querySelector('[data-class-id=\"{ids['5Б']}\"]'); return li && li.dataset.archived") == "false",
        5, "restored class still archived")
    assert names() == ["Учительская", "5А", "5Б", "5Г"]

    listed = expect(admin.get(f"/api/v1/schools/{admin.school_id}/classes"), 200)["items"]
    assert [c["name"] for c in listed] == ["Учительская", "5А", "5Б", "5Г"]
    page.no_sideways_scroll()
    assert page.severe_console_errors() == []


def test_invite_link_join_as_student_and_revoke_unused(server, browser):
    """Issue 3: the administrator makes a student link for 5Б; a new person opens it, gives a name and
    a phone, enters the code and is in the class; the administrator revokes every unused link."""
    from parta_e2e import approve_and_activate, create_operator, submit_application
    operator = create_operator(server)
    admin = approve_and_activate(server, operator, submit_application(server))
    made = expect(admin.post(f"/api/v1/schools/{admin.school_id}/classes", json={"names": "5Б"}), 201)["items"][0]
    page = Page(browser, server.url)
    page.sign_in(admin.email, admin.password, f"#/school/{admin.school_id}")
    page.click("#school-manage-invites")
    page.wait_route(f"#/school/{admin.school_id}/invites")
    page.el("#invites-empty")

    from selenium.webdriver.support.ui import Select
    Select(page.el("#invite-new-classId")).select_by_visible_text("5Б")
    assert [o.get_attribute("value") for o in Select(page.el("#invite-new-role")).options] == ["student", "parent"]
    Select(page.el("#invite-new-role")).select_by_value("student")
    page.fill("#invite-new-maxUses", "30")
    page.click("#invite-new-submit")
    page.el("#invite-created-text")
    # The next link starts without this one's limit (it was carried over: a parent link got «из 30»).
    assert page.el("#invite-new-maxUses").get_attribute("value") == ""
    assert not page.el("#invite-new-needsApproval").is_selected()
    link = browser.execute_script("return document.querySelector('#invite-created input.link-url').value")
    assert "/#/join/" in link
    assert page.el('#invites-list [data-state="active"]')

    # A new person opens the link: name, phone, code — and is in the class.
    page.sign_out_everywhere()
    browser.get(link)
    assert "5Б" in page.text("#join-invite")
    page.fill("#join-fullName", "Соколова Маша")
    page.fill("#join-login", "+7 901 234-56-78")
    mark = server.sms.mark()
    page.click("#join-get-code")
    code = extract_code(server.sms.wait_for("+79012345678", since=mark).text)
    page.fill("#join-code", code)
    page.click("#join-submit")
    page.wait_route(f"#/school/{admin.school_id}")
    student = expect(admin.get(f"/api/v1/schools/{admin.school_id}/classes"), 200)["items"]
    assert next(c for c in student if c["id"] == made["id"])["studentCount"] == 1

    # Back as the administrator: one more link, then «revoke all unused» leaves only the used one.
    page.sign_out_everywhere()
    page.sign_in(admin.email, admin.password, f"#/school/{admin.school_id}")
    page.open(f"/school/{admin.school_id}/invites")
    Select(page.el("#invite-new-classId")).select_by_visible_text("5Б")
    Select(page.el("#invite-new-role")).select_by_value("parent")
    page.click("#invite-new-submit")
    page.el("#invite-created-text")
    page.wait(lambda d: len(d.find_elements("css selector", '#invites-list [data-state="active"]')) == 2, 5, "two links")
    page.click("#invites-revoke-unused")
    assert "1" in page.text("#invites-message")
    rows = browser.execute_script(
        "return [...document.querySelectorAll('#invites-list [data-invite-id]')].map(li => li.dataset.uses)")
    assert rows == ["1"], rows
    # Whoever opens the revoked link is told so.
    revoked = [i for i in expect(admin.get(f"/api/v1/schools/{admin.school_id}/invites?state=all"), 200)["items"]
               if i["state"] == "revoked"]
    assert len(revoked) == 1
    page.sign_out_everywhere()
    browser.get(revoked[0]["url"])
    assert page.el("#join-invalid").get_attribute("data-code") == "revoked"
    page.no_sideways_scroll()


def test_admin_confirms_a_teacher_in_the_browser(server, browser):
    """Issue 3: a teacher joins by the staff-room link unconfirmed; the administrator finds them with
    the «waiting» filter and confirms them."""
    from parta_e2e import approve_and_activate, create_operator, submit_application
    operator = create_operator(server)
    admin = approve_and_activate(server, operator, submit_application(server))
    staff_room = next(c for c in expect(admin.get(f"/api/v1/schools/{admin.school_id}/classes"), 200)["items"]
                      if c["kind"] == "staff_room")
    link = expect(admin.post(f"/api/v1/classes/{staff_room['id']}/invites", json={"role": "teacher"}), 201)
    teacher = requests.Session()
    expect(teacher.post(f"{server.url}/api/v1/join/{link['token']}/code",
                        json={"fullName": "Орлова Нина Сергеевна", "login": "orlova@school.test"}), 202)
    code = extract_code(server.smtp.wait_for("orlova@school.test").body)
    joined = expect(teacher.post(f"{server.url}/api/v1/join/{link['token']}",
                                 json={"login": "orlova@school.test", "code": code}), 200)
    assert joined["joined"]["verified"] is False

    page = Page(browser, server.url)
    page.sign_in(admin.email, admin.password, f"#/school/{admin.school_id}")
    page.click("#school-manage-members")
    page.wait_route(f"#/school/{admin.school_id}/members")
    assert "2" in page.text("#members-total")
    from selenium.webdriver.support.ui import Select
    Select(page.el("#members-verified")).select_by_value("false")
    page.wait_route(f"#/school/{admin.school_id}/members?verified=false")
    page.wait(lambda d: "1" in page.text("#members-total"), 5, "filter did not apply")
    teacher_id = joined["user"]["id"]
    assert "Орлова Нина Сергеевна" in page.text(f'[data-user-id="{teacher_id}"]')
    page.click(f"#member-verify-{teacher_id}")
    assert "Орлова Нина Сергеевна" in page.text("#members-message")
    me = expect(teacher.get(f"{server.url}/api/v1/me"), 200)
    assert me["memberships"][0]["verified"] is True
    browser.refresh()
    page.el("#members-empty")
    page.no_sideways_scroll()
    assert page.severe_console_errors() == []
