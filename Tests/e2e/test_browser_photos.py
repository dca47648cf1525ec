"""Issue 13 in real headless Chromium: pictures made by the server.

A student sets a profile photo on the profile page (a preview before saving) and the teacher sees
it as the student's avatar in their chat, as a 96 px square; the teacher sends a phone photo (EXIF
orientation 6, a GPS position): the conversation shows the server's preview, at most 640 px, in a
space reserved before it loads, upright; a tap opens the full image over the page, upright too,
and Esc closes it. The stored original has no GPS left. Phone and desktop sizes.
"""

from __future__ import annotations

import struct

import pytest

from parta_e2e import expect, join_by_link
from test_browser import Page, browser, make_driver  # noqa: F401  (the browser fixture)
from test_browser_messenger import DESKTOP

pytestmark = pytest.mark.browser

GPS_MARKER = b"GPS-55.7522N-37.6156E"


def jpeg(width: int, height: int, *, halves: bool = True) -> bytes:
    """A JPEG from OpenCV: the left half red and the right half blue (or a gradient)."""
    import cv2
    import numpy as np
    img = np.zeros((height, width, 3), np.uint8)   # BGR
    if halves:
        img[:, : width // 2] = (30, 30, 220)
        img[:, width // 2:] = (220, 30, 30)
    else:
        img[:, :, 1] = np.linspace(0, 255, width, dtype=np.uint8)[None, :]
        img[:, :, 2] = np.linspace(255, 0, height, dtype=np.uint8)[:, None]
    ok, data = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return data.tobytes()


def phone_photo(data: bytes, orientation: int) -> bytes:
    """What a phone writes: EXIF (little-endian) with the orientation, the make and a GPS directory,
    just after the start of the image (OpenCV's JFIF segment stays first)."""
    make = b"PartaPhone\0" + GPS_MARKER + b"\0"
    ifd0, entries = 8, 3
    make_at = ifd0 + 2 + entries * 12 + 4
    gps_at = make_at + len(make)
    tiff = b"II*\0" + struct.pack("<I", ifd0) + struct.pack("<H", entries)
    tiff += struct.pack("<HHII", 0x010F, 2, len(make), make_at)
    tiff += struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0)
    tiff += struct.pack("<HHII", 0x8825, 4, 1, gps_at) + struct.pack("<I", 0) + make
    rational_at = gps_at + 2 + 2 * 12 + 4
    tiff += struct.pack("<H", 2) + struct.pack("<HHI", 1, 2, 2) + b"N\0\0\0"
    tiff += struct.pack("<HHII", 2, 5, 3, rational_at) + struct.pack("<I", 0)
    tiff += struct.pack("<6I", 55, 1, 45, 1, 752, 100)
    payload = b"Exif\0\0" + tiff
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    jfif_end = 2 + 2 + struct.unpack(">H", data[4:6])[0] if data[2:4] == b"\xff\xe0" else 2
    return data[:jfif_end] + app1 + data[jfif_end:]


def _natural(page: Page, css: str) -> tuple[int, int]:
    """An <img>'s natural size once it has loaded."""
    page.wait(lambda d: d.execute_script(
        "const i = document.querySelector(arguments[0]); return !!i && i.complete && i.naturalWidth > 0", css), 10, f"{css} did not load")
    return tuple(page.d.execute_script("const i = document.querySelector(arguments[0]); return [i.naturalWidth, i.naturalHeight]", css))


def _class_with_a_chat(server):
    """test_browser_chat_admin's school with 5Б, its confirmed teacher and a student who can sign in
    (+79031112233 / student-pass-1), and the teacher's group with the student:
    (admin, teacher, teacher id, student, student id, group)."""
    from test_browser_chat_admin import _school_with_teacher
    admin, school, made, student_link, teacher, teacher_id = _school_with_teacher(server, "5Б")
    student = join_by_link(server, student_link["token"], "Соколов Миша", "+79031112233", "student-pass-1")
    student_id = expect(student.get(f"{server.url}/api/v1/me"), 200)["id"]
    group = expect(teacher.post(f"{server.url}/api/v1/schools/{school}/chats",
                                json={"kind": "group", "title": "5Б — фото", "memberIds": [student_id]}), 201)
    return admin, teacher, teacher_id, student, student_id, group


def test_a_profile_photo_becomes_the_avatar_and_an_image_opens_full_size(server, browser, tmp_path):
    admin, teacher, teacher_id, student, student_id, group = _class_with_a_chat(server)
    school = admin.school_id

    # The student, on a phone, sets a photo on the profile page: a preview first, then saved.
    me_jpg = tmp_path / "me.jpg"
    me_jpg.write_bytes(jpeg(900, 1200, halves=False))
    s = Page(browser, server.url)
    s.sign_in("+79031112233", "student-pass-1", f"#/school/{school}/chats")
    s.open("/account")
    s.el("#photo-current .avatar")   # the initials while there is no photo
    assert s.text("#photo-h") == "Фото профиля"
    s.d.find_element("css selector", "#photo-file").send_keys(str(me_jpg))
    s.el("#photo-preview")
    s.click("#photo-save")
    s.wait(lambda d: "Фото сохранено" in s.text("#photo-saved"), 10, "the photo was not saved")
    assert _natural(s, "#photo-image") == (256, 256)
    assert s.el("#photo-remove").is_displayed()
    photo = expect(student.get(f"{server.url}/api/v1/me"), 200)["photo"]
    assert photo
    browser.save_screenshot(str(tmp_path / "account-phone.png"))
    expect(student.post(f"{server.url}/api/v1/chats/{group['id']}/messages", json={"text": "Это я на фото"}), 201)

    # The teacher, on a desktop, sees the photo as the student's avatar and sends a phone photo.
    teacher_view = make_driver(DESKTOP)
    try:
        t = Page(teacher_view, server.url)
        t.sign_in("orlova@school.test", "teacher-pass-1", f"#/school/{school}/chats")
        t.open(f"/chat/{group['id']}")
        t.el("#chat-messages[data-live]")
        avatar = f'#chat-messages li[data-author="{student_id.lower()}"] img.avatar'
        assert _natural(t, avatar) == (96, 96)
        assert f"/users/{student_id}/photo?size=96&v={photo}".lower() in t.el(avatar).get_attribute("src").lower()

        photo_jpg = tmp_path / "IMG_2024.jpg"
        photo_jpg.write_bytes(phone_photo(jpeg(3000, 2000), orientation=6))
        t.d.find_element("css selector", "#chat-file").send_keys(str(photo_jpg))
        t.el("#chat-pending li[data-file-id]")
        t.fill("#chat-text", "Фото с экскурсии")
        t.click("#chat-send")
        image = "#chat-messages a.att-image img"
        t.el(image)
        # The space is reserved from the message itself (before the picture loads): 128×192, upright.
        reserved = t.d.execute_script("const i = document.querySelector(arguments[0]); return [i.getAttribute('width'), i.getAttribute('height')]", image)
        assert reserved == ["128", "192"], reserved
        assert t.el(image).get_attribute("src").endswith("/thumbnail")
        width, height = _natural(t, image)
        assert (width, height) == (427, 640), (width, height)
        t.d.save_screenshot(str(tmp_path / "chat-desktop.png"))

        # A tap opens the full image over the page, upright (2000×3000 as shown); Esc closes it.
        t.click("#chat-messages a.att-image")
        t.el("#image-viewer[open]")
        assert _natural(t, "#image-viewer-img") == (2000, 3000)
        assert t.d.switch_to.active_element.get_attribute("id") == "image-viewer-close"
        t.d.save_screenshot(str(tmp_path / "viewer-desktop.png"))
        from selenium.webdriver.common.keys import Keys
        t.d.switch_to.active_element.send_keys(Keys.ESCAPE)
        t.wait(lambda d: not d.execute_script("return !!document.getElementById('image-viewer')"), 5, "Esc did not close the viewer")
        assert "att-image" in t.d.switch_to.active_element.get_attribute("class"), "focus is back on the image"
        # A tap on the open image closes it too.
        t.click("#chat-messages a.att-image")
        t.click("#image-viewer-img")
        t.wait(lambda d: not d.execute_script("return !!document.getElementById('image-viewer')"), 5, "a tap did not close the viewer")
    finally:
        teacher_view.quit()

    # What the server stored has no position left; the preview is a JPEG of its own.
    message = expect(student.get(f"{server.url}/api/v1/chats/{group['id']}/messages"), 200)["items"][-1]
    attachment = message["attachments"][0]
    assert (attachment["width"], attachment["height"], attachment["thumbWidth"], attachment["thumbHeight"]) == (2000, 3000, 427, 640)
    original = student.get(f"{server.url}/api/v1/files/{attachment['id']}")
    assert original.status_code == 200 and GPS_MARKER not in original.content and b"PartaPhone" not in original.content
    assert b"Exif\0\0MM" in original.content, "the orientation is kept in a minimal EXIF"

    # The student's phone shows the same: the preview in the conversation, the viewer on a tap.
    s.open(f"/chat/{group['id']}")
    s.el("#chat-messages[data-live]")
    assert _natural(s, "#chat-messages a.att-image img")[0] <= 640
    s.no_sideways_scroll()
    browser.save_screenshot(str(tmp_path / "chat-phone.png"))
    s.click("#chat-messages a.att-image")
    s.el("#image-viewer[open]")
    browser.save_screenshot(str(tmp_path / "viewer-phone.png"))
    s.click("#image-viewer-close")
    s.wait(lambda d: not d.execute_script("return !!document.getElementById('image-viewer')"), 5, "«Закрыть» did not close the viewer")

    # Removing the photo brings the initials back.
    s.open("/account")
    s.click("#photo-remove")
    s.wait(lambda d: "Фото удалено" in s.text("#photo-saved"), 10, "the photo was not removed")
    s.el("#photo-current span.avatar")
    assert teacher.get(f"{server.url}/api/v1/users/{student_id}/photo").status_code == 404
    assert s.severe_console_errors() == []
