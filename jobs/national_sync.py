"""The national sync's jobs (issue 18): send a batch, gather per-event batches, reconcile with the national side.

**Send** (:func:`send_batch`, a leased job: ``jobs/runner.py``): the batch's records not delivered yet go in chunks
of at most ``NATIONAL_SYNC_CHUNK`` (500) records through the national client (``app.national.client``). It is
idempotent end to end:

- a record's idempotency key is ``identifier:version`` (the national side stores each key once) and an item with an
  accepted receipt is never sent again (only ``queued`` and ``sent`` items are read);
- a chunk's key is the batch's key and a digest of the chunk's keys and hashes: a re-run after a crash sends the
  same chunk under the same key and the national side answers with the result it stored;
- the receipts of a chunk are stored with the items' new status, the batch's counts and the lease's heartbeat in
  **one transaction** (a run that lost its lease writes nothing);
- a rejected record is marked for the agency to fix (a new version) or resend; records the national side gave no
  receipt for (a partial answer) are sent again, a few passes at most, then the batch waits to be retried;
- a retriable error (the national side unavailable, slow, dropping the connection; a bad answer) leaves the batch
  queued with a Vietnamese note and a ``retry_at`` with exponential backoff (``NATIONAL_SYNC_RETRY_SECONDS``, doubled
  each time, at most ``NATIONAL_SYNC_RETRY_MAX_SECONDS``; failed after ``NATIONAL_SYNC_MAX_RETRIES``); the tick queues
  it again then. A refusal (authentication, a 4xx) fails the batch with the national side's Vietnamese message.
  A bad answer (malformed, wrong type, too big, a receipt for a record never sent) is logged — the app's log and
  the access log — and changes no local state.

**Tick** (:func:`tick`, every 5 minutes, ``jobs/schedule.py``): per event (ND27-SYNC), each agency's queued items go
into an event batch sent at once; batches whose retry time has come are queued again.

**Reconcile** (:func:`reconcile_national`, daily, and after a monthly batch is sent): per agency, the national
side's summary (count, digest of the sorted ``identifier:version:sha256`` lines of its latest versions) is compared
with the latest versions we sent and it accepted; when they differ, its records are read page by page and the
differences stored (``sync_reconciliation``, ``sync_difference``) for the report.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
from datetime import UTC, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, insert, literal, or_, select, update
from sqlalchemy.orm import aliased

from app import audit
from app.extensions import db
from app.services.national_sync.batches import JOB, due_retries, gather_event_batches
from app.services.national_sync.manifest import digest_of
from app.services.national_sync.outbox import TZ, now
from jobs import leases
from jobs.base import job_context
from jobs.runner import LeasedJob, Run
from models.national_sync import SyncBatch, SyncDifference, SyncItem, SyncReceipt, SyncReconciliation
from models.org_units import OrgUnit
from models.personnel import FileVersion, Person

__all__ = ["KIND", "chunk_key", "national_client", "reconcile_national", "send_batch", "tick"]

log = logging.getLogger(__name__)

#: Passes over a batch's records in one run (a partial answer leaves some without a receipt: sent again).
MAX_PASSES = 3
#: Differences kept per reconciliation run (the counts are exact).
MAX_DIFFERENCES = 5000


def _config(name: str, default):
    value = current_app.config.get(name)
    return default if value is None else type(default)(value)


#: The national side's client and record format (``app/national``), imported by name when a job needs them.
CLIENT_MODULE = "app.national.client"
RECORDS_MODULE = "app.national.records"


def national_client():
    """The national client of the configuration (``app.national.client.NationalClient.from_config``), or None when
    none is configured (``NATIONAL_API_URL`` unset) or the client is not installed."""
    try:
        client = importlib.import_module(CLIENT_MODULE)
    except ImportError:
        log.warning("national sync: the national client (%s) is not installed", CLIENT_MODULE)
        return None
    return client.NationalClient.from_config(current_app.config)


def _close(client) -> None:
    """Close the client's connections (the real client holds a connection pool)."""
    close = getattr(client, "close", None)
    if callable(close):
        close()


def _errors():
    """The national client's error classes (NationalError, NationalRefused, NationalBadResponse)."""
    client = importlib.import_module(CLIENT_MODULE)
    return client.NationalError, client.NationalRefused, client.NationalBadResponse


def _record_of(person, version) -> dict:
    """One record of the contract (``app.national.records.record_of``: identifier, version, sha256, key, file)."""
    return importlib.import_module(RECORDS_MODULE).record_of(person, version)


def chunk_key(batch_key: str, records: list[dict]) -> str:
    """The key of a chunk: the batch's key and a digest of its records' keys and hashes (the same chunk, the same
    key: the national side answers a replay with the result it stored)."""
    digest = hashlib.sha256("\n".join(f"{r['idempotency_key']}:{r['sha256']}" for r in records).encode("utf-8"))
    return f"{batch_key}.{digest.hexdigest()[:24]}"


# --------------------------------------------------------------------------- the send job


def _due(row) -> bool:
    retry_at = row.retry_at
    if retry_at is None:
        return True
    if retry_at.tzinfo is None:  # SQLite
        retry_at = retry_at.replace(tzinfo=UTC)
    return retry_at <= now()


KIND = leases.register(leases.JobKind(
    model=SyncBatch, func_name=JOB, job_timeout=6 * 3600, result_ttl=24 * 3600,
    fail_values={"state": "failed"},
    # Only batches being sent, and not those waiting for their retry time (the reconciler leaves them alone).
    rows=lambda: and_(SyncBatch.state == "sending",
                      or_(SyncBatch.retry_at.is_(None), SyncBatch.retry_at <= func.now()))))


class SendJob(LeasedJob):
    """Send one batch (``jobs/runner.py`` holds the lifecycle)."""

    kind = KIND
    summary_fields = ("done", "total")

    def failure_message(self) -> str:
        """The batch's error after an unexpected failure."""
        return _("Lỗi hệ thống khi gửi dữ liệu về CSDL quốc gia; hãy thử lại sau hoặc báo quản trị hệ thống.")

    def is_done(self, row: SyncBatch) -> bool:
        """Only a batch being sent runs."""
        return row.state != "sending" or row.status in ("finished", "failed", "idle")

    def before_claim(self, row: SyncBatch) -> dict | None:
        """A batch waiting for its retry time is left alone."""
        return None if _due(row) else self.summary("waiting", row)

    def run(self, row: SyncBatch, run: Run) -> dict:
        """Send what is left."""
        return _Sender(row, run).send()


_JOB = SendJob()


def send_batch(batch_id: int) -> dict:
    """Send batch ``batch_id``'s records not delivered yet; returns ``{"status", "done", "total"}``."""
    return _JOB(batch_id)


class _Sender:
    """One run of the send job over one batch."""

    def __init__(self, batch: SyncBatch, run: Run):
        self.run = run
        self.batch_id, self.batch_key, self.retries = batch.id, batch.batch_key, batch.retries
        self.agency_id, self.kind = batch.agency_unit_id, batch.kind
        self.chunk = min(500, max(1, _config("NATIONAL_SYNC_CHUNK", 500)))

    # ---- endings (each in the transaction that releases the lease)

    def _fail(self, message: str) -> dict:
        db.session.rollback()
        released = leases.release(SyncBatch, self.batch_id, self.run.token, "failed", conn=db.session.connection(),
                                  error=message, note=None, state="failed", retry_at=None)
        db.session.commit()
        if not released:
            raise leases.LeaseLost(f"sync_batch {self.batch_id}")
        log.warning("sync batch %s failed: %s", self.batch_id, message)
        return {"status": "failed", "done": 0, "total": 0}

    def _later(self, message: str) -> dict:
        """A retriable failure: the batch waits (exponential backoff), or fails after too many tries."""
        retries = self.retries + 1
        if retries > _config("NATIONAL_SYNC_MAX_RETRIES", 8):
            return self._fail(_("Không gửi được sau %(n)s lần thử: %(message)s", n=retries - 1, message=message))
        base = _config("NATIONAL_SYNC_RETRY_SECONDS", 60.0)
        delay = min(base * 2 ** (retries - 1), _config("NATIONAL_SYNC_RETRY_MAX_SECONDS", 3600.0))
        db.session.rollback()
        released = leases.release(
            SyncBatch, self.batch_id, self.run.token, "queued", conn=db.session.connection(), retries=retries,
            retry_at=now() + timedelta(seconds=delay), attempts=0, error=None,
            note=_("%(message)s Hệ thống sẽ tự gửi lại lúc %(time)s.", message=message,
                   time=(now() + timedelta(seconds=delay)).astimezone(TZ).strftime("%H:%M %d/%m/%Y")))
        db.session.commit()
        if not released:
            raise leases.LeaseLost(f"sync_batch {self.batch_id}")
        return {"status": "retry", "done": 0, "total": 0}

    def _bad_response(self, exc) -> dict:
        message = getattr(exc, "message", None) or str(exc)
        log.warning("sync batch %s: bad answer from the national side (%s): %s", self.batch_id,
                    type(exc).__name__, message)
        audit.log_access("national_bad_response", object_type="SyncBatch", object_id=self.batch_id,
                         org_unit_id=self.agency_id, detail={"message": message[:300],
                                                             "status": getattr(exc, "status", None)})
        return self._later(_("CSDL quốc gia trả lời không hợp lệ; không có gì thay đổi."))

    # ---- the work

    def send(self) -> dict:
        client = national_client()
        if client is None:
            return self._fail(_("Chưa cấu hình kết nối tới CSDL quốc gia (địa chỉ và khóa kết nối do Bộ Nội vụ "
                                "cấp); hãy báo quản trị hệ thống rồi gửi lại đợt này."))
        try:
            return self._send(client)
        finally:
            _close(client)

    def _send(self, client) -> dict:
        agency = db.session.get(OrgUnit, self.agency_id)
        if not agency.ma_dinh_danh:
            return self._fail(_("%(unit)s chưa có mã định danh điện tử nên chưa gửi được dữ liệu về CSDL quốc gia.",
                                unit=agency.name))
        code = agency.ma_dinh_danh
        national_error, refused, bad = _errors()
        for _pass in range(MAX_PASSES):
            after, unanswered = 0, 0
            while True:
                items = self._next(after)
                if not items:
                    break
                after = items[-1].id
                records, keys = self._records(items)
                if not records:
                    db.session.commit()
                    continue
                ckey = chunk_key(self.batch_key, records)
                db.session.commit()  # the reads end here: no transaction stays open while the national side answers
                try:
                    result = client.submit(ckey, code, records)
                except refused as exc:
                    audit.log_access("national_refused", object_type="SyncBatch", object_id=self.batch_id,
                                     org_unit_id=self.agency_id, detail={"status": getattr(exc, "status", None)})
                    return self._fail(exc.message)
                except bad as exc:
                    return self._bad_response(exc)
                except national_error as exc:
                    if not getattr(exc, "retriable", True):
                        return self._fail(exc.message)
                    return self._later(exc.message)
                unknown = [r for r in result.receipts if r.idempotency_key not in keys]
                if unknown:
                    return self._bad_response(bad(_("Biên nhận cho hồ sơ không được gửi: %(key)s",
                                                    key=unknown[0].idempotency_key[:60])))
                unanswered += self._store(ckey, result, keys)
                leases.item_delay()
            if not unanswered:
                break
        else:
            return self._later(_("CSDL quốc gia chưa xác nhận một số hồ sơ."))
        return self._finish()

    def _next(self, after: int) -> list[SyncItem]:
        return list(db.session.scalars(select(SyncItem).where(
            SyncItem.batch_id == self.batch_id, SyncItem.status.in_(("queued", "sent")), SyncItem.id > after)
            .order_by(SyncItem.id).limit(self.chunk)))

    def _records(self, items: list[SyncItem]) -> tuple[list[dict], dict[str, int]]:
        """The records of ``items`` (two queries) and idempotency key -> item id. A file without its identifier
        (số định danh cá nhân) cannot be sent: the item is rejected here, for the agency to complete the file."""
        versions = {v.id: v for v in db.session.scalars(select(FileVersion).where(
            FileVersion.id.in_([i.file_version_id for i in items])))}
        people = {p.id: p for p in db.session.scalars(select(Person).where(
            Person.id.in_({i.person_id for i in items})))}
        records, keys, local = [], {}, []
        for item in items:
            person = people[item.person_id]
            if not person.cccd:
                local.append(item.id)
                continue
            record = _record_of(person, versions[item.file_version_id])
            records.append(record)
            keys[record["idempotency_key"]] = item.id
        if local:
            moment = now()
            db.session.execute(update(SyncItem).where(SyncItem.id.in_(local)).values(
                status="rejected", receipt_code="THIEU-DINH-DANH", answered_at=moment,
                receipt_message=_("Hồ sơ chưa có số định danh cá nhân (số CCCD); hãy bổ sung rồi duyệt lại.")))
            self.run.beat(conn=db.session.connection())
        self._identifiers = {record["idempotency_key"]: record["identifier"] for record in records}
        return records, keys

    def _store(self, ckey: str, result, keys: dict[str, int]) -> int:
        """Store a chunk's receipts (one transaction, under the lease); returns how many records got none."""
        moment = now()
        answered = {r.idempotency_key: r for r in result.receipts}
        rows = [{"item_id": keys[k], "batch_id": self.batch_id, "chunk_key": ckey,
                 "national_batch_id": str(result.batch_id)[:80] if result.batch_id is not None else None,
                 "idempotency_key": k[:80], "status": r.status, "code": (r.code or None) and str(r.code)[:60],
                 "message": r.message, "received_at": moment} for k, r in answered.items()]
        if rows:
            db.session.execute(insert(SyncReceipt), rows)
        for status in ("accepted", "rejected"):
            for k, r in answered.items():
                if r.status != status:
                    continue
                db.session.execute(update(SyncItem).where(SyncItem.id == keys[k], SyncItem.status != "accepted")
                                   .values(status=status, receipt_code=(r.code or None) and str(r.code)[:60],
                                           receipt_message=r.message, answered_at=moment, sent_at=moment,
                                           attempts=SyncItem.attempts + 1,
                                           identifier=self._identifiers.get(k)))
        missing = [keys[k] for k in keys if k not in answered]
        if missing:
            db.session.execute(update(SyncItem).where(SyncItem.id.in_(missing), SyncItem.status == "queued")
                               .values(status="sent", sent_at=moment, attempts=SyncItem.attempts + 1))
        done = db.session.scalar(select(func.count()).select_from(SyncItem).where(
            SyncItem.batch_id == self.batch_id, SyncItem.status.in_(("accepted", "rejected"))))
        self.run.beat(conn=db.session.connection(), done=done,
                      national_batch_id=str(result.batch_id)[:80] if result.batch_id is not None else None)
        db.session.commit()
        return len(missing)

    def _finish(self) -> dict:
        counts = dict(db.session.execute(select(SyncItem.status, func.count()).where(
            SyncItem.batch_id == self.batch_id).group_by(SyncItem.status)).all())
        accepted, rejected = counts.get("accepted", 0), counts.get("rejected", 0)
        if self.kind == "monthly":
            listed = dict(db.session.execute(select(SyncItem.status, func.count()).where(
                SyncItem.monthly_batch_id == self.batch_id).group_by(SyncItem.status)).all())
            accepted, rejected = listed.get("accepted", 0), listed.get("rejected", 0)
        state = "partial" if rejected else "sent"
        self.run.finish(conn=db.session.connection(), state=state, accepted_count=accepted, rejected_count=rejected,
                        done=counts.get("accepted", 0) + counts.get("rejected", 0), note=None, error=None,
                        retry_at=None)
        db.session.commit()
        if self.kind == "monthly":
            try:
                from jobs import enqueue

                enqueue("jobs.national_sync.reconcile_national", self.agency_id)
            except Exception:  # noqa: BLE001 - the daily run reconciles anyway
                log.warning("sync batch %s: reconciliation not queued", self.batch_id, exc_info=True)
        return {"status": "finished", "done": accepted + rejected, "total": sum(counts.values())}


# --------------------------------------------------------------------------- the tick


def tick() -> dict[str, int]:
    """Per event (ND27-SYNC): gather each agency's queued items into event batches and send them; queue the batches
    whose retry time has come. Nothing is gathered while no national client is configured (the items wait and show
    in the overdue list). Safe to run twice and from two places at once."""
    with job_context():
        client = national_client()
        if client is None:
            return {"gathered": 0, "retried": 0}
        _close(client)
        created = gather_event_batches()
        retried = 0
        for batch_id in due_retries():
            leases.dispatch_named(JOB, batch_id)
            retried += 1
        db.session.rollback()
        if created or retried:
            log.info("national sync tick: %s event batches, %s retries", len(created), retried)
        return {"gathered": len(created), "retried": retried}


# --------------------------------------------------------------------------- reconciliation


def _ours(agency_id: int) -> dict[str, tuple[int, str, int]]:
    """identifier -> (version, sha256, person id) of the latest version we sent of each file this agency sent last,
    as the national side accepted it (streamed; identifiers decrypted)."""
    later = aliased(SyncItem)
    rows = db.session.execute(
        select(SyncItem.identifier, SyncItem.version_no, FileVersion.sha256, SyncItem.person_id)
        .join(FileVersion, FileVersion.id == SyncItem.file_version_id)
        .where(SyncItem.agency_unit_id == agency_id, SyncItem.status == "accepted",
               ~exists(select(literal(1)).where(later.person_id == SyncItem.person_id, later.status == "accepted",
                                                later.version_no > SyncItem.version_no)))
        .execution_options(yield_per=2000))
    return {identifier: (version, sha, pid) for identifier, version, sha, pid in rows if identifier}


def reconcile_national(agency_unit_id: int | None = None) -> dict[str, int]:
    """Compare, per agency (or only ``agency_unit_id``), what the national side holds with what we sent; store each
    run and its differences. Returns counts: agencies, match, differ, error."""
    with job_context():
        counts = {"agencies": 0, "match": 0, "differ": 0, "error": 0}
        client = national_client()
        if client is None:
            return counts
        if agency_unit_id is not None:
            agencies = [agency_unit_id]
        else:
            agencies = list(db.session.scalars(select(SyncItem.agency_unit_id).where(SyncItem.status == "accepted")
                                               .group_by(SyncItem.agency_unit_id)))
        try:
            for agency_id in agencies:
                try:
                    status = _reconcile(client, agency_id)
                except Exception:  # noqa: BLE001 - one agency's failure does not stop the others
                    log.exception("reconciliation of agency %s failed", agency_id)
                    db.session.rollback()
                    status = "error"
                counts["agencies"] += 1
                counts[status] += 1
        finally:
            _close(client)
        return counts


def _reconcile(client, agency_id: int) -> str:
    national_error, _refused, _bad = _errors()
    unit = db.session.get(OrgUnit, agency_id)
    ours = _ours(agency_id)
    our_digest = digest_of(f"{i}:{v}:{s}" for i, (v, s, _p) in ours.items())
    run = SyncReconciliation(agency_unit_id=agency_id, run_at=now(), our_count=len(ours), our_digest=our_digest,
                             their_count=0, missing_count=0, unexpected_count=0, different_count=0, status="error")
    try:
        if not unit.ma_dinh_danh:
            raise LookupError("agency without its code")
        summary = client.agency_summary(unit.ma_dinh_danh)
        run.their_count, run.their_digest = int(summary.get("count") or 0), summary.get("digest")
        if run.their_count == len(ours) and run.their_digest == our_digest:
            run.status = "match"
        else:
            theirs = _theirs(client, unit.ma_dinh_danh)
            run.status = "differ"
            diffs = _differences(ours, theirs, run)
            db.session.add(run)
            db.session.flush()
            if diffs:
                db.session.execute(insert(SyncDifference), [{**d, "reconciliation_id": run.id} for d in diffs])
    except national_error as exc:
        run.status, run.message = "error", exc.message
    except LookupError:
        run.status, run.message = "error", _("Cơ quan chưa có mã định danh điện tử.")
    db.session.add(run)
    db.session.commit()
    return run.status


def _theirs(client, code: str) -> dict[str, tuple[int, str]]:
    theirs: dict[str, tuple[int, str]] = {}
    cursor = None
    while True:
        items, cursor = client.agency_records(code, cursor=cursor, limit=1000)
        for entry in items:
            theirs[str(entry["identifier"])] = (int(entry["version"]), str(entry["sha256"]))
        if not cursor:
            return theirs


def _differences(ours: dict, theirs: dict, run: SyncReconciliation) -> list[dict[str, Any]]:
    diffs = []
    for identifier, (version, sha, pid) in ours.items():
        other = theirs.get(identifier)
        if other is None:
            run.missing_count += 1
            kind = "missing"
        elif other != (version, sha):
            run.different_count += 1
            kind = "different"
        else:
            continue
        if len(diffs) < MAX_DIFFERENCES:
            diffs.append({"kind": kind, "person_id": pid, "identifier": identifier, "our_version": version,
                          "our_sha256": sha, "their_version": other[0] if other else None,
                          "their_sha256": other[1] if other else None})
    for identifier, (version, sha) in theirs.items():
        if identifier in ours:
            continue
        run.unexpected_count += 1
        if len(diffs) < MAX_DIFFERENCES:
            diffs.append({"kind": "unexpected", "person_id": None, "identifier": identifier, "our_version": None,
                          "our_sha256": None, "their_version": version, "their_sha256": sha})
    return diffs

