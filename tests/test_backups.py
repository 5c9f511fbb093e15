"""Encrypted backups, proven restore, retention (issue 20 items 1–2; HN-11.1, HN-11.2, HCM-10.1, HCM-10.2).

A seeded database with attachments is backed up by ``flask backup create`` (the archive's path printed last),
restored into a fresh database and compared table by table (an independent hash of every row, not the service's
checksum) and file by file; tampered, truncated, foreign-key archives are refused before anything is written; a
non-empty target is refused; ``verify`` proves the latest backup and alerts Sở Nội vụ's administrators when it fails;
the retention rule keeps what it must across a simulated year of monthly backups.

The archive's own storage (``where``) is parametrised: ``BACKUP_DIR`` and an S3-compatible bucket (moto's server,
the ``s3_server`` fixture of ``tests/test_storage.py``): made into the bucket (nothing left on disk), verified,
restored and tampered with there, pruned from there.
"""

import filecmp
import io
import os
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, select, text

from app.services import backups
from app.services.backups import archive as arc
from app.services.backups import postgres
from app.services.backups.retention import Kept, prune_plan
from app.services.transfers.retirement import add_months
from app.storage import S3Storage
from models.backups import Backup
from models.notifications import Notification
from tests.clients import client_for
from tests.factories import PDF, PNG, account, person_for
from tests.test_storage import BUCKET, s3_server, s3_settings  # noqa: F401 (s3_server: a fixture, by its name)

#: Tables the source writes after its dump: the backup's own row (and nothing else).
WRITTEN_AFTER_DUMP = {"public.backup"}


@pytest.fixture()
def stores(app, tmp_path, monkeypatch):
    """Upload store, PKI directory and backup directory of this test (the PKI's font cache is left out)."""
    paths = {name: tmp_path / name for name in ("uploads", "pki", "backups")}
    for key, name in (("UPLOAD_FOLDER", "uploads"), ("PKI_DIR", "pki"), ("BACKUP_DIR", "backups")):
        monkeypatch.setitem(app.config, key, str(paths[name]))
    (paths["pki"] / "fonts").mkdir(parents=True)
    (paths["pki"] / "fonts" / "cache.ttf").write_bytes(b"font cache")
    (paths["pki"] / "dev-root.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\nZGV2\n-----END CERTIFICATE-----\n")
    return paths


@pytest.fixture(params=["dir", "bucket"])
def where(request, app, stores, monkeypatch, tmp_path):
    """Where the test's archives go (``backups.backup_store()``): ``BACKUP_DIR``, or a prefix of its own in moto's
    bucket (``BACKUP_STORAGE=s3``; the attachment store stays a directory)."""
    monkeypatch.setitem(app.config, "STORAGE_SCRATCH_DIR", str(tmp_path / "scratch"))
    if request.param == "bucket":
        settings = s3_settings(request.getfixturevalue("s3_server"), f"b-{uuid.uuid4().hex[:10]}/")
        settings.update(STORAGE_BACKEND="local", BACKUP_STORAGE="s3")
    else:
        settings = {"BACKUP_STORAGE": "local"}
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    return backups.backup_store()


def _archives(store) -> list[str]:
    """The archives in a backup store (no partial file)."""
    return sorted(info.key for info in store.list() if not info.key.startswith("."))


def _left_on_disk(stores, app) -> list[str]:
    """Files under BACKUP_DIR and the scratch folder (a bucket's backup leaves none)."""
    return [name for folder in (stores["backups"], app.config["STORAGE_SCRATCH_DIR"]) if os.path.isdir(folder)
            for name in _tree(folder)]


@pytest.fixture()
def seeded(demo, stores, unit_by_name):
    """The demo city plus two files with encrypted fields and attachments (a PDF, a PNG, a 3 MiB scan spanning
    several archive chunks) and an extra stored file outside the attachment store."""
    from app.services import personnel as people

    officer = account(demo, "syt.tccb")
    unit = unit_by_name("Khoa Cấp cứu")
    big = b"%PDF-1.4\n" + os.urandom(3 * arc.CHUNK) + b"\n%%EOF\n"
    for name, cccd, gender, files in (("Nguyễn Văn An", "001080012345", "nam", [PDF, big]),
                                      ("Trần Thị Bình", "001180012346", "nu", [PNG])):
        person = person_for(demo, unit, name=name, cccd=cccd, gender=gender)
        people.save_section(officer, person.id, "work", {"start": "2005", "unit_name": "Đơn vị cũ"})
        for index, content in enumerate(files):
            filename = f"Quyết định {index}.pdf" if content.startswith(b"%PDF") else "Ảnh.png"
            people.add_attachment(officer, person.id, content, filename, "quyet_dinh", "work")
    (stores["uploads"] / "other").mkdir()
    (stores["uploads"] / "other" / "note.txt").write_bytes(b"a file the app keeps outside the attachment store")
    return demo


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["backup", *args])


def _row_hashes(url) -> dict[str, tuple[int, str]]:
    """Every user table's row count and an md5 over its rows' text sorted (independent of the service's
    checksum), read under fixed settings."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            postgres.fix_settings(conn)
            out = {}
            for schema, table in postgres.user_tables(conn):
                out[f"{schema}.{table}"] = tuple(conn.execute(text(
                    f'SELECT count(*), coalesce(md5(string_agg(t::text, chr(10) ORDER BY t::text)), \'\') '
                    f'FROM "{schema}"."{table}" AS t')).one())
            return out
    finally:
        engine.dispose()


def _tree(folder) -> list[str]:
    return sorted(os.path.relpath(os.path.join(root, f), folder) for root, _d, files in os.walk(folder)
                  for f in files)


@pytest.fixture()
def fresh_db(app):
    """An empty database on the test server (dropped afterwards)."""
    with postgres.scratch_database(app.config["SQLALCHEMY_DATABASE_URI"], "cbccvc_test_restore") as url:
        yield url


def test_backup_then_restore_gives_every_row_and_file_back(app, seeded, stores, where, fresh_db, tmp_path):
    """HN-11.1/HCM-10.1 (a backup that restores), HN-11.2/HCM-10.2 (encrypted): `flask backup create` prints the
    archive's path (or s3:// URL) last; the archive holds no clear text of the data; restored (from the directory
    or the bucket) into a fresh database, every table has the same rows and every attachment the same bytes."""
    before = _row_hashes(app.config["SQLALCHEMY_DATABASE_URI"])
    result = _cli(app, "create")
    assert result.exit_code == 0, result.output
    path = result.output.strip().splitlines()[-1]
    row = seeded.session.scalar(select(Backup).order_by(Backup.id.desc()))
    assert _archives(where) == [row.file_name] and path == backups.archive_path(row)
    if isinstance(where, S3Storage):  # in the bucket, under <S3_PREFIX>backups/; nothing on this machine's disk
        assert path == f"s3://{BUCKET}/{app.config['S3_PREFIX']}backups/{row.file_name}"
        assert row.location == f"s3://{BUCKET}/{app.config['S3_PREFIX']}backups/"
        assert _left_on_disk(stores, app) == []
    else:
        assert os.path.isfile(path) and os.path.dirname(path) == str(stores["backups"]) == row.location
        assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    blob = where.read_bytes(row.file_name)
    assert (row.status, row.size) == ("complete", len(blob))
    assert row.files == 5 and row.rows > 1000 and row.schema_revision
    for clear in (b"Khoa C\xe1\xba\xa5p c\xe1\xbb\xa9u", "Nguyễn Văn An".encode(), b"PGDMP", PDF[:20], b"dev-root"):
        assert clear not in blob

    check = backups.inspect_archive(path)
    assert check.sha256 == row.sha256 and check.files == 5 and check.size == len(blob)
    assert check.manifest["keys"]["backup_key_id"] == row.key_id
    assert set(check.manifest["keys"]["field_keys"]) == {"t1", "t2"}
    assert "public.person" in check.manifest["tables"] and check.manifest["tables"]["public.person"]["rows"] >= 2

    restored_files, restored_pki = tmp_path / "restored-uploads", tmp_path / "restored-pki"
    result = _cli(app, "restore", path, "--into", fresh_db.render_as_string(hide_password=False),
                  "--files", str(restored_files), "--pki", str(restored_pki))
    assert result.exit_code == 0, result.output
    assert "Mọi bảng khớp với bảng kê" in result.output

    after = _row_hashes(fresh_db)
    assert set(after) == set(before)
    differ = {t for t in before if before[t] != after[t]}
    assert differ <= WRITTEN_AFTER_DUMP, differ
    assert after["public.person"][0] >= 2 and after["public.attachment"][0] == 3

    assert _tree(restored_files) == _tree(stores["uploads"])
    for rel in _tree(stores["uploads"]):
        assert filecmp.cmp(stores["uploads"] / rel, restored_files / rel, shallow=False), rel
    assert _tree(restored_pki) == ["dev-root.pem"]  # the font cache is not signing material
    if isinstance(where, S3Storage):
        assert _left_on_disk(stores, app) == []  # the downloaded copies are gone


def test_restore_refuses_a_database_that_is_not_empty(app, seeded, stores, fresh_db):
    """Restore only into an empty database: a target holding a table is refused, nothing is written."""
    path = backups.archive_path(backups.create_backup())
    engine = create_engine(fresh_db)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE something (id int)"))
    result = _cli(app, "restore", path, "--into", fresh_db.render_as_string(hide_password=False))
    assert result.exit_code == 1
    assert "Cơ sở dữ liệu đích không trống (1 đối tượng)" in result.output
    with engine.connect() as conn:
        assert postgres.user_relations(conn) == 1
    engine.dispose()


def _refused(app, path, url) -> str:
    result = _cli(app, "restore", str(path), "--into", url.render_as_string(hide_password=False))
    assert result.exit_code == 1, result.output
    engine = create_engine(url)
    with engine.connect() as conn:
        assert postgres.user_relations(conn) == 0  # nothing written
    engine.dispose()
    return result.output


def test_tampered_truncated_and_foreign_archives_are_refused(app, seeded, stores, fresh_db, tmp_path, monkeypatch):
    """HN-11.2: an archive edited anywhere, cut short (at a chunk's end or inside one), made under another key or
    not an archive at all is refused with a Vietnamese message before anything is restored."""
    path = backups.archive_path(backups.create_backup())
    blob = open(path, "rb").read()
    sealed = arc.CHUNK + arc.TAG_SIZE
    assert len(blob) > 3 * sealed  # several chunks (the 3 MiB attachment)

    cases = {}
    tampered = bytearray(blob)
    tampered[arc.HEADER_SIZE + sealed + 100] ^= 0x01  # a byte of the second chunk
    cases["tampered"] = bytes(tampered)
    header = bytearray(blob)
    header[len(arc.MAGIC) + 1 + arc.KEY_ID_SIZE] ^= 0x01  # the salt: every chunk fails
    cases["header"] = bytes(header)
    cases["cut_at_chunk"] = blob[:arc.HEADER_SIZE + 2 * sealed]
    cases["cut_inside"] = blob[:len(blob) - 7]
    cases["header_only"] = blob[:arc.HEADER_SIZE]
    cases["not_archive"] = b"PGDMP" + blob[5:200]
    messages = {}
    for name, content in cases.items():
        target = tmp_path / f"{name}.cbbk"
        target.write_bytes(content)
        messages[name] = _refused(app, target, fresh_db)
    assert "đã bị sửa đổi hoặc hỏng" in messages["tampered"]
    assert "đã bị sửa đổi hoặc hỏng" in messages["header"]
    assert "bị cắt cụt (thiếu phần cuối)" in messages["cut_at_chunk"]
    assert "bị cắt cụt hoặc bị sửa đổi" in messages["cut_inside"]
    assert "bị cắt cụt" in messages["header_only"]
    assert "không phải bản sao lưu của hệ thống" in messages["not_archive"]

    monkeypatch.setitem(app.config, "BACKUP_KEY", "Jm9wZW4tc2VzYW1lLWJ1dC1ub3QtdGhpcy1vbmUhIT8=")
    wrong = _refused(app, path, fresh_db)
    assert "Khoá sao lưu không đúng" in wrong
    # The previous key, kept in BACKUP_OLD_KEYS, still opens the archives made under it.
    monkeypatch.setitem(app.config, "BACKUP_OLD_KEYS", "q0n3Xb8mJ2kY1S9vW4cR7tZ5pL6hG0fD3aE8uI2oN1M=")
    assert backups.inspect_archive(path).files == 5


def test_backup_key_must_be_its_own(app, seeded, stores, monkeypatch):
    """HN-11.2: the backup key is not a field-encryption key; a missing or malformed key is refused in Vietnamese."""
    monkeypatch.setitem(app.config, "BACKUP_KEY", "GMdZElsFaNn/Wb8KZYtgP/9kYyhZr+LBitd2MJEBiug=")  # = field key t1
    result = _cli(app, "create")
    assert result.exit_code == 1 and "Khoá sao lưu phải khác khoá mã hoá dữ liệu." in result.output
    monkeypatch.setitem(app.config, "BACKUP_KEY", "c2hvcnQ=")
    assert "BACKUP_KEY phải là khoá 32 byte" in _cli(app, "create").output
    monkeypatch.setitem(app.config, "BACKUP_KEY", None)
    assert "Chưa cấu hình khoá sao lưu BACKUP_KEY." in _cli(app, "create").output
    assert not os.listdir(stores["backups"])  # no archive
    # Each refusal is a failed backup in the log, and Sở Nội vụ's administrators are alerted (once while unread).
    failed = list(seeded.session.scalars(select(Backup).where(Backup.status == "failed").order_by(Backup.id)))
    assert [r.message for r in failed][-1] == "Chưa cấu hình khoá sao lưu BACKUP_KEY."
    assert len(failed) == 3 and all(r.file_name is None for r in failed)
    assert seeded.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "backup_failed")) == 3


def test_verify_proves_the_latest_backup_and_alerts_on_failure(app, seeded, stores, where, fresh_db, tmp_path):
    """HN-11.1/HCM-10.1 proven: `flask backup verify` restores the latest backup (from the directory or the bucket)
    into a scratch database, checks counts, checksums, attachments' SHA-256 and a sample of encrypted values, drops
    the database and records the result; a damaged archive fails, is recorded, and Sở Nội vụ's administrators are
    alerted; restoring it is refused."""
    row = backups.create_backup()
    scratch_like = "SELECT count(*) FROM pg_database WHERE datname LIKE 'cbccvc_test_f%verify%'"
    with seeded.engine.connect() as conn:
        before = conn.execute(text(scratch_like)).scalar()
    result = _cli(app, "verify")
    assert result.exit_code == 0, result.output
    assert "ĐẠT: Khôi phục thử thành công" in result.output
    seeded.session.expire_all()
    row = seeded.session.get(Backup, row.id)
    assert row.verified_ok is True and row.verified_at is not None
    with seeded.engine.connect() as conn:
        assert conn.execute(text(scratch_like)).scalar() == before  # the scratch database is gone

    # Damage the archive in place (a byte of its middle): the verification fails, is recorded and alerted.
    path = backups.archive_path(row)
    if isinstance(where, S3Storage):  # the object in the bucket is replaced
        damaged = bytearray(where.read_bytes(row.file_name))
        damaged[len(damaged) // 2] ^= 0xFF
        where.put(row.file_name, bytes(damaged))
    else:
        with open(path, "r+b") as fh:
            fh.seek(os.path.getsize(path) // 2)
            byte = fh.read(1)
            fh.seek(-1, io.SEEK_CUR)
            fh.write(bytes([byte[0] ^ 0xFF]))
    result = _cli(app, "verify")
    assert result.exit_code == 1 and "KHÔNG ĐẠT" in result.output and "đã bị sửa đổi hoặc hỏng" in result.output
    assert "đã bị sửa đổi hoặc hỏng" in _refused(app, path, fresh_db)
    seeded.session.expire_all()
    row = seeded.session.get(Backup, row.id)
    assert row.verified_ok is False and "đã bị sửa đổi" in row.message
    admin = account(seeded, "sonoivu.admin")
    alerts = list(seeded.session.scalars(select(Notification).where(Notification.kind == "backup_failed")))
    assert {n.user_id for n in alerts} == {admin.id}
    assert alerts[0].link == "/backups/" and "Kiểm tra bản sao lưu không thành công" in alerts[0].title


def test_verify_finds_an_attachment_that_differs_from_its_row(app, seeded, stores):
    """Verification checks every attachment row's SHA-256 against the archived file (a file changed on disk before
    the backup is caught), and that the keys the data needs are configured."""
    from app.services.personnel.attachments import attachment_path
    from models.personnel import Attachment

    stored = seeded.session.scalar(select(Attachment.stored_name).order_by(Attachment.id).limit(1))
    with open(attachment_path(stored), "ab") as fh:
        fh.write(b"changed on disk")
    backups.create_backup()
    row, report, message = backups.verify_backup()
    assert row.verified_ok is False and not report.ok
    assert "1 tệp đính kèm có mã SHA-256 khác với hồ sơ." in message


def test_verify_needs_the_field_keys_of_the_data(app, seeded, stores, monkeypatch):
    """A restored database is readable only with the key ring its data was encrypted under: verification fails
    (and says which kid is missing) when the configured ring lacks it."""
    from app.crypto import reset_keyring

    backups.create_backup()
    monkeypatch.setitem(app.config, "ENCRYPTION_KEYS", "t9:fp1nJGNd044GBw4wGh09tBeua0caKttHt1tOQdcTo3k=")
    monkeypatch.setitem(app.config, "ENCRYPTION_ACTIVE_KEY", "t9")
    reset_keyring()
    try:
        _row, report, message = backups.verify_backup()
    finally:
        monkeypatch.undo()
        reset_keyring()
    assert report is not None and not report.ok
    assert "Thiếu khoá mã hoá dữ liệu t1 trong cấu hình." in message
    assert "không giải mã được" in message


# --------------------------------------------------------------------------- retention


def _simulate(months: int, *, verified=lambda i: True, start=date(2026, 1, 1), keep=3):
    """Monthly backups on the 1st for ``months`` months, verified as ``verified(i)`` says, pruned right after each
    one; returns, per month, (day, the archives still stored)."""
    stored: list[Kept] = []
    history = []
    for i in range(months):
        day = add_months(start, i)
        stored.append(Kept(i + 1, day, verified(i)))
        doomed = set(prune_plan(stored, day, keep))
        stored = [k for k in stored if k.id not in doomed]
        # daily runs until the next backup prune nothing more than the rule allows
        for later in (day + timedelta(days=d) for d in range(1, 28)):
            doomed = set(prune_plan(stored, later, keep))
            stored = [k for k in stored if k.id not in doomed]
        history.append((day, list(stored)))
    return history


def test_retention_across_a_simulated_year():
    """HN-11.1 (each kept at least three months) and HCM-10.1 (kept three months once a newer backup exists): with
    monthly backups, the current one and the three before it are kept, nothing older; never the newest verified."""
    history = _simulate(14)
    for day, stored in history:
        kept_days = [k.created for k in stored]
        expected = [add_months(day, -m) for m in (3, 2, 1, 0) if add_months(day, -m) >= date(2026, 1, 1)]
        assert kept_days == expected, (day, kept_days)
        for k in stored:  # HCM-10.1: nothing is deleted before its successor is three months old
            assert k.created >= add_months(day, -3)
    # Every backup lived three months after the next one was made (HCM-10.1) before going.
    assert [k.id for k in history[-1][1]] == [11, 12, 13, 14]


def test_retention_never_deletes_the_newest_verified_backup():
    """When the verifications fail from April on, March's backup (the newest verified) stays however old."""
    history = _simulate(12, verified=lambda i: i < 3)
    for day, stored in history[2:]:
        assert 3 in {k.id for k in stored}, day
    last_day, last = history[-1]
    assert [k.id for k in last] == [3, 9, 10, 11, 12]
    # Unverified backups are kept by the same three-month rule as the others.
    assert prune_plan([Kept(1, date(2026, 1, 1), None)], date(2030, 1, 1)) == []  # the only one


def test_retention_with_irregular_and_missing_months():
    """A missed month does not shorten anyone's three months: January goes only when February's backup (its
    successor) is three months old; two backups the same month keep the older until the newer's third month."""
    stored = [Kept(1, date(2026, 1, 1), True), Kept(2, date(2026, 3, 15), True), Kept(3, date(2026, 3, 20), True),
              Kept(4, date(2026, 7, 1), True)]
    assert prune_plan(stored, date(2026, 6, 14)) == []
    assert prune_plan(stored, date(2026, 6, 15)) == [1]
    assert prune_plan(stored, date(2026, 6, 20)) == [1, 2]
    assert prune_plan(stored, date(2026, 10, 1)) == [1, 2, 3]


def test_prune_deletes_the_archives_and_keeps_the_rows(app, db, stores, where):
    """`flask backup prune` removes the archives the rule lets go (files of the directory, or objects of the
    bucket: only those, not a neighbour's), marks their rows, keeps the rest; and stale partial files."""
    now = datetime.now(UTC)
    rows = []
    for i, months in enumerate((7, 6, 5, 4, 3, 2, 1, 0)):
        name = f"b{i}.cbbk"
        where.put(name, b"x")
        created = now - timedelta(days=31 * months)
        rows.append(Backup(status="complete", location=where.location, file_name=name, size=1, created_at=created,
                           verified_ok=True, trigger="job"))
    where.put("other.cbbk", b"not in the log")
    db.session.add_all(rows)
    db.session.commit()
    scratch = where.scratch_dir()
    stale, fresh = os.path.join(scratch, ".cbccvc-old.cbbk.partial"), os.path.join(scratch, ".cbccvc-now.cbbk.partial")
    for partial in (stale, fresh):
        with open(partial, "wb") as fh:
            fh.write(b"half")
    os.utime(stale, (now.timestamp() - 2 * 86400,) * 2)
    result = _cli(app, "prune")
    assert result.exit_code == 0, result.output
    assert f"Đã xoá: {backups.archive_path(rows[0])}\n" in result.output and "b4.cbbk" not in result.output
    db.session.expire_all()
    gone = [r.file_name for r in db.session.scalars(select(Backup).where(Backup.deleted_at.is_not(None)))]
    assert sorted(gone) == ["b0.cbbk", "b1.cbbk", "b2.cbbk", "b3.cbbk"]
    assert _archives(where) == ["b4.cbbk", "b5.cbbk", "b6.cbbk", "b7.cbbk", "other.cbbk"]
    assert sorted(n for n in os.listdir(scratch) if n.endswith(".partial")) == [os.path.basename(fresh)]


# --------------------------------------------------------------------------- the job and the log screen


def test_monthly_job_backs_up_once_a_month_verifies_and_prunes(app, seeded, stores):
    """The periodic job (jobs/schedule.py) makes the month's backup, verifies it, prunes; a second run the same
    month makes nothing more (safe to run twice)."""
    from jobs.backups import monthly_backup
    from jobs.schedule import PERIODIC_JOBS

    assert ("backup-monthly", "jobs.backups.monthly_backup", "0 22 * * *") in PERIODIC_JOBS
    first = monthly_backup()
    assert first["created"] and first["verified"] is True
    second = monthly_backup()
    assert second["created"] is None and second["verified"] is None
    assert seeded.session.scalar(select(Backup.verified_ok).where(Backup.id == first["created"])) is True


def test_backup_log_screen(app, demo, stores):
    """Sở Nội vụ's administrators see each backup: created, size with a decimal comma, verification, location;
    other roles get 403 (the permission matrix walks every role)."""
    folder = str(stores["backups"])
    demo.session.add_all([
        Backup(status="complete", location=folder, file_name="cbccvc-a.cbbk", size=13_107_200, trigger="job",
               verified_ok=True, verified_at=datetime.now(UTC), message="Khôi phục thử thành công",
               created_at=datetime(2026, 3, 1, 15, tzinfo=UTC)),
        Backup(status="failed", location=folder, trigger="command", message="pg_dump báo lỗi: hết chỗ trống",
               created_at=datetime(2026, 4, 1, 15, tzinfo=UTC)),
        Backup(status="complete", location="s3://cbccvc-backups/hn/backups/", file_name="cbccvc-b.cbbk", size=2048,
               trigger="job", created_at=datetime(2026, 5, 1, 15, tzinfo=UTC)),
    ])
    demo.session.commit()
    page = client_for(app).get("/backups/").get_data(as_text=True)
    assert "Nhật ký sao lưu" in page and "12,5 MB" in page and "cbccvc-a.cbbk" in page
    rows = re.findall(r'<tr[^>]*data-id="\d+".*?</tr>', page, re.S)
    in_dir = next(html for html in rows if "cbccvc-a.cbbk" in html)
    in_bucket = next(html for html in rows if "cbccvc-b.cbbk" in html)
    assert "Thư mục trên máy chủ" in in_dir and folder in in_dir and "Kho lưu trữ S3" not in in_dir
    assert "Kho lưu trữ S3 (bucket)" in in_bucket and "s3://cbccvc-backups/hn/backups/" in in_bucket
    assert "Khôi phục thử đạt" in page and "Không tạo được" in page and "01/03/2026" in page
    assert "Nhật ký sao lưu" in page  # the menu item (under "Nhật ký")
    for username in ("syt.quantri", "sonoivu.chuyenvien", "annv.syt"):
        assert client_for(app, username).get("/backups/").status_code == 403


def test_backup_storage_follows_the_storage_backend(app, stores, monkeypatch):
    """Without BACKUP_STORAGE the archives go where the files go: BACKUP_DIR with the local backend, the bucket
    (BACKUP_S3_BUCKET, else S3_BUCKET) under <S3_PREFIX>backups/ with STORAGE_BACKEND=s3; a bucket-less or unknown
    setting is refused in Vietnamese."""
    with app.app_context():
        _check_backup_store(app, stores, monkeypatch)


def _check_backup_store(app, stores, monkeypatch) -> None:
    from app.services.errors import ValidationError
    from app.storage import LocalStorage

    monkeypatch.setitem(app.config, "BACKUP_STORAGE", None)
    monkeypatch.setitem(app.config, "STORAGE_BACKEND", "local")
    store = backups.backup_store()
    assert isinstance(store, LocalStorage) and store.location == str(stores["backups"])
    for key, value in s3_settings("http://127.0.0.1:1", "hn/").items():
        monkeypatch.setitem(app.config, key, value)
    assert backups.backup_store().location == f"s3://{BUCKET}/hn/backups/"
    monkeypatch.setitem(app.config, "BACKUP_S3_BUCKET", "cbccvc-backups")
    assert backups.backup_store().location == "s3://cbccvc-backups/hn/backups/"
    monkeypatch.setitem(app.config, "BACKUP_STORAGE", "local")
    assert isinstance(backups.backup_store(), LocalStorage)
    monkeypatch.setitem(app.config, "BACKUP_STORAGE", "s3")
    monkeypatch.setitem(app.config, "BACKUP_S3_BUCKET", None)
    monkeypatch.setitem(app.config, "S3_BUCKET", None)
    with pytest.raises(ValidationError, match="BACKUP_S3_BUCKET"):
        backups.backup_store()
    monkeypatch.setitem(app.config, "BACKUP_STORAGE", "ftp")
    with pytest.raises(ValidationError, match="«local» hoặc «s3»"):
        backups.backup_store()



def test_bucket_archive_missing_malformed_or_unreachable(app, db, stores, monkeypatch, tmp_path, request):
    """An s3:// archive that is not in the bucket, a bucket that cannot be read or a malformed URL is refused in
    Vietnamese (a verification records it); a bucket that cannot be written makes a failed backup (recorded,
    alerted) that leaves no archive on this machine's disk."""
    settings = s3_settings(request.getfixturevalue("s3_server"), "b-x/")
    settings.update(STORAGE_BACKEND="local", BACKUP_STORAGE="s3", STORAGE_SCRATCH_DIR=str(tmp_path / "scratch"))
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    result = _cli(app, "inspect", f"s3://{BUCKET}")
    assert result.exit_code == 1 and f"Địa chỉ bản sao lưu s3://{BUCKET} không hợp lệ" in result.output
    url = f"s3://{BUCKET}/b-x/backups/cbccvc-none.cbbk"
    result = _cli(app, "verify", url)
    assert result.exit_code == 1 and f"KHÔNG ĐẠT: Không có bản sao lưu {url} trong bucket." in result.output
    result = _cli(app, "inspect", "s3://cbccvc-absent/backups/cbccvc-none.cbbk")
    assert result.exit_code == 1 and "Không tải được bản sao lưu s3://cbccvc-absent/" in result.output

    monkeypatch.setitem(app.config, "BACKUP_S3_BUCKET", "cbccvc-absent")
    result = _cli(app, "create")
    assert result.exit_code == 1 and "Sao lưu không thành công: lỗi bucket S3:" in result.output
    row = db.session.scalar(select(Backup).order_by(Backup.id.desc()))
    assert (row.status, row.location, row.file_name) == ("failed", "s3://cbccvc-absent/b-x/backups/", None)
    assert _left_on_disk(stores, app) == []
