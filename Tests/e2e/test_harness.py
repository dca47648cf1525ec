"""Self-tests of the harness's own pieces that need no Parta server: the SMTP capture decodes what
a real mail client sends (UTF-8, quoted-printable, base64, encoded-word subjects, SMTPUTF8), the SMS
gateway records JSON posts, and the PDF maker and error-shape checker behave."""

from __future__ import annotations

import json
import smtplib
import threading
from email.message import EmailMessage

import pytest
import requests

from parta_e2e import (
    error_shape_problem, extract_activation_link, extract_code, make_pdf, normalize_phone,
)

LINK = "http://127.0.0.1:8080/#/activate/AbC-123_xyzAbC-123_xyzAbC-123_xyz"


def _send(smtp_server, msg: EmailMessage, **kw):
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as client:
        client.send_message(msg, **kw)


def _message(subject: str, body: str, cte: str, to: str = "Admin@School.Test") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "parta@school.test"
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body, charset="utf-8", cte=cte)
    return msg


@pytest.mark.parametrize("cte", ["quoted-printable", "base64", "8bit"])
def test_smtp_capture_decodes_utf8_bodies_and_encoded_subjects(smtp_server, cte):
    subject = "Школа «МБОУ СОШ № 7» зарегистрирована в Parta"
    body = f"Здравствуйте, Мария Петровна! Откройте ссылку: {LINK}\nКод: 123456."
    _send(smtp_server, _message(subject, body, cte))
    got = smtp_server.wait_for("admin@school.test", timeout=5)
    assert got.subject == subject
    assert got.body.strip() == body
    assert got.to == "admin@school.test"
    assert extract_activation_link(got.body) == (LINK, LINK.rsplit("/", 1)[1])
    assert extract_code(got.body) == "123456"
    # encoded-word on the wire for the non-ASCII subject
    assert b"=?utf-8?" in got.raw.lower()


def test_smtp_capture_multipart_alternative_prefers_plain(smtp_server):
    msg = _message("Код для входа", "Код для входа в Parta: 654321.", "quoted-printable")
    msg.add_alternative("<p>Код для входа в Parta: <b>654321</b>.</p>", subtype="html", charset="utf-8")
    _send(smtp_server, msg)
    got = smtp_server.wait_for("admin@school.test", contains="654321", timeout=5)
    assert got.body.strip() == "Код для входа в Parta: 654321."
    assert "<b>654321</b>" in got.html


def test_smtp_capture_raw_utf8_headers_with_smtputf8(smtp_server):
    raw = ("From: parta@school.test\r\nTo: admin@school.test\r\nSubject: Заявка отклонена\r\n"
           "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
           "Content-Transfer-Encoding: 8bit\r\n\r\nПричина: нет приказа.\r\n").encode()
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as client:
        client.ehlo()
        assert client.has_extn("smtputf8")
        client.sendmail("parta@school.test", ["admin@school.test"], raw, mail_options=["SMTPUTF8", "BODY=8BITMIME"])
    got = smtp_server.wait_for("admin@school.test", timeout=5)
    assert got.subject == "Заявка отклонена"
    assert got.body.strip() == "Причина: нет приказа."
    assert got.smtputf8


def test_smtp_capture_wait_for_since_and_timeout(smtp_server):
    _send(smtp_server, _message("one", "first 111111", "7bit"))
    smtp_server.wait_for("admin@school.test", contains="111111", timeout=5)
    mark = smtp_server.mark()
    with pytest.raises(AssertionError, match="no email"):
        smtp_server.wait_for("admin@school.test", since=mark, timeout=0.3)

    def later():
        _send(smtp_server, _message("two", "second 222222", "7bit"))
    threading.Timer(0.2, later).start()
    got = smtp_server.wait_for("admin@school.test", since=mark, timeout=5)
    assert "222222" in got.body
    assert smtp_server.find(to="nobody@school.test") == []


def test_sms_gateway_records_json_posts(sms_gateway):
    mark = sms_gateway.mark()
    r = requests.post(sms_gateway.url, json={"to": "+79123456789", "text": f"Активация: {LINK}"},
                      headers={"Authorization": "Bearer t0k"}, timeout=5)
    assert r.status_code == 200, r.text
    got = sms_gateway.wait_for("+79123456789", since=mark, timeout=5)
    assert got.text == f"Активация: {LINK}"
    assert got.headers.get("Authorization") == "Bearer t0k"
    # not the expected JSON → 400 and not recorded as a message
    assert requests.post(sms_gateway.url, data=b"{oops", timeout=5).status_code == 400
    assert requests.post(sms_gateway.url, json={"to": 7, "text": "x"}, timeout=5).status_code == 400
    assert len(sms_gateway.errors) == 2
    assert sms_gateway.mark() == mark + 1
    sms_gateway.fail_next(1, status=503)
    assert requests.post(sms_gateway.url, json={"to": "+79123456789", "text": "x"}, timeout=5).status_code == 503
    assert requests.post(sms_gateway.url, json={"to": "+79123456789", "text": "y"}, timeout=5).status_code == 200
    with pytest.raises(AssertionError, match="no SMS"):
        sms_gateway.wait_for("+79000000000", timeout=0.3)


def test_make_pdf_is_well_formed():
    pdf = make_pdf("abc")
    assert pdf.startswith(b"%PDF-1.4")
    assert pdf.rstrip().endswith(b"%%EOF")
    startxref = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    assert pdf[startxref:].startswith(b"xref")
    # each object offset in the xref table points at "<n> 0 obj"
    lines = pdf[startxref:].split(b"\n")
    for n, line in enumerate(lines[3:8], 1):
        offset = int(line.split()[0])
        assert pdf[offset:].startswith(b"%d 0 obj" % n)
    assert make_pdf("a") != make_pdf("b")


def test_phone_normalisation():
    assert normalize_phone("+7 912 345-67-89") == "+79123456789"
    assert normalize_phone("89123456789") == "+79123456789"
    assert normalize_phone("9123456789") == "+79123456789"


class _Resp:
    def __init__(self, status, body, ctype="application/json; charset=utf-8", headers=None):
        self.status_code = status
        self._body = body
        self.headers = {"Content-Type": ctype, **(headers or {})}

    def json(self):
        return json.loads(self._body)


def test_error_shape_checker():
    ok = '{"error":{"code":"validation_failed","message":"Неверно","fields":{"inn":"Плохой ИНН"}}}'
    assert error_shape_problem(_Resp(400, ok)) is None
    assert "4xx" in error_shape_problem(_Resp(500, ok))
    assert "Content-Type" in error_shape_problem(_Resp(400, ok, ctype="text/html"))
    assert error_shape_problem(_Resp(400, '{"reason":"x","error":true}')) is not None
    assert error_shape_problem(_Resp(400, '{"error":{"code":"Bad Thing","message":"x"}}')) is not None
    assert error_shape_problem(_Resp(400, '{"error":{"code":"bad","message":""}}')) is not None
    assert error_shape_problem(_Resp(400, '{"error":{"code":"bad","message":"x","fields":{"a":1}}}')) is not None
    limited = '{"error":{"code":"rate_limited","message":"Подождите"}}'
    assert "Retry-After" in error_shape_problem(_Resp(429, limited))
    assert error_shape_problem(_Resp(429, limited, headers={"Retry-After": "30"})) is None
