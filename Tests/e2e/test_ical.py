"""Issue 14 item 4: a person's iCalendar feed, read by Python's `icalendar` as a calendar app would.

A school (in Свердловская область: Asia/Yekaterinburg, UTC+5 all year) with a saved year and a class's week; a
student joins by link and makes their secret feed address. Fetched with no sign-in, it parses; its
VTIMEZONE is the school's zone and gives the offset Python's own zone database gives; every lesson
is an event at its local bell time, a cancelled one is CANCELLED. The school moves to a zone with
daylight saving time (Europe/Berlin): the events keep 08:30 on both sides of the change and the
VTIMEZONE says when the offset changes. Made again, the old address answers 404; revoked, the new one.
"""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import requests
from icalendar import Calendar

from parta_e2e import expect, join_by_link


def _school_with_a_week(server):
    from test_browser_chat_admin import _school_with_teacher
    admin, school, made, student_link, teacher, teacher_id = _school_with_teacher(server, "5А")
    year = expect(admin.get(f"/api/v1/schools/{school}/school-year"), 200)
    for key in ("configured", "bellsConfigured"):
        year.pop(key)
    expect(admin.put(f"/api/v1/schools/{school}/school-year", json=year), 200)
    subjects = {s["name"]: s["id"] for s in expect(admin.get(f"/api/v1/schools/{school}/subjects"), 200)["items"]}
    week = {"entries": [
        {"weekday": 1, "period": 1, "subjectId": subjects["Математика"], "teacherId": teacher_id, "room": "21"},
        {"weekday": 3, "period": 2, "subjectId": subjects["Русский язык"], "teacherId": teacher_id, "room": "14"}]}
    saved = expect(admin.put(f"/api/v1/classes/{made['id']}/timetable", json=week), 200)
    student = join_by_link(server, student_link["token"], "Соколов Миша", "+79031112233", "student-pass-1")
    return admin, school, made, week, saved, student


def _calendar(url: str) -> tuple[requests.Response, Calendar]:
    reply = requests.get(url, timeout=30)
    assert reply.status_code == 200, f"{url}: {reply.status_code} {reply.text[:300]}"
    return reply, Calendar.from_ical(reply.content)


def test_a_students_feed_parses_with_the_schools_zone_and_stops_when_revoked(server):
    admin, school, made, week, saved, student = _school_with_a_week(server)
    if saved["lessonsGenerated"]["created"] == 0:
        pytest.skip("no school days left in this academic year (the summer): the feed would be empty")
    zone = expect(admin.get(f"/api/v1/schools/{school}"), 200)["timezone"]
    assert zone == "Asia/Yekaterinburg"
    offset = datetime.timedelta(hours=5)

    feed = expect(student.post(f"{server.url}/api/v1/me/calendar-feeds", json={}), 201)
    url = feed["url"]
    assert url.startswith(server.url + "/api/v1/ical/") and url.endswith(".ics")
    assert feed["webcalUrl"] == "webcal" + url[len("http"):]

    # A lesson of the week after next, cancelled by the administrator.
    lessons = expect(admin.get(f"/api/v1/classes/{made['id']}/lessons",
                               params={"from": datetime.date.today().isoformat(),
                                       "to": (datetime.date.today() + datetime.timedelta(days=60)).isoformat()}), 200)["items"]
    assert lessons, "no lessons in the next two months"
    cancelled = lessons[-1]
    expect(admin.patch(f"/api/v1/lessons/{cancelled['id']}", json={"status": "cancelled"}), 200)

    reply, cal = _calendar(url)
    assert reply.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert str(cal["VERSION"]) == "2.0" and cal["PRODID"] and str(cal["CALSCALE"]) == "GREGORIAN"
    assert str(cal["X-WR-CALNAME"]) == "Расписание: Соколов Миша"
    for line in reply.content.split(b"\r\n"):
        assert len(line) <= 75, line

    timezones = cal.walk("VTIMEZONE")
    assert [str(t["TZID"]) for t in timezones] == [zone]
    ours = timezones[0].to_tz(lookup_tzid=False)
    python = zoneinfo.ZoneInfo(zone)
    for day in (datetime.datetime(2027, 1, 15, 12), datetime.datetime(2027, 7, 15, 12)):
        assert ours.utcoffset(day) == python.utcoffset(day) == offset

    events = cal.walk("VEVENT")
    by_uid = {str(e["UID"]).split("@")[0]: e for e in events}
    assert set(by_uid) >= {l["id"].lower() for l in lessons}
    assert all(str(e["SUMMARY"]) in ("Математика", "Русский язык", "Отменён: Русский язык", "Отменён: Математика") for e in events)
    for lesson in lessons:
        event = by_uid[lesson["id"].lower()]
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert start.tzinfo is not None and start.utcoffset() == offset
        assert start.strftime("%Y-%m-%d %H:%M") == f"{lesson['date']} {lesson['startsAt']}"
        assert end.strftime("%H:%M") == lesson["endsAt"]
        assert start.astimezone(datetime.timezone.utc) == datetime.datetime.fromisoformat(lesson["start"].replace("Z", "+00:00"))
        assert str(event["LOCATION"]) == "Кабинет " + lesson["room"]
        assert "Учитель: Орлова Нина Петровна" in str(event["DESCRIPTION"])
        expected = "CANCELLED" if lesson["id"] == cancelled["id"] else "CONFIRMED"
        assert str(event["STATUS"]) == expected, (lesson, event)

    # The same lessons give the same bytes: a calendar asking again with the tag gets 304.
    again = requests.get(url, headers={"If-None-Match": reply.headers["ETag"]}, timeout=30)
    assert again.status_code == 304

    # Made again: the old address stops at once.
    renewed = expect(student.post(f"{server.url}/api/v1/me/calendar-feeds", json={}), 201)
    assert renewed["id"] == feed["id"] and renewed["url"] != url
    assert requests.get(url, timeout=30).status_code == 404
    _calendar(renewed["url"])
    # Revoked: the new one stops too.
    expect(student.delete(f"{server.url}/api/v1/me/calendar-feeds/{feed['id']}"), 204)
    gone = requests.get(renewed["url"], timeout=30)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"
    assert expect(student.get(f"{server.url}/api/v1/me/calendar-feeds"), 200)["items"] == []


def test_a_zone_with_daylight_saving_time_keeps_the_bell_times(server):
    admin, school, made, week, saved, student = _school_with_a_week(server)
    if saved["lessonsGenerated"]["created"] == 0:
        pytest.skip("no school days left in this academic year (the summer)")
    # The school moves to Berlin; saving the week again places its lessons by the new zone's clock.
    expect(admin.patch(f"/api/v1/schools/{school}", json={"timezone": "Europe/Berlin"}), 200)
    expect(admin.put(f"/api/v1/classes/{made['id']}/timetable", json=week), 200)
    feed = expect(student.post(f"{server.url}/api/v1/me/calendar-feeds", json={}), 201)
    _, cal = _calendar(feed["url"])

    timezone = cal.walk("VTIMEZONE")[0]
    assert str(timezone["TZID"]) == "Europe/Berlin"
    ours, python = timezone.to_tz(lookup_tzid=False), zoneinfo.ZoneInfo("Europe/Berlin")
    events = cal.walk("VEVENT")
    offsets = set()
    for event in events:
        start = event.decoded("DTSTART")
        naive = start.replace(tzinfo=None)
        # Our VTIMEZONE and Python's zone database agree on every lesson's offset.
        assert ours.utcoffset(naive) == python.utcoffset(naive), start
        assert start.strftime("%H:%M") in ("08:30", "09:25"), start
        offsets.add(start.utcoffset())
    # The feed runs to the end of the school year, so it crosses the spring change of offset.
    if any(event.decoded("DTSTART").month in (4, 5) for event in events):
        assert offsets == {datetime.timedelta(hours=1), datetime.timedelta(hours=2)}, offsets
        assert timezone.walk("DAYLIGHT"), "the change to summer time is missing from VTIMEZONE"
