"""What docs/openapi.yaml states in words because JSON Schema cannot, told to schemathesis.

`test_schemathesis.py` runs the positive-data check (`positive_data_acceptance`): a request the
document calls valid must not be refused (400, 410, 413, 415, 422). The document's schemas say
every rule of the request's shape; the few rules no schema can say are in its descriptions, and
here:

- `map_case` makes positive cases keep those rules, the way a client that read the descriptions
  would: an INN's checksum digit, the appointing order's file type (told by its content), the
  academic year (the current one, the one before or after: it moves with the calendar), poll
  options that differ also ignoring case and «ё», a profile photo that is a picture (a JPEG).
- `filter_failure` drops a refusal only where the request needed a secret or a fact of the
  server's state that the run cannot have, each named by the server's error code: the account's
  current password, a child's printed activation code, a WebSocket handshake (OpenAPI describes
  none). Any other refusal of valid data still fails the run.

Loaded with SCHEMATHESIS_HOOKS=<this file>.
"""

from __future__ import annotations

try:
    # Imported here, once, before schemathesis starts its worker threads: its generators import
    # numpy lazily, and two threads doing that first import at once failed a run with "partially
    # initialized module 'numpy' has no attribute 'ndarray'" (a runtime error, not a finding).
    import numpy  # noqa: F401
except ImportError:   # not installed: nothing imports it then
    pass

import datetime
import unicodedata

import schemathesis

INN_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
# A one-page PDF: the server tells the order's type by its first bytes (`%PDF-`).
ORDER_PDF = (b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
             b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")

# (method, path) → the error codes of refusals that depend on a secret or on the server's state.
STATE_REFUSALS: dict[tuple[str, str], set[str]] = {
    ("PUT", "/api/v1/me/password"): {"wrong_password"},
    ("POST", "/api/v1/child-activation"): {"bad_activation_code"},
    ("POST", "/api/v1/join/{token}"): {"child_not_found"},
    ("POST", "/api/v1/join/{token}/code"): {"child_not_found"},
    ("GET", "/api/v1/ws"): {"websocket_required"},
    # A file's first bytes may happen to be a program's (`MZ`, `#!`…): no schema of bytes says "not".
    ("POST", "/api/v1/chats/{chatId}/files"): {"file_type_refused"},
}


_PHOTO: bytes | None = None


def _photo() -> bytes:
    """A small JPEG (a profile photo must be a JPEG or PNG the server can decode)."""
    global _PHOTO
    if _PHOTO is None:
        import cv2
        import numpy as np
        _PHOTO = cv2.imencode(".jpg", np.full((120, 90, 3), 160, np.uint8))[1].tobytes()
    return _PHOTO


def _positive(case) -> bool:
    meta = getattr(case, "meta", None)
    return meta is not None and meta.generation.mode.is_positive


def _with_inn_checksum(inn):
    if not (isinstance(inn, str) and len(inn) == 10 and inn.isascii() and inn.isdigit()):
        return inn
    check = sum(int(d) * w for d, w in zip(inn, INN_WEIGHTS)) % 11 % 10
    return inn[:9] + str(check)


def _academic_year(today: datetime.date | None = None) -> int:
    today = today or datetime.date.today()
    return today.year if today.month >= 9 else today.year - 1


def _clean_line(text: str) -> str:
    """`Text.cleanLine` closely enough to compare poll options: no format or control characters,
    NFC, trimmed."""
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cf":
            continue
        if category in ("Cc", "Zl", "Zp"):
            if ch.isspace():
                kept.append(" ")
            continue
        kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)).strip()


def _fold(text: str) -> str:
    """Wider than the server's fold (lower case, «ё» as «е»): case-folded, accents dropped, so any
    two options the server takes for the same are the same here too."""
    decomposed = unicodedata.normalize("NFKD", _clean_line(text).casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@schemathesis.hook
def map_case(context, case):
    if not _positive(case) or not isinstance(case.body, dict):
        return case
    path, body = case.operation.path, case.body
    if "inn" in body:
        body["inn"] = _with_inn_checksum(body["inn"])
    if case.method.upper() == "POST" and path == "/api/v1/school-applications" and "orderFile" in body:
        body["orderFile"] = ORDER_PDF
    if case.method.upper() == "PUT" and path == "/api/v1/me/photo" and "file" in body:
        body["file"] = _photo()
    if case.method.upper() == "POST" and path == "/api/v1/schools/{schoolId}/classes" and isinstance(body.get("academicYear"), int):
        body["academicYear"] = _academic_year() - 1 + body["academicYear"] % 3
    options = body.get("options") if path == "/api/v1/chats/{chatId}/polls" else None
    if isinstance(options, list) and all(isinstance(o, str) for o in options):
        if len({_fold(o) for o in options}) != len(options):
            # Numbered, they differ however folded; still 1–100 characters with a visible one.
            body["options"] = [f"{i + 1}. {o}"[:100] for i, o in enumerate(options)]
    return case


@schemathesis.hook
def filter_failure(context, failure, case, response) -> bool:
    if type(failure).__name__ != "RejectedPositiveData":
        return True
    codes = STATE_REFUSALS.get((case.method.upper(), case.operation.path))
    if not codes:
        return True
    try:
        code = response.json()["error"]["code"]
    except Exception:
        return True
    return code not in codes
