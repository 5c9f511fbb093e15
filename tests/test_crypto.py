"""Field-level encryption (app/crypto.py, `flask crypto …`) on a throwaway PostgreSQL table."""

import base64
import json
import os
import stat
import unicodedata
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    Table,
    Text,
    insert,
    select,
    text,
)

from app import crypto
from app.crypto import (
    DecryptionError,
    EncryptedBytes,
    EncryptedJSON,
    EncryptedText,
    KeyRing,
    blind_index,
    decrypt,
    encrypt,
    encrypted_columns,
    generate_key,
    key_id,
    key_usage,
    keyring,
    mask,
    reset_keyring,
    rotate,
)

CCCD = "001200012345"
NAME = "Nguyễn Thị Hồng Nhung — số nhà 12, phường Điện Biên"

probe_metadata = MetaData()
probe = Table(
    "crypto_probe", probe_metadata,
    Column("id", Integer, primary_key=True),
    Column("secret", EncryptedText),
    Column("doc", EncryptedBytes),
    Column("info", EncryptedJSON),
    Column("note", Text),
)


@pytest.fixture(scope="module")
def probe_table(app):
    """The throwaway ``crypto_probe`` table, created for this module and dropped afterwards."""
    from app.extensions import db as _db

    with app.app_context():
        probe_metadata.create_all(_db.engine)
    yield probe
    with app.app_context():
        probe_metadata.drop_all(_db.engine)


@pytest.fixture()
def pdb(db, probe_table, app):
    """An empty probe table and a fresh key ring from the (test) config; the ring cache is dropped afterwards."""
    with db.engine.begin() as conn:
        conn.execute(text("TRUNCATE crypto_probe RESTART IDENTITY"))
    app.extensions.pop(crypto.EXTENSION_KEY, None)
    yield db
    db.session.rollback()
    app.extensions.pop(crypto.EXTENSION_KEY, None)


def use_keys(monkeypatch, app, keys=None, active=None, blind=None):
    """Swap the ring's configuration for this test (restored by monkeypatch) and drop the cached ring."""
    if keys is not None:
        monkeypatch.setitem(app.config, "ENCRYPTION_KEYS", keys)
    if active is not None:
        monkeypatch.setitem(app.config, "ENCRYPTION_ACTIVE_KEY", active)
    if blind is not None:
        monkeypatch.setitem(app.config, "BLIND_INDEX_KEY", blind)
    reset_keyring()


def t_keys(app):
    """The test config's keys as a dict kid -> base64."""
    return dict(part.split(":", 1) for part in app.config["ENCRYPTION_KEYS"].split(","))


def add_row(session, **values):
    """Insert a probe row through the encrypted types; return its id."""
    new_id = session.execute(insert(probe).values(**values).returning(probe.c.id)).scalar_one()
    session.commit()
    return new_id


def raw(session, column, row_id):
    """The stored bytes of a column, read with plain SQL."""
    value = session.execute(text(f"SELECT {column} FROM crypto_probe WHERE id = :id"), {"id": row_id}).scalar_one()
    return None if value is None else bytes(value)


# ---- round trips ---------------------------------------------------------------------------------------------


def test_round_trip_each_type_with_vietnamese_and_none(pdb):
    s = pdb.session
    info = {"cccd": CCCD, "ngày cấp": date(2021, 7, 1), "lúc": datetime(2024, 1, 2, 3, 4, 5),
            "lương": Decimal("6.20"), "ghi chú": "Quê quán Hà Tĩnh", "list": [1, None, True]}
    doc = bytes(range(256)) * 4
    full = add_row(s, secret=NAME, doc=doc, info=info, note="plain")
    empty = add_row(s, secret=None, doc=None, info=None, note=None)
    blank = add_row(s, secret="", doc=b"", info=[], note="")

    row = s.execute(select(probe).where(probe.c.id == full)).one()
    assert row.secret == NAME
    assert row.doc == doc
    assert row.info == {"cccd": CCCD, "ngày cấp": "2021-07-01", "lúc": "2024-01-02T03:04:05",
                        "lương": "6.20", "ghi chú": "Quê quán Hà Tĩnh", "list": [1, None, True]}
    assert row.note == "plain"

    row = s.execute(select(probe).where(probe.c.id == empty)).one()
    assert (row.secret, row.doc, row.info, row.note) == (None, None, None, None)
    assert raw(s, "secret", empty) is None and raw(s, "doc", empty) is None and raw(s, "info", empty) is None

    row = s.execute(select(probe).where(probe.c.id == blank)).one()
    assert (row.secret, row.doc, row.info) == ("", b"", [])
    assert raw(s, "secret", blank).startswith(b"\x01\x02t1")  # an empty string is still encrypted


def test_text_is_stored_nfc_normalised(pdb):
    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn Đức")
    assert decomposed != "Nguyễn Văn Đức"
    row_id = add_row(pdb.session, secret=decomposed)
    assert pdb.session.execute(select(probe.c.secret).where(probe.c.id == row_id)).scalar_one() == "Nguyễn Văn Đức"


def test_types_refuse_wrong_python_values(pdb):
    with pytest.raises(Exception, match="EncryptedText expects str"):
        pdb.session.execute(insert(probe).values(secret=12345))
    pdb.session.rollback()
    with pytest.raises(Exception, match="EncryptedBytes expects bytes"):
        pdb.session.execute(insert(probe).values(doc="text"))
    pdb.session.rollback()


def test_raw_column_holds_no_plaintext(pdb):
    s = pdb.session
    row_id = add_row(s, secret=f"CCCD {CCCD} {NAME}", doc=CCCD.encode(), info={"cccd": CCCD, "tên": NAME})
    for column in ("secret", "doc", "info"):
        stored = raw(s, column, row_id)
        assert stored[:4] == b"\x01\x02t1"
        assert CCCD.encode() not in stored
        assert CCCD[:6].encode() not in stored and CCCD[-6:].encode() not in stored
        assert NAME.encode("utf-8") not in stored
        assert "Nguyễn".encode() not in stored
    # The plain SQL view of the table does not reveal it either.
    dump = s.execute(text("SELECT encode(secret, 'escape') || encode(info, 'escape') FROM crypto_probe")).scalar_one()
    assert CCCD not in dump and "Nguyễn" not in dump


def test_same_value_encrypts_differently(pdb):
    a = add_row(pdb.session, secret=CCCD)
    b = add_row(pdb.session, secret=CCCD)
    assert raw(pdb.session, "secret", a) != raw(pdb.session, "secret", b)
    assert encrypt(b"x") != encrypt(b"x")
    assert decrypt(encrypt(b"x")) == b"x"


def test_blob_format(pdb):
    blob = encrypt("Hà Nội".encode())
    assert blob[0] == 1 and blob[1] == 2 and blob[2:4] == b"t1"
    assert len(blob) == 4 + 12 + len("Hà Nội".encode()) + 16
    assert key_id(blob) == "t1"
    with pytest.raises(DecryptionError):
        key_id(b"plain text")


def test_tampering_is_detected(pdb):
    row_id = add_row(pdb.session, secret=CCCD)
    blob = raw(pdb.session, "secret", row_id)
    for position in (len(blob) - 1, len(blob) - 20, 4, 10):  # tag, ciphertext, nonce
        bad = bytearray(blob)
        bad[position] ^= 0x01
        with pytest.raises(DecryptionError, match="'t1'"):
            decrypt(bytes(bad))
    # Relabelling the blob with the other kid fails too: the header is authenticated.
    with pytest.raises(DecryptionError, match="'t2'"):
        decrypt(b"\x01\x02t2" + blob[4:])
    # Tampered row in the table: reading it raises.
    bad = bytearray(blob)
    bad[-1] ^= 0xFF
    pdb.session.execute(text("UPDATE crypto_probe SET secret = :b WHERE id = :id"), {"b": bytes(bad), "id": row_id})
    with pytest.raises(DecryptionError):
        pdb.session.execute(select(probe.c.secret).where(probe.c.id == row_id)).scalar_one()
    for junk in (b"", b"\x02\x02t1" + blob[4:], b"\x01\x02t1short"):
        with pytest.raises(DecryptionError):
            decrypt(junk)


def test_unknown_kid_is_named(pdb, app, monkeypatch):
    blob = encrypt(b"secret")
    keys = t_keys(app)
    use_keys(monkeypatch, app, keys=f"t2:{keys['t2']}", active="t2")
    with pytest.raises(DecryptionError, match="'t1'.*not in the key ring"):
        decrypt(blob)


# ---- blind index and masking ---------------------------------------------------------------------------------


def test_blind_index(pdb, app, monkeypatch):
    spaced = blind_index("001 200 012 345")
    assert spaced == blind_index("001200012345") == blind_index(" 001-200-012-345 ")
    assert spaced == blind_index("００１２０００１２３４５")  # full-width digits
    assert len(spaced) == 64 and int(spaced, 16) >= 0
    assert blind_index("001200012346") != spaced
    assert blind_index(CCCD, "phone") != spaced  # kinds are separate index spaces
    assert blind_index("  Nguyễn@Example.VN ", "email") == blind_index("nguyễn@example.vn", "email")
    assert blind_index(None) is None and blind_index("") is None and blind_index("không số") is None
    assert blind_index("   ", "email") is None

    use_keys(monkeypatch, app, blind=generate_key())
    assert blind_index(CCCD) != spaced
    other = KeyRing({"x": os.urandom(32)}, "x", os.urandom(32))
    assert blind_index(CCCD, ring=other) != spaced


def test_mask():
    assert mask(CCCD) == "001*******45"
    assert mask(CCCD, keep=4) == "0012******45"
    assert mask("0912345678", keep=3) == "091*****78"
    assert mask("12345") == "*****"
    assert mask("123456") == "123*56"
    assert mask("") == ""
    assert mask(None) == ""


# ---- key ring --------------------------------------------------------------------------------------------------


def test_keyring_from_config_forms():
    k1, k2, bk = generate_key(), generate_key(), generate_key()
    ring = KeyRing.from_config({"ENCRYPTION_KEYS": f"a:{k1}, b:{k2}", "BLIND_INDEX_KEY": bk})
    assert list(ring.keys) == ["a", "b"] and ring.active == "b"  # default: the last listed
    assert ring.keys["a"] == base64.b64decode(k1) and ring.blind_key == base64.b64decode(bk)
    ring = KeyRing.from_config({"ENCRYPTION_KEYS": {"a": k1, "b": k2}, "ENCRYPTION_ACTIVE_KEY": "a",
                                "BLIND_INDEX_KEY": bk})
    assert ring.active == "a"
    assert "a" in repr(ring) and k1 not in repr(ring)


@pytest.mark.parametrize("config, message", [
    ({"ENCRYPTION_KEYS": "a:{k}", "ENCRYPTION_ACTIVE_KEY": "zz", "BLIND_INDEX_KEY": "{k}"}, "'zz' is not in"),
    ({"ENCRYPTION_KEYS": "a:" + base64.b64encode(b"short").decode(), "BLIND_INDEX_KEY": "{k}"}, "32 bytes"),
    ({"ENCRYPTION_KEYS": "a:{k}", "BLIND_INDEX_KEY": base64.b64encode(b"x" * 16).decode()}, "32 bytes"),
    ({"ENCRYPTION_KEYS": "a:{k}"}, "BLIND_INDEX_KEY must be set"),
    ({"ENCRYPTION_KEYS": "a:not base64!", "BLIND_INDEX_KEY": "{k}"}, "base64"),
    ({"ENCRYPTION_KEYS": "a{k}", "BLIND_INDEX_KEY": "{k}"}, "kid:base64key"),
    ({"ENCRYPTION_KEYS": "a:{k},a:{k}", "BLIND_INDEX_KEY": "{k}"}, "listed twice"),
    ({"ENCRYPTION_KEYS": "abcdefghijklmnopq:{k}", "BLIND_INDEX_KEY": "{k}"}, "1-16"),
    ({"ENCRYPTION_KEYS": "khóa:{k}", "BLIND_INDEX_KEY": "{k}"}, "1-16"),
    ({"ENCRYPTION_KEYS": None, "ENCRYPTION_KEYS_FILE": None}, "ENCRYPTION_KEYS must be set when DATABASE_URL"),
])
def test_keyring_config_errors(config, message):
    key = generate_key()
    config = {name: value.replace("{k}", key) if isinstance(value, str) else value for name, value in config.items()}
    with pytest.raises(RuntimeError, match=message):
        KeyRing.from_config(config)


def test_keyring_file_fallback(tmp_path):
    path = tmp_path / "instance" / "keys.json"
    ring = KeyRing.from_config({"ENCRYPTION_KEYS": None, "ENCRYPTION_KEYS_FILE": str(path)})
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    data = json.loads(path.read_text())
    assert data["active"] == ring.active and set(data["keys"]) == set(ring.keys)
    again = KeyRing.from_config({"ENCRYPTION_KEYS": "", "ENCRYPTION_KEYS_FILE": str(path)})
    assert again.keys == ring.keys and again.blind_key == ring.blind_key
    assert decrypt(encrypt(b"x", ring), again) == b"x"
    assert list(tmp_path.joinpath("instance").iterdir()) == [path]  # no temporary file left behind


def test_config_without_database_url_uses_key_file(monkeypatch):
    import importlib

    import config as config_module

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("ENCRYPTION_KEYS", raising=False)
    fresh = importlib.reload(config_module)
    try:
        assert fresh.Config.ENCRYPTION_KEYS is None
        assert fresh.Config.ENCRYPTION_KEYS_FILE.endswith(os.path.join("instance", "keys.json"))
        monkeypatch.setenv("DATABASE_URL", "postgresql://x@db/cbccvc")
        fresh = importlib.reload(config_module)
        assert fresh.Config.ENCRYPTION_KEYS_FILE is None
        with pytest.raises(RuntimeError, match="ENCRYPTION_KEYS must be set when DATABASE_URL is set"):
            KeyRing.from_config(vars(fresh.Config))
    finally:
        monkeypatch.undo()
        importlib.reload(config_module)


def test_keyring_is_cached_per_app(pdb, app, monkeypatch):
    ring = keyring()
    assert keyring() is ring and app.extensions[crypto.EXTENSION_KEY] is ring
    assert ring.active == "t1" and set(ring.keys) == {"t1", "t2"}
    use_keys(monkeypatch, app, active="t2")
    assert keyring() is not ring and keyring().active == "t2"


# ---- usage and rotation ----------------------------------------------------------------------------------------


def test_encrypted_columns():
    found = [(t.name, c.name) for t, c in encrypted_columns(probe_metadata)]
    assert found == [("crypto_probe", "secret"), ("crypto_probe", "doc"), ("crypto_probe", "info")]


def seed_rows(session, n=7):
    """n rows under the current key, some columns left NULL; returns {id: (secret, doc, info, note)}."""
    rows = {}
    for i in range(n):
        values = {
            "secret": f"CCCD 0012000{i:05d} — Trần Văn {i}",
            "doc": None if i % 3 == 0 else bytes([i]) * 40,
            "info": {"i": i, "quê": "Nghệ An"} if i % 2 else None,
            "note": f"ghi chú {i}",
        }
        rows[add_row(session, **values)] = values
    return rows


def read_all(session):
    """Decrypted probe rows by id."""
    return {r.id: {"secret": r.secret, "doc": r.doc, "info": r.info, "note": r.note}
            for r in session.execute(select(probe))}


def test_rotation(pdb, app, monkeypatch):
    s = pdb.session
    rows = seed_rows(s, 7)
    old_blob = encrypt("trước khi xoay khóa".encode())
    notes_before = s.execute(text("SELECT id, note FROM crypto_probe ORDER BY id")).all()
    assert key_usage(s, probe_metadata) == {
        "crypto_probe.secret": {"t1": 7}, "crypto_probe.doc": {"t1": 4}, "crypto_probe.info": {"t1": 3},
    }

    use_keys(monkeypatch, app, active="t2")
    new_id = add_row(s, secret="mới", doc=b"new", info=["mới"])  # written under t2 already
    assert key_id(raw(s, "secret", new_id)) == "t2"
    assert key_usage(s, probe_metadata) == {
        "crypto_probe.secret": {"t1": 7, "t2": 1}, "crypto_probe.doc": {"t1": 4, "t2": 1},
        "crypto_probe.info": {"t1": 3, "t2": 1},
    }

    counts = rotate(s, probe_metadata, batch_size=3)
    assert counts == {"crypto_probe.secret": 7, "crypto_probe.doc": 4, "crypto_probe.info": 3}
    assert key_usage(s, probe_metadata) == {
        "crypto_probe.secret": {"t2": 8}, "crypto_probe.doc": {"t2": 5}, "crypto_probe.info": {"t2": 4},
    }
    for column in ("secret", "doc", "info"):
        for (value,) in s.execute(text(f"SELECT {column} FROM crypto_probe WHERE {column} IS NOT NULL")):
            assert bytes(value).startswith(b"\x01\x02t2")
    after = read_all(s)
    for row_id, values in rows.items():
        assert after[row_id] == values
    assert after[new_id]["secret"] == "mới"
    assert s.execute(text("SELECT id, note FROM crypto_probe ORDER BY id")).all()[:7] == notes_before

    # Resumable / idempotent: nothing left to do.
    assert rotate(s, probe_metadata) == {"crypto_probe.secret": 0, "crypto_probe.doc": 0, "crypto_probe.info": 0}

    # The old key still opens blobs made before rotation … until it is retired.
    assert decrypt(old_blob) == "trước khi xoay khóa".encode()
    use_keys(monkeypatch, app, keys=f"t2:{t_keys(app)['t2']}", active="t2")
    with pytest.raises(DecryptionError, match="'t1'"):
        decrypt(old_blob)
    assert read_all(s)[new_id]["info"] == ["mới"]  # rotated rows need only t2


def test_rotation_is_resumable_after_a_crash(pdb, app, monkeypatch):
    s = pdb.session
    rows = seed_rows(s, 6)
    use_keys(monkeypatch, app, active="t2")
    calls = {"n": 0}
    real_commit = s.commit

    def crash_on_second_batch():
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("simulated crash")
        real_commit()

    monkeypatch.setattr(s, "commit", crash_on_second_batch)
    with pytest.raises(RuntimeError, match="simulated crash"):
        rotate(s, probe_metadata, batch_size=2)
    s.rollback()
    monkeypatch.setattr(s, "commit", real_commit)

    # Half-rotated: every value is still readable, under t1 or t2.
    usage = key_usage(s, probe_metadata)
    assert usage["crypto_probe.secret"] == {"t1": 4, "t2": 2}
    assert read_all(s) == rows

    counts = rotate(s, probe_metadata, batch_size=2)
    assert counts["crypto_probe.secret"] == 4
    assert key_usage(s, probe_metadata)["crypto_probe.secret"] == {"t2": 6}
    assert rotate(s, probe_metadata)["crypto_probe.secret"] == 0
    assert read_all(s) == rows


def test_rotation_leaves_a_concurrently_rewritten_value_alone(pdb, app, monkeypatch):
    s = pdb.session
    first = add_row(s, secret="cũ 1")
    second = add_row(s, secret="cũ 2")
    stale_ring = keyring()  # a process that still writes under t1
    use_keys(monkeypatch, app, active="t2")
    real_decrypt = crypto.decrypt

    def decrypt_while_someone_writes(blob, ring=None):
        if not getattr(decrypt_while_someone_writes, "done", False):
            decrypt_while_someone_writes.done = True
            with pdb.engine.begin() as conn:  # another connection, committed before rotate's UPDATE
                conn.execute(text("UPDATE crypto_probe SET secret = :b WHERE id = :id"),
                             {"b": encrypt("mới ghi".encode(), stale_ring), "id": first})
        return real_decrypt(blob, ring)

    monkeypatch.setattr(crypto, "decrypt", decrypt_while_someone_writes)
    assert rotate(s, probe_metadata)["crypto_probe.secret"] == 1  # only the second row
    monkeypatch.setattr(crypto, "decrypt", real_decrypt)
    values = dict(s.execute(select(probe.c.id, probe.c.secret)).all())
    assert values == {first: "mới ghi", second: "cũ 2"}  # the concurrent write is not lost
    assert key_id(raw(s, "secret", first)) == "t1" and key_id(raw(s, "secret", second)) == "t2"
    assert rotate(s, probe_metadata)["crypto_probe.secret"] == 1  # picked up by the next run
    assert dict(s.execute(select(probe.c.id, probe.c.secret)).all())[first] == "mới ghi"


def test_orm_mapping(pdb):
    from sqlalchemy.orm import Session, registry

    class Probe:
        pass

    mapper_registry = registry()
    mapper_registry.map_imperatively(Probe, probe)
    try:
        with Session(pdb.engine) as session:
            item = Probe()
            item.secret, item.doc, item.info = NAME, b"\x00\x01", {"a": [1, 2]}
            session.add(item)
            session.commit()
            blob = raw(session, "secret", item.id)
            item.secret = NAME  # same value: no UPDATE, the blob stays
            session.commit()
            assert raw(session, "secret", item.id) == blob
            item.secret = "Lê Thị B"
            session.commit()
            assert raw(session, "secret", item.id) != blob
            session.expire_all()
            assert (item.secret, item.doc, item.info) == ("Lê Thị B", b"\x00\x01", {"a": [1, 2]})
    finally:
        mapper_registry.dispose()


def test_rotation_stops_on_unknown_kid(pdb, app, monkeypatch):
    s = pdb.session
    row_id = add_row(s, secret="x")
    use_keys(monkeypatch, app, keys=f"t2:{t_keys(app)['t2']}", active="t2")
    with pytest.raises(DecryptionError, match=f"crypto_probe.secret id={row_id}.*'t1'"):
        rotate(s, probe_metadata)
    s.rollback()


def test_rotation_refuses_composite_primary_keys(pdb):
    meta = MetaData()
    Table("composite_probe", meta,
          Column("a", Integer, primary_key=True),
          Column("b", Integer, primary_key=True),
          Column("secret", EncryptedText))
    with pytest.raises(RuntimeError, match="composite_probe.*single-column primary key"):
        rotate(pdb.session, meta)


# ---- CLI -------------------------------------------------------------------------------------------------------


@pytest.fixture()
def cli(pdb, app, monkeypatch):
    """A CLI runner whose crypto commands work on the probe table."""
    from app.cli import crypto as cli_crypto

    monkeypatch.setattr(cli_crypto, "_metadata", lambda: probe_metadata)
    return app.test_cli_runner()


def test_cli_new_key(cli):
    result = cli.invoke(args=["crypto", "new-key", "--kid", "k2027"])
    assert result.exit_code == 0, result.output
    key = result.output.splitlines()[0]
    assert len(base64.b64decode(key)) == 32
    assert f"k2027:{key}" in result.output and "ENCRYPTION_ACTIVE_KEY=k2027" in result.output
    assert cli.invoke(args=["crypto", "new-key"]).exit_code == 0
    bad = cli.invoke(args=["crypto", "new-key", "--kid", "khóa mới"])
    assert bad.exit_code != 0 and "kid" in bad.output


def test_cli_status_and_rotate(cli, pdb, app, monkeypatch):
    s = pdb.session
    seed_rows(s, 4)
    result = cli.invoke(args=["crypto", "status"])
    assert result.exit_code == 0, result.output
    assert "active: t1" in result.output
    assert "crypto_probe.secret: t1=4" in result.output and "crypto_probe.info: t1=2" in result.output

    use_keys(monkeypatch, app, active="t2")
    result = cli.invoke(args=["crypto", "status"])
    assert "run `flask crypto rotate`" in result.output

    result = cli.invoke(args=["crypto", "rotate", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert "crypto_probe.secret: 4 re-encrypted" in result.output
    assert "crypto_probe.secret: t2=4" in result.output

    result = cli.invoke(args=["crypto", "rotate"])
    assert "Total: 0 value(s) re-encrypted." in result.output


def test_cli_status_warns_about_missing_kid(cli, pdb, app, monkeypatch):
    add_row(pdb.session, secret="x")
    use_keys(monkeypatch, app, keys=f"t2:{t_keys(app)['t2']}", active="t2")
    result = cli.invoke(args=["crypto", "status"])
    assert result.exit_code == 0
    assert "WARNING: crypto_probe.secret: 1 value(s) under key 't1', which is not in the key ring" in result.output
    result = cli.invoke(args=["crypto", "rotate"])
    assert result.exit_code == 1 and "'t1'" in result.output


def test_cli_status_reports_missing_configuration(cli, app, monkeypatch):
    monkeypatch.setitem(app.config, "ENCRYPTION_KEYS", None)
    monkeypatch.setitem(app.config, "ENCRYPTION_KEYS_FILE", None)
    reset_keyring()
    result = cli.invoke(args=["crypto", "status"])
    assert result.exit_code == 1
    assert "ENCRYPTION_KEYS must be set when DATABASE_URL is set" in result.output


def test_compressed_json_round_trips_is_smaller_and_reads_the_plain_form(app):
    """``EncryptedJSON(compressed=True)`` (an import's staged rows) deflates before encrypting: it reads back
    equal, takes a fraction of the bytes for a repetitive value, and still reads a value stored uncompressed."""
    with app.app_context():
        plain, packed = EncryptedJSON(), EncryptedJSON(compressed=True)
        value = {"rows": [{"họ tên": NAME, "cccd": CCCD, "ngày": "2021-07-01", "n": i} for i in range(200)]}
        stored_plain = plain.process_bind_param(value, None)
        stored_packed = packed.process_bind_param(value, None)
        assert packed.process_result_value(stored_packed, None) == value
        assert packed.process_result_value(stored_plain, None) == value  # written before compression
        assert len(stored_packed) * 5 < len(stored_plain)
        assert crypto.decrypt(stored_packed).startswith(b"\x00")  # the marker JSON text cannot start with
