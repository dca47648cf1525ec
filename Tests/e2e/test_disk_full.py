"""A full disk answers 507 with the API's JSON error, `/readyz` says so, nothing half-written
stays, and everything works again once there is room.

The server's data directory is a small tmpfs (or, where tmpfs cannot be mounted, a loop-mounted
ext4 image); the test fills it with a file of its own. Mounting needs root: without it the test is
skipped and says why.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import uuid

import pytest

from parta_e2e import api, approve_and_activate, create_operator, describe, expect, submit_application

SIZE_MB = 24


def assert_error(resp, status: int, code: str) -> dict:
    """A 5xx in the API's error shape (`parta_e2e.assert_error` is for 4xx)."""
    assert resp.status_code == status, f"expected HTTP {status}, got {describe(resp)}"
    assert resp.headers.get("Content-Type", "").startswith("application/json"), describe(resp)
    err = resp.json()["error"]
    assert err["code"] == code and isinstance(err["message"], str) and err["message"], describe(resp)
    return err


def mount_small_fs(target, workdir) -> str:
    """Mounts a SIZE_MB file system on `target`; returns how, or skips the test."""
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small file system for the data directory")
    tmpfs = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE_MB}m,mode=0755", "tmpfs", str(target)],
                           capture_output=True, text=True)
    if tmpfs.returncode == 0:
        return "tmpfs"
    image = workdir / "disk.img"
    steps = [["truncate", "-s", f"{SIZE_MB}M", str(image)], ["mkfs.ext4", "-q", "-F", str(image)],
             ["mount", "-o", "loop", str(image), str(target)]]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a small file system here: tmpfs: {tmpfs.stderr.strip()}; "
                        f"{' '.join(step[:2])}: {done.stderr.strip()}")
    return "ext4 loop"


def fill(path) -> None:
    """Writes `path` until the file system has no byte left."""
    with open(path, "wb", buffering=0) as f:
        for size in (1 << 20, 1 << 12, 1):
            while True:
                try:
                    f.write(b"\0" * size)
                except OSError as e:
                    assert e.errno in (errno.ENOSPC, errno.EDQUOT), e
                    break


def test_a_full_disk_answers_507_and_recovers(server_factory, tmp_path):
    srv = server_factory(extra_env={"PARTA_MIN_FREE_MB": "2", "PARTA_MESSAGES_PER_MINUTE": "100000"}, start=False)
    how = mount_small_fs(srv.data_dir, tmp_path)
    try:
        srv.start()
        on_sqlite = not srv.database_url
        operator = create_operator(srv)
        admin = approve_and_activate(srv, operator, submit_application(srv))
        chats = expect(admin.get(f"/api/v1/schools/{admin.school_id}/chats"), 200)["items"]
        chat = next(c for c in chats if c["kind"] == "channel")["id"]
        expect(admin.post(f"/api/v1/chats/{chat}/messages", json={"text": "до", "clientId": "before"}), 201)
        assert expect(api(srv).get("/readyz"), 200)["status"] == "ready"

        filler = srv.data_dir / "filler"
        fill(filler)

        # /readyz: not ready, and says why.
        err = assert_error(api(srv).get("/readyz"), 503, "insufficient_storage")
        assert "МБ" in err["message"], err

        # An upload: 507, and no file (nor a temporary one) left behind.
        files_before = sorted(os.listdir(srv.files_dir))
        big = b"%PDF-1.4\n" + os.urandom(256 * 1024)
        r = admin.post(f"/api/v1/chats/{chat}/files", files={"file": ("отчёт.pdf", big, "application/pdf")})
        err = assert_error(r, 507, "insufficient_storage")
        assert "мест" in err["message"], err
        assert sorted(os.listdir(srv.files_dir)) == files_before

        # Sends: SQLite reuses room inside its files for a while; a full disk shows within a few
        # hundred sends of 4 KB. Each one is 201 or 507, never a 500.
        refused = []
        accepted = []
        if on_sqlite:
            for i in range(400):
                client_id = f"full-{i}-{uuid.uuid4().hex[:8]}"
                r = admin.post(f"/api/v1/chats/{chat}/messages", json={"text": f"{i} " + "ж" * 2000, "clientId": client_id})
                if r.status_code == 201:
                    accepted.append(client_id)
                    continue
                assert_error(r, 507, "insufficient_storage")
                refused.append(client_id)
                if len(refused) >= 3:
                    break
            print(f"on a full {how}: {len(accepted)} sends stored, then {len(refused)} refused")
            assert refused, f"{len(accepted)} sends of 4 KB all fitted on a full {how} of {SIZE_MB} MB"
            assert_error(api(srv).get("/readyz"), 503, "insufficient_storage")
            assert srv.is_running()

        # Room again: everything works, and the refused writes are nowhere.
        os.remove(filler)
        assert expect(api(srv).get("/readyz"), 200)["status"] == "ready"
        sent = expect(admin.post(f"/api/v1/chats/{chat}/messages", json={"text": "после", "clientId": "after"}), 201)
        uploaded = expect(admin.post(f"/api/v1/chats/{chat}/files",
                                     files={"file": ("отчёт.pdf", big, "application/pdf")}), 201)
        assert admin.get(f"/api/v1/files/{uploaded['id']}").content == big
        assert not [n for n in os.listdir(srv.files_dir) if n.endswith(".tmp")]
        history = expect(admin.get(f"/api/v1/chats/{chat}/messages", params={"limit": 100}), 200)
        items = history["items"] if isinstance(history, dict) else history
        texts = [m["text"] for m in items]
        assert "после" in texts and "до" in texts
        for client_id in refused:
            assert expect(admin.post(f"/api/v1/chats/{chat}/messages",
                                     json={"text": "снова", "clientId": client_id}), 201)["text"] == "снова", \
                f"{client_id} was refused but a message with it exists"
        assert sent["text"] == "после"
    finally:
        if srv.is_running():
            srv.stop()
        subprocess.run(["umount", str(srv.data_dir)], capture_output=True)
