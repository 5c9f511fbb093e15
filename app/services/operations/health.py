"""Liveness and readiness of a web node (issue 20 item 4; HCM-4.2 "available 24/24").

- :func:`liveness` — ``/healthz`` for the load balancer: the process answers. No database, no Redis, no I/O.
- :func:`readiness` — ``/readyz``: the database answers, Redis answers (when ``REDIS_URL`` is set), RQ workers
  are registered, the queue depths, the last heartbeat of the running background jobs, and the age of the newest
  verified backup (``models/backups.Backup``). Required parts (the database, Redis when configured) make the
  node *not ready* (HTTP 503); the others only mark it ``degraded`` (a missing worker or an old backup is an
  operator's alert, not a reason to take a web node out of the load balancer).

Every check is bounded: the database one runs ``SELECT 1`` under a short ``statement_timeout`` and Redis uses the
queue's short socket timeouts (``REDIS_SOCKET_TIMEOUT``).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import func, select, text

from app.extensions import db

__all__ = ["liveness", "readiness"]

#: The newest verified backup older than this many days marks the node degraded (monthly backups + slack).
DEFAULT_BACKUP_MAX_AGE_DAYS = 35


def liveness() -> dict:
    """The process answers (nothing else is looked at)."""
    return {"status": "ok"}


def _timed(check) -> dict:
    started = time.monotonic()
    try:
        result = check()
    except Exception as exc:  # noqa: BLE001 - every failure is the answer "down", with its class for the operator
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the database itself is gone
            pass
        result = {"ok": False, "error": type(exc).__name__}
    result["ms"] = round((time.monotonic() - started) * 1000, 1)
    return result


def _database() -> dict:
    timeout_ms = int(current_app.config.get("READYZ_DB_TIMEOUT_MS", 2000))
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"SET LOCAL statement_timeout = {timeout_ms}"))
    db.session.execute(text("SELECT 1"))
    db.session.rollback()
    return {"ok": True}


def _redis(queue) -> dict:
    queue.connection.ping()
    return {"ok": True}


def _workers(queue) -> dict:
    from rq import Worker
    from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

    workers = Worker.all(connection=queue.connection)
    now = datetime.now(UTC)
    beats = [w.last_heartbeat for w in workers if w.last_heartbeat]
    newest = max(beats) if beats else None
    if newest is not None and newest.tzinfo is None:
        newest = newest.replace(tzinfo=UTC)
    return {
        "ok": bool(workers),
        "registered": len(workers),
        "busy": sum(1 for w in workers if w.get_state() == "busy"),
        "last_heartbeat_seconds": round((now - newest).total_seconds(), 1) if newest else None,
        "queues": {queue.name: {"queued": queue.count,
                                "started": StartedJobRegistry(queue=queue).count,
                                "scheduled": ScheduledJobRegistry(queue=queue).count,
                                "failed": FailedJobRegistry(queue=queue).count}},
    }


def _job_rows() -> dict:
    """Running job rows and their heartbeats (the rows are the truth: ``jobs/leases.py``)."""
    from jobs import leases
    from jobs import reconcile as _registers_kinds  # noqa: F401 - imports every job module (their kinds)

    now = datetime.now(UTC)
    stale_before = leases.stale_before(now)
    running = stale = 0
    newest = None
    for model in {kind.model for kind in leases.kinds()}:
        beat = func.coalesce(model.heartbeat_at, model.started_at, model.created_at)
        n, n_stale, last = db.session.execute(select(
            func.count(), func.count().filter(beat < stale_before), func.max(beat)).where(
            model.status == "running")).one()
        running, stale = running + n, stale + n_stale
        if last is not None and (newest is None or last > newest):
            newest = last
    db.session.rollback()
    return {"ok": stale == 0, "running": running, "stale": stale,
            "last_heartbeat_seconds": round((now - newest).total_seconds(), 1) if newest else None}


def _backup() -> dict:
    from models.backups import Backup

    newest = db.session.scalar(select(func.max(Backup.created_at)).where(
        Backup.status == "complete", Backup.verified_ok.is_(True), Backup.deleted_at.is_(None)))
    db.session.rollback()
    max_days = float(current_app.config.get("READYZ_BACKUP_MAX_AGE_DAYS", DEFAULT_BACKUP_MAX_AGE_DAYS))
    if newest is None:
        return {"ok": False, "last_verified_age_hours": None}
    if newest.tzinfo is None:
        newest = newest.replace(tzinfo=UTC)
    age = (datetime.now(UTC) - newest).total_seconds() / 3600
    return {"ok": age <= max_days * 24, "last_verified_age_hours": round(age, 1),
            "last_verified_at": newest.isoformat()}


def readiness() -> tuple[dict, bool]:
    """(the JSON body, ready?) — ready when every required part answers."""
    checks: dict[str, dict] = {"database": _timed(_database)}
    required = ["database"]
    queue = current_app.extensions.get("rq_queue")
    if queue is None:
        checks["redis"] = {"ok": True, "configured": False}
        checks["workers"] = {"ok": True, "configured": False, "mode": "in-process"}
    else:
        checks["redis"] = _timed(lambda: _redis(queue))
        required.append("redis")
        checks["workers"] = (_timed(lambda: _workers(queue)) if checks["redis"]["ok"]
                             else {"ok": False, "error": "redis"})
    if checks["database"]["ok"]:
        checks["jobs"] = _timed(_job_rows)
        checks["backup"] = _timed(_backup)
    else:
        checks["jobs"] = checks["backup"] = {"ok": False, "error": "database"}
    ready = all(checks[name]["ok"] for name in required)
    status = "ok" if all(c["ok"] for c in checks.values()) else ("degraded" if ready else "down")
    return {"status": status, "required": required, "checks": checks}, ready
