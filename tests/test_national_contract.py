"""Issue 18, items 1, 2 and 4: the national contract, the stand-in national server and the HTTP client.

The stand-in runs as a real process on a free port (``tests/national_stub.py``) and the real client talks to it over
HTTP: no mock anywhere. Every request the client makes and every answer the stand-in gives in the normal flows is
validated against ``docs/national-api.yaml`` with openapi-core ("the contract document and the stand-in agree"),
and so are the stand-in's error answers. Each fault mode of the stand-in is played against the client, with the
outcome checked on both sides (what the client raised or returned; what the national side holds, stored once).

Rules: ND27-ID (the identifier is the số định danh cá nhân), HN-13 (connection key), HN-12.2.2b (pull by CCCD).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import logging
import os
import ssl
import time
from urllib.parse import parse_qsl

import httpx
import pytest
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from sqlalchemy import select
from werkzeug.datastructures import Headers, ImmutableMultiDict

from app.national.client import (
    BatchResult,
    NationalBadResponse,
    NationalClient,
    NationalError,
    NationalRefused,
    NationalUnavailable,
)
from app.national.records import (
    RecordError,
    handover_of,
    idempotency_key,
    identifier_of,
    record_of,
    summary_digest,
)
from app.services.errors import Errors
from app.services.personnel.files import canonical_json
from app.services.transfers import handover
from models.personnel import FileVersion, Person
from tests.national_stub import national_stub, start_stub  # noqa: F401 (fixture)

SPEC_PATH = os.path.join(os.path.dirname(__file__), os.pardir, "docs", "national-api.yaml")
AGENCY = "000.00.18.H26"
OTHER_AGENCY = "000.00.03.H26"


# --------------------------------------------------------------------------- the contract, with openapi-core


class _OARequest:
    """An httpx request as openapi-core reads it."""

    def __init__(self, request: httpx.Request):
        url = request.url
        self.host_url = f"{url.scheme}://{url.netloc.decode()}"
        self.path = url.path
        self.method = request.method.lower()
        self.body = bytes(request.content) or None
        self.content_type = request.headers.get("content-type", "")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(url.query.decode())),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(),
        )


class _OAResponse:
    def __init__(self, status: int, headers: httpx.Headers, content: bytes):
        self.status_code = status
        self.headers = Headers(list(headers.items()))
        self.content_type = headers.get("content-type", "")
        self.data = content


class Recorder(httpx.HTTPTransport):
    """A real HTTP transport that keeps a copy of each exchange (request, status, headers, body) to validate."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.exchanges: list[tuple[httpx.Request, int, httpx.Headers, bytes]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        content = response.read()
        self.exchanges.append((request, response.status_code, response.headers, content))
        return httpx.Response(response.status_code, headers=response.headers, content=content,
                              extensions=response.extensions)


@pytest.fixture(scope="module")
def contract():
    """The OpenAPI file (its second server is the stand-in on 127.0.0.1, any port)."""
    return OpenAPI.from_file_path(SPEC_PATH)


def validate(contract, recorder: Recorder) -> int:
    """Every request and answer recorded, against the contract; the number checked."""
    for request, status, headers, content in recorder.exchanges:
        oa_request = _OARequest(request)
        contract.validate_request(oa_request)
        contract.validate_response(oa_request, _OAResponse(status, headers, content))
    count = len(recorder.exchanges)
    recorder.exchanges.clear()
    return count


def validate_raw(contract, response: httpx.Response) -> None:
    """One answer of a raw call (the request may be bad on purpose: only the answer is checked)."""
    request = _OARequest(response.request)
    contract.validate_response(request, _OAResponse(response.status_code, response.headers, response.content))


# --------------------------------------------------------------------------- data


@pytest.fixture(scope="module")
def demo_records(app):
    """Records of the demo city's approved file versions (``record_of`` on real ``Person``/``FileVersion`` rows)."""
    from app.extensions import db
    from tests.conftest import reset_tables

    with app.app_context():
        reset_tables(app, "demo_people")
        rows = db.session.execute(select(Person, FileVersion).join(FileVersion, FileVersion.person_id == Person.id)
                                  .order_by(Person.id, FileVersion.version_no).limit(12)).all()
        records = [record_of(person, version) for person, version in rows]
        db.session.remove()
    assert len(records) == 12
    return records


@pytest.fixture()
def stub(national_stub):  # noqa: F811
    """The module's stand-in, emptied."""
    national_stub.reset()
    yield national_stub
    national_stub.clear_faults()


def client_for(stub, **kw) -> NationalClient:  # noqa: F811
    kw.setdefault("timeout", 5.0)
    kw.setdefault("backoff", 0.01)
    return NationalClient(stub.url, stub.key, **kw)


def revised(record: dict, version: int | None = None, **changes) -> dict:
    """Another version of ``record``'s file (or the same version number with other content)."""
    out = copy.deepcopy(record)
    snap = out["file"]["snapshot"]
    for dotted, value in changes.items():
        section, _sep, name = dotted.partition("__")
        snap["sections"][section][name] = value
    if version is not None:
        out["version"] = version
        snap["meta"]["version_no"] = version
    out["idempotency_key"] = idempotency_key(out["identifier"], out["version"])
    out["sha256"] = hashlib.sha256(canonical_json(snap).encode("utf-8")).hexdigest()
    return out


def held(stub) -> dict[str, tuple[str, int]]:  # noqa: F811
    """``identifier:version`` -> (sha256, times received) of what the national side stores."""
    return {f"{r['identifier']}:{r['version']}": (r["sha256"], r["received"]) for r in stub.records()}


# --------------------------------------------------------------------------- records


def test_record_of_a_file_version_nd27_id(app, demo_people):
    """ND27-ID: the record's identifier is the person's số định danh cá nhân (12 digits), its key identifier:version,
    its sha256 the version's; the person block is the version's own identity; no CCCD, no record."""
    db = demo_people
    person, version = db.session.execute(select(Person, FileVersion).join(
        FileVersion, FileVersion.person_id == Person.id).order_by(Person.id).limit(1)).one()
    record = record_of(person, version)
    assert record["identifier"] == person.cccd and len(record["identifier"]) == 12
    assert record["idempotency_key"] == f"{person.cccd}:{version.version_no}"
    assert record["sha256"] == version.sha256 == hashlib.sha256(
        canonical_json(record["file"]["snapshot"]).encode()).hexdigest()
    assert record["file"]["person"] == {
        "cccd": person.cccd, "full_name": person.full_name, "birth_date": person.birth_date.isoformat(),
        "gender": person.gender, "category": person.category, "status": person.status}
    spaced = type("P", (), {"cccd": " ".join([person.cccd[:3], person.cccd[3:6], person.cccd[6:]])})()
    assert identifier_of(spaced) == person.cccd
    for number in (None, "", "123456789"):  # none, empty, a legacy 9-digit CMND
        with pytest.raises(RecordError) as err:
            record_of(type("P", (), {"cccd": number, "full_name": "Lê Văn B"})(), version)
        assert "số định danh cá nhân" in err.value.message


def test_summary_digest_is_order_free_and_documented():
    rows = [("079190000002", 2, "b" * 64), ("001080012345", 1, "a" * 64)]
    text = f"001080012345:1:{'a' * 64}\n079190000002:2:{'b' * 64}\n"
    assert summary_digest(rows) == hashlib.sha256(text.encode()).hexdigest() == summary_digest(reversed(rows))
    assert summary_digest([]) == hashlib.sha256(b"").hexdigest()


# --------------------------------------------------------------------------- the normal flows, validated


def test_submit_replay_duplicate_conflict_and_batch_status(stub, contract, demo_records):
    """A batch is stored once per record version; the same batch_key again is the stored result (nothing
    processed twice); the same records in a new batch are accepted again (DUPLICATE) and still stored once; the
    same version with other content is rejected (CONFLICT) and the stored one kept. Every request and answer
    agrees with the contract."""
    records = demo_records[:6]
    recorder = Recorder()
    with client_for(stub, transport=recorder) as client:
        first = client.submit("b-0001", AGENCY, records)
        assert isinstance(first, BatchResult) and first.status == "complete" and first.batch_key == "b-0001"
        assert [(r.idempotency_key, r.status, r.code) for r in first.receipts] == [
            (rec["idempotency_key"], "accepted", "ACCEPTED") for rec in records]
        assert all(r.message == "Đã nhận." for r in first.receipts)
        stored = held(stub)
        assert stored == {rec["idempotency_key"]: (rec["sha256"], 1) for rec in records}

        again = client.submit("b-0001", AGENCY, records)  # a lost answer, sent again
        assert again == first
        assert held(stub) == stored

        dup = client.submit("b-0002", AGENCY, records[:2])
        assert dup.batch_id != first.batch_id and dup.status == "complete"
        assert [r.code for r in dup.receipts] == ["DUPLICATE", "DUPLICATE"] and all(r.accepted for r in dup.receipts)
        assert {k: v[1] for k, v in held(stub).items()} == {rec["idempotency_key"]: (2 if i < 2 else 1)
                                                             for i, rec in enumerate(records)}

        changed = revised(records[0], **{"background__previous_occupation": "Kỹ sư"})
        assert changed["idempotency_key"] == records[0]["idempotency_key"] and changed["sha256"] != records[0]["sha256"]
        conflict = client.submit("b-0003", AGENCY, [changed, revised(records[1], version=2)])
        assert [(r.status, r.code) for r in conflict.receipts] == [("rejected", "CONFLICT"), ("accepted", "ACCEPTED")]
        assert "nội dung khác" in conflict.receipts[0].message
        assert held(stub)[records[0]["idempotency_key"]][0] == records[0]["sha256"]
        assert len(stub.records()) == 7

        status = client.batch(first.batch_id, records)
        assert status == first
        assert client.batch(conflict.batch_id).receipts == conflict.receipts
        with pytest.raises(NationalRefused) as err:
            client.batch("no-such-batch")
        assert err.value.status == 404 and err.value.code == "NOT_FOUND"
    assert validate(contract, recorder) == 7


def test_pull_by_cccd_goes_through_the_hand_over_import_hn_12_2_2b(stub, contract, demo_records, app, demo_people):
    """HN-12.2.2b: a file pulled by its số định danh is the hand-over JSON with every version held (latest in
    ``file``): ``handover.parse_package`` reads it as it reads a package of issue 12, and ``import_package`` makes
    the file from it. Unknown: None; not 12 digits: refused before any request."""
    from tests.factories import account

    record = demo_records[0]
    newer = revised(record, version=2, **{"background__previous_occupation": "Giáo viên"})
    recorder = Recorder()
    with client_for(stub, transport=recorder) as client:
        assert all(r.accepted for r in client.submit("pull-1", AGENCY, [record, newer]).receipts)
        doc = client.get_file(record["identifier"])
        assert client.get_file("079199999999") is None
        with pytest.raises(ValueError):
            client.get_file("../batches")
    assert validate(contract, recorder) == 3
    assert doc["format"] == "cbccvc-handover" and doc["person"]["cccd"] == record["identifier"]
    assert doc["file"]["version_no"] == 2 and doc["file"]["sha256"] == newer["sha256"]
    assert [h["version_no"] for h in doc["history"]] == [1, 2]

    errors = Errors()
    package = handover.parse_package(handover_of(doc), errors)
    assert not errors and package is not None
    assert package.cccd == record["identifier"] and package.category == record["file"]["person"]["category"]
    assert package.snapshot == newer["file"]["snapshot"]
    assert [h["version_no"] for h in package.history] == [1, 2]

    # The arriving person's file in this city: the person is not here any more (its CCCD moved aside).
    db = demo_people
    from app.services.personnel.people import find_by_cccd
    from models.org_units import OrgUnit

    find_by_cccd(record["identifier"]).cccd_index = "moved-away"
    db.session.commit()
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.name == "Trường THPT Kim Liên"))
    person = handover.import_package(account(db, "sonoivu.admin"), package, unit, None)
    db.session.flush()
    assert person.cccd == record["identifier"] and person.version_no == 2
    assert person.full_name == record["file"]["person"]["full_name"]
    assert person.previous_occupation == "Giáo viên"
    db.session.rollback()

    tampered = copy.deepcopy(doc)
    tampered["file"]["snapshot"]["sections"]["identity"]["given_name"] = "Khác"
    errors = Errors()
    assert handover.parse_package(handover_of(tampered), errors) is None and errors


def test_agency_records_and_summary_for_reconciliation(stub, contract, demo_records):
    """The agency's latest versions page by page (cursor), and their count + digest; a person whose newer
    version another agency sent belongs to that agency now."""
    mine, theirs = demo_records[:7], demo_records[7:9]
    recorder = Recorder()
    with client_for(stub, transport=recorder) as client:
        client.submit("rec-1", AGENCY, mine)
        client.submit("rec-2", OTHER_AGENCY, theirs + [revised(mine[0], version=5)])
        pages, cursor = [], None
        while True:
            items, cursor = client.agency_records(AGENCY, cursor, limit=2)
            pages.append(items)
            if cursor is None:
                break
        summary = client.agency_summary(AGENCY)
        other = client.agency_summary(OTHER_AGENCY)
        empty = client.agency_summary("000.00.99.H26")
        lists = client.code_lists()
    assert validate(contract, recorder) == 2 + len(pages) + 3 + 1
    assert [len(p) for p in pages] == [2, 2, 2]
    got = [item for page in pages for item in page]
    expected = sorted((r["identifier"], r["version"], r["sha256"]) for r in mine[1:])
    assert [(i["identifier"], i["version"], i["sha256"]) for i in got] == expected
    assert summary == {"count": 6, "digest": summary_digest(expected)}
    assert other["count"] == 3
    assert empty == {"count": 0, "digest": hashlib.sha256(b"").hexdigest()}
    kinds = {k["kind"]: {c["code"] for c in k["codes"]} for k in lists["kinds"]}
    assert kinds["gender"] == {"nam", "nu"} and "01" in kinds["ethnicity"]


# --------------------------------------------------------------------------- bad input to the national side


def _raw(stub):  # noqa: F811
    return httpx.Client(base_url=stub.url, headers={"X-API-Key": stub.key}, timeout=10)


def test_every_record_is_checked_and_bad_ones_rejected_one_by_one(stub, contract, demo_records):
    """The stand-in checks each record (identifier shape, its province, century+sex and birth-year digits against
    the file, the checksum, the key, required items, value types, code-list codes) and rejects a bad one in its
    own receipt with a code and a Vietnamese message; the good ones of the same batch are stored."""
    good = demo_records[0]
    born = good["file"]["person"]["birth_date"]
    year = int(born[:4])
    ident = good["identifier"]
    wrong_year = ident[:4] + "%02d" % ((year + 1) % 100) + ident[6:]
    other_sex = ident[:3] + str(int(ident[3]) ^ 1) + ident[4:]

    def with_identifier(number):
        rec = copy.deepcopy(good)
        rec["identifier"] = rec["file"]["person"]["cccd"] = number
        rec["file"]["snapshot"]["sections"]["documents"]["cccd"] = number
        return revised(rec)

    bad_sha = copy.deepcopy(demo_records[1])
    bad_sha["sha256"] = "0" * 64
    bad_key = copy.deepcopy(demo_records[2])
    bad_key["idempotency_key"] = demo_records[2]["identifier"] + ":99"
    no_name = revised(demo_records[3], **{"identity__given_name": ""})
    unknown_code = revised(demo_records[4], **{"identity__ethnicity": "ZZ"})
    bad_date = revised(demo_records[5], **{"background__recruited_on": "09/09/1992"})
    mismatch = copy.deepcopy(demo_records[6])
    mismatch["file"]["person"]["cccd"] = demo_records[7]["identifier"]
    no_file = {k: v for k, v in demo_records[8].items() if k != "file"}
    cases = [
        (with_identifier("999" + ident[3:]), "INVALID_IDENTIFIER", "mã tỉnh"),
        (with_identifier(wrong_year), "IDENTIFIER_MISMATCH", "năm sinh"),
        (with_identifier(other_sex), "IDENTIFIER_MISMATCH", "giới tính"),
        (bad_sha, "CHECKSUM_MISMATCH", "SHA-256"),
        (bad_key, "INVALID_IDEMPOTENCY_KEY", "Khóa chống trùng"),
        (no_name, "MISSING_FIELD", "tên (mục 1)"),
        (unknown_code, "UNKNOWN_CODE", "“ZZ”"),
        (bad_date, "INVALID_VALUE", "09/09/1992"),
        (mismatch, "IDENTIFIER_MISMATCH", "khác với số CCCD"),
        (no_file, "INVALID_RECORD", "thông tin người"),
    ]
    batch = [good] + [c[0] for c in cases]
    with _raw(stub) as raw:
        resp = raw.post("/v1/batches", json={"batch_key": "bad-1", "agency_code": AGENCY, "records": batch},
                        headers={"Idempotency-Key": "bad-1"})
    assert resp.status_code == 200
    validate_raw(contract, resp)
    receipts = resp.json()["receipts"]
    assert resp.json()["status"] == "complete" and len(receipts) == len(batch)
    assert (receipts[0]["status"], receipts[0]["code"]) == ("accepted", "ACCEPTED")
    for receipt, (_rec, code, words) in zip(receipts[1:], cases, strict=True):
        assert (receipt["status"], receipt["code"]) == ("rejected", code), receipt
        assert words in receipt["message"], receipt
    assert list(held(stub)) == [good["idempotency_key"]]


def test_bad_requests_get_the_error_shape(stub, contract, demo_records, tmp_path):
    """Every 4xx/5xx is ``{"error": {"code", "message"}}`` (validated against the contract): no key or a wrong one
    (401), a body that is not JSON (400) or not application/json (415), a missing or different Idempotency-Key
    (400), a batch key reused by another agency (409), an unknown batch or path (404), a wrong method (405), too
    many records (400), a bad cursor or limit (400); nothing is stored by any of them."""
    body = {"batch_key": "e-1", "agency_code": AGENCY, "records": demo_records[:1]}
    with _raw(stub) as raw:
        cases = [
            (httpx.post(f"{stub.url}/v1/batches", json=body, headers={"Idempotency-Key": "e-1"}), 401,
             "UNAUTHORIZED"),
            (raw.post("/v1/batches", json=body, headers={"Idempotency-Key": "e-1", "X-API-Key": "wrong"}), 401,
             "UNAUTHORIZED"),
            (raw.post("/v1/batches", content=b'{"batch_key": ', headers={"Idempotency-Key": "e-1",
                                                                          "Content-Type": "application/json"}),
             400, "BAD_REQUEST"),
            (raw.post("/v1/batches", content=json.dumps(body).encode(), headers={"Idempotency-Key": "e-1",
                                                                                 "Content-Type": "text/plain"}),
             415, "UNSUPPORTED_MEDIA_TYPE"),
            (raw.post("/v1/batches", json=body), 400, "IDEMPOTENCY_KEY_REQUIRED"),
            (raw.post("/v1/batches", json=body, headers={"Idempotency-Key": "e-2"}), 400, "IDEMPOTENCY_KEY_MISMATCH"),
            (raw.post("/v1/batches", json={**body, "records": demo_records[:1] * 2},
                      headers={"Idempotency-Key": "e-1"}), 400, "DUPLICATE_RECORD"),
            (raw.post("/v1/batches", json={**body, "records": [{"identifier": 1}]},
                      headers={"Idempotency-Key": "e-1"}), 400, "BAD_REQUEST"),
            (raw.post("/v1/batches", json={**body, "records": [{"x": 1}] * 1001},
                      headers={"Idempotency-Key": "e-1"}), 400, "TOO_MANY_RECORDS"),
            (raw.get("/v1/batches/nope"), 404, "NOT_FOUND"),
            (raw.get("/v1/files/12345"), 400, "INVALID_IDENTIFIER"),
            (raw.get(f"/v1/agencies/{AGENCY}/records", params={"limit": "0"}), 400, "BAD_REQUEST"),
            (raw.get(f"/v1/agencies/{AGENCY}/records", params={"cursor": "!!"}), 400, "BAD_REQUEST"),
        ]
        assert held(stub) == {}
        assert raw.post("/v1/batches", json=body, headers={"Idempotency-Key": "e-1"}).status_code == 200
        cases.append((raw.post("/v1/batches", json={**body, "agency_code": OTHER_AGENCY},
                               headers={"Idempotency-Key": "e-1"}), 409, "BATCH_CONFLICT"))
        unlisted = [(raw.get("/v1/nothing-here"), 404, "NOT_FOUND"), (raw.delete("/v1/code-lists"), 405,
                                                                     "METHOD_NOT_ALLOWED")]
    for resp, status, code in cases:
        assert (resp.status_code, resp.json()["error"]["code"]) == (status, code), resp.text
        assert resp.json()["error"]["message"]
        validate_raw(contract, resp)
    for resp, status, code in unlisted:  # not paths of the contract: the same error shape all the same
        assert (resp.status_code, set(resp.json()), resp.json()["error"]["code"]) == (status, {"error"}, code)
    assert list(held(stub)) == [demo_records[0]["idempotency_key"]]


def test_body_cap_and_rate_limit_of_the_stand_in(tmp_path, demo_records, contract):
    """A body over the stand-in's cap is 413 and a request over its rate 429 with Retry-After (the error shape);
    the client waits the Retry-After and gets through."""
    with start_stub(tmp_path, rate=1, extra=("--burst", "1", "--max-body", "20000")) as small:
        waits = []
        client = client_for(small, sleep=lambda s: (waits.append(s), time.sleep(s)))
        with client, _raw(small) as raw:
            too_big = raw.post("/v1/batches", json={"batch_key": "big", "agency_code": AGENCY,
                                                    "records": demo_records[:3]}, headers={"Idempotency-Key": "big"})
            limited = raw.get("/v1/code-lists")
            assert client.code_lists()["kinds"]
        assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
        assert limited.status_code == 429 and limited.json()["error"]["code"] == "RATE_LIMITED"
        assert int(limited.headers["Retry-After"]) >= 1
        for resp in (too_big, limited):
            validate_raw(contract, resp)
        assert waits and waits[0] >= 1
        assert small.records() == []


# --------------------------------------------------------------------------- fault modes, both sides


def test_refuse_is_not_retried(stub, demo_records):
    """refuse: 401 (or 403) is a NationalRefused, not retried, nothing stored."""
    for status in (401, 403):
        stub.set_fault("refuse", count=5, status=status)
        with client_for(stub) as client, pytest.raises(NationalRefused) as err:
            client.submit("r-1", AGENCY, demo_records[:2])
        assert (err.value.status, err.value.retriable) == (status, False)
        assert "khóa kết nối" in err.value.message
        assert len(stub.pending_faults()) == 1 and stub.pending_faults()[0]["count"] == 4  # one attempt only
        stub.clear_faults()
    assert held(stub) == {}


def test_error500_retried_then_given_up(stub, demo_records):
    """error500: retried with backoff; when it lasts longer than the retries, NationalUnavailable, nothing stored."""
    records = demo_records[:3]
    waits = []
    stub.set_fault("error500", count=2)
    with client_for(stub, retries=2, backoff=0.02, sleep=waits.append) as client:
        result = client.submit("e5-1", AGENCY, records)
    assert result.status == "complete" and waits == [0.02, 0.04]
    stub.set_fault("error500", count=3)
    with client_for(stub, retries=1, sleep=lambda s: None) as client, pytest.raises(NationalUnavailable) as err:
        client.submit("e5-2", AGENCY, demo_records[3:5])
    assert (err.value.status, err.value.retriable) == (500, True)
    assert set(held(stub)) == {r["idempotency_key"] for r in records}


def test_timeout_stores_once_and_the_retry_gets_the_stored_result(stub, demo_records):
    """timeout: the stand-in stores the batch then answers after the client gave up; the retry (same batch key)
    gets the stored receipts; without retries the caller sees NationalUnavailable and its later resend is
    answered from what was stored. Each record is stored once."""
    records = demo_records[:3]
    stub.set_fault("timeout", delay=2.5)
    with client_for(stub, timeout=1.0, retries=1) as client:
        result = client.submit("t-1", AGENCY, records)
    assert result.status == "complete" and [r.code for r in result.receipts] == ["ACCEPTED"] * 3
    stub.set_fault("timeout", delay=2.5)
    with client_for(stub, timeout=1.0, retries=0) as client:
        with pytest.raises(NationalUnavailable) as err:
            client.submit("t-2", AGENCY, demo_records[3:5])
        assert err.value.retriable and "không trả lời" in err.value.message
        assert set(held(stub)) == {r["idempotency_key"] for r in demo_records[:5]}  # stored before answering
        resent = client.submit("t-2", AGENCY, demo_records[3:5])
    assert [r.code for r in resent.receipts] == ["ACCEPTED", "ACCEPTED"]
    assert all(n == 1 for _sha, n in held(stub).values())


def test_partial_then_resend_completes_the_batch(stub, demo_records):
    """partial: only the first k records get a receipt; the client returns the partial result and which records
    are missing; sending the batch again (same key) processes only those; the batch is then complete."""
    records = demo_records[:5]
    stub.set_fault("partial", accept=2)
    with client_for(stub) as client:
        first = client.submit("p-1", AGENCY, records)
        assert first.status == "partial" and len(first.receipts) == 2
        missing = first.missing(records)
        assert [r["idempotency_key"] for r in missing] == [r["idempotency_key"] for r in records[2:]]
        assert client.batch(first.batch_id).status == "partial"
        assert len(held(stub)) == 2
        second = client.submit("p-1", AGENCY, missing)
        assert second.status == "complete" and [r.code for r in second.receipts] == ["ACCEPTED"] * 3
        whole = client.batch(first.batch_id, records)
    assert whole.status == "complete" and [r.idempotency_key for r in whole.receipts] == [
        r["idempotency_key"] for r in records]
    assert all(n == 1 for _sha, n in held(stub).values()) and len(held(stub)) == 5


def test_slow_answer_within_the_timeout(stub, demo_records):
    stub.set_fault("slow", delay=0.4)
    with client_for(stub, timeout=2.0, retries=0) as client:
        assert client.submit("s-1", AGENCY, demo_records[:2]).status == "complete"
    assert len(held(stub)) == 2


def test_drop_mid_answer_is_unavailable_and_resumable(stub, demo_records):
    """drop: the stand-in stores the batch and closes the connection half-way through its answer: the client
    raises NationalUnavailable (no retries) or retries and gets the stored result; stored once either way."""
    records = demo_records[:4]
    stub.set_fault("drop")
    with client_for(stub, retries=0) as client:
        with pytest.raises(NationalUnavailable) as err:
            client.submit("d-1", AGENCY, records)
        assert err.value.retriable
        assert set(held(stub)) == {r["idempotency_key"] for r in records}
        stub.set_fault("drop")
        with client_for(stub, retries=1) as retrying:
            result = retrying.submit("d-1", AGENCY, records)
        assert result.status == "complete" and [r.code for r in result.receipts] == ["ACCEPTED"] * 4
        stub.set_fault("drop", path="/v1/files/")
        with client_for(stub, retries=1) as retrying:
            assert retrying.get_file(records[0]["identifier"])["file"]["version_no"] == records[0]["version"]
    assert all(n == 1 for _sha, n in held(stub).values())


@pytest.mark.parametrize("mode, kw, words", [
    ("malformed", {}, "JSON không hợp lệ"),
    ("wrong_type", {}, "không phải JSON"),
    ("huge", {"size": 3 * 1024 * 1024}, "lớn hơn 1 MB"),
    ("huge", {"size": 3 * 1024 * 1024, "content_length": True}, "lớn hơn 1 MB"),
    ("unknown_receipt", {}, "không có trong lô"),
])
def test_bad_answers_are_refused_logged_and_retried(stub, demo_records, caplog, monkeypatch, mode, kw, words):
    """Bad input from the national side (malformed JSON, another content type, a body over the cap, chunked or
    declared, a receipt for a record never sent) is logged and refused as NationalBadResponse, retriable; the
    national side stored the batch once, and a retry gets a sound answer. The log names no identifier."""
    records = demo_records[:3]
    stub.set_fault(mode, **kw)
    # The test app's ``flask db upgrade`` runs Alembic's fileConfig, which disables the loggers that existed then.
    monkeypatch.setattr(logging.getLogger("app.national.client"), "disabled", False)
    caplog.set_level(logging.WARNING, logger="app.national.client")
    with client_for(stub, retries=0, max_body_bytes=1024 * 1024) as client:
        with pytest.raises(NationalBadResponse) as err:
            client.submit("bad-answer", AGENCY, records)
        assert err.value.retriable and words in err.value.message
        assert any("bad response refused" in r.getMessage() or "never sent" in r.getMessage()
                   for r in caplog.records)
        assert not any(rec["identifier"] in r.getMessage() for r in caplog.records for rec in records)
        assert "079199000001" not in caplog.text  # the ghost receipt's identifier is masked too
        stub.set_fault(mode, **kw)
        with client_for(stub, retries=1, max_body_bytes=1024 * 1024) as retrying:
            result = retrying.submit("bad-answer", AGENCY, records)
    assert result.status == "complete" and len(result.receipts) == 3
    assert {r.idempotency_key for r in result.receipts} == {r["idempotency_key"] for r in records}
    assert all(n == 1 for _sha, n in held(stub).values()) and len(held(stub)) == 3


def test_bad_answers_on_reads(stub, demo_records):
    """The read calls refuse bad answers the same way (a pulled file that is not JSON, a summary over the cap)."""
    with client_for(stub, retries=0, max_body_bytes=100_000) as client:
        client.submit("reads", AGENCY, demo_records[:1])
        stub.set_fault("wrong_type", path="/v1/files/")
        with pytest.raises(NationalBadResponse):
            client.get_file(demo_records[0]["identifier"])
        stub.set_fault("huge", size=200_000, path="/v1/agencies/")
        with pytest.raises(NationalBadResponse):
            client.agency_summary(AGENCY)
        stub.set_fault("malformed", path="/v1/code-lists")
        with pytest.raises(NationalBadResponse):
            client.code_lists()


def test_rate_limit_fault_honours_retry_after(stub, demo_records):
    """429: retried after Retry-After (not the shorter backoff); a Retry-After longer than the client waits ends
    the call with NationalUnavailable carrying the wait for the caller's scheduler."""
    waits = []
    stub.set_fault("rate_limit", retry_after=2)
    with client_for(stub, retries=2, backoff=0.01, sleep=waits.append) as client:
        assert client.submit("rl-1", AGENCY, demo_records[:1]).status == "complete"
        assert waits == [2.0]
        stub.set_fault("rate_limit", retry_after=120)
        with pytest.raises(NationalUnavailable) as err:
            client.submit("rl-2", AGENCY, demo_records[1:2])
    assert (err.value.status, err.value.retry_after) == (429, 120.0) and waits == [2.0]
    assert len(held(stub)) == 1


def test_connection_refused_is_unavailable(tmp_path):
    with start_stub(tmp_path) as gone:
        url = gone.url
    client = NationalClient(url, "k", timeout=1, retries=1, sleep=lambda s: None)
    with client, pytest.raises(NationalUnavailable) as err:
        client.code_lists()
    assert err.value.retriable and err.value.status is None


# --------------------------------------------------------------------------- settings, mutual TLS, commands


def test_from_config(app):
    assert NationalClient.from_config({}) is None
    assert NationalClient.from_config(app.config) is None  # NATIONAL_API_URL unset by default
    client = NationalClient.from_config({"NATIONAL_API_URL": "http://127.0.0.1:9/", "NATIONAL_API_KEY": "k",
                                         "NATIONAL_API_TIMEOUT": 7, "NATIONAL_API_RETRIES": 0,
                                         "NATIONAL_API_BACKOFF": 0.1})
    assert (client.base_url, client.timeout, client.retries, client.backoff) == ("http://127.0.0.1:9", 7.0, 0, 0.1)
    client.close()
    with pytest.raises(ValueError):
        NationalClient.from_config({"NATIONAL_API_URL": "http://127.0.0.1:9"})  # a URL without its key


def _pki(directory):
    """A CA, a server certificate for 127.0.0.1 and a client certificate (the city's), as PEM files."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def write(stem, cert, key):
        (directory / f"{stem}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (directory / f"{stem}.key").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        return str(directory / f"{stem}.pem"), str(directory / f"{stem}.key")

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("Test national CA")).issuer_name(name("Test national CA"))
          .public_key(ca_key.public_key()).serial_number(1).not_valid_before(now - dt.timedelta(days=1))
          .not_valid_after(now + dt.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    out = {"ca": write("ca", ca, ca_key)[0]}
    for stem, usage, san in (("server", ExtendedKeyUsageOID.SERVER_AUTH,
                              x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])),
                             ("client", ExtendedKeyUsageOID.CLIENT_AUTH, None)):
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (x509.CertificateBuilder().subject_name(name(f"test {stem}")).issuer_name(ca.subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
                   .add_extension(x509.ExtendedKeyUsage([usage]), critical=False))
        if san is not None:
            builder = builder.add_extension(san, critical=False)
        out[stem] = write(stem, builder.sign(ca_key, hashes.SHA256()), key)
    return out


def test_mutual_tls(tmp_path, demo_records):
    """Mutual TLS where configured: the stand-in over HTTPS requiring a client certificate of the city's CA; the
    client with its certificate and the CA bundle gets through, without its certificate it is refused."""
    pki = _pki(tmp_path)
    helper = ssl.create_default_context(cafile=pki["ca"])
    helper.load_cert_chain(*pki["client"])
    extra = ("--tls-cert", pki["server"][0], "--tls-key", pki["server"][1], "--client-ca", pki["ca"])
    with start_stub(tmp_path, extra=extra, verify=helper) as tls:
        assert tls.url.startswith("https://127.0.0.1:")
        with NationalClient(tls.url, tls.key, client_cert=pki["client"], ca_bundle=pki["ca"], timeout=5) as client:
            assert client.submit("tls-1", AGENCY, demo_records[:1]).status == "complete"
        with NationalClient(tls.url, tls.key, ca_bundle=pki["ca"], timeout=5, retries=0) as anonymous:
            with pytest.raises(NationalError) as err:
                anonymous.code_lists()
        assert isinstance(err.value, NationalRefused)
        with NationalClient(tls.url, tls.key, client_cert=pki["client"], timeout=5, retries=0) as untrusting:
            with pytest.raises(NationalRefused):  # the server's CA is not in the default trust store
                untrusting.code_lists()
        assert len(tls.records()) == 1


def test_the_two_ways_to_start_the_stand_in(app):
    """``flask national-stub`` is registered with the other commands; ``python -m app.national_stub`` too."""
    import subprocess
    import sys

    result = app.test_cli_runner().invoke(args=["national-stub", "--help"])
    assert result.exit_code == 0 and "--data" in result.output and "--key" in result.output
    out = subprocess.run([sys.executable, "-m", "app.national_stub", "--help"], capture_output=True, text=True,
                         timeout=60, check=True)
    assert "--control-key" in out.stdout
