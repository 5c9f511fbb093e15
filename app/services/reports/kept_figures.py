"""Figures kept warm (issue 20, the month-end peak): a short cache of computed report figures, refreshed ahead.

The data-quality figures of a scope are one aggregate over every file of it (a few hundred ms for an agency of
8,000 people, a second or more under load for the largest). They move slowly and are read by every report viewer
of the scope, so they are worked out once and kept:

- **Kept** for ``QUALITY_CACHE_SECONDS`` (the page says when they were worked out) in Redis, shared by every web
  process; in this process's memory when no Redis is configured (the embedded default). An entry lives twice that
  long, so that the refresh below always finds it before it expires.
- **One computation at a time per key**: a page that misses takes a short lock (``SET NX``); the others asking
  for the same figures meanwhile wait for its result instead of repeating the aggregate (at the month-end peak,
  four viewers arriving together would otherwise each run it, each slower for the others).
- **Refreshed ahead**: each read records who read which figures (the key, a user id, the arguments, the
  language, the time of the last read). The periodic job ``jobs.reports.refresh_kept_figures`` (every 5 minutes,
  ``jobs/schedule.py``) works the figures read in the last ``QUALITY_KEEP_WARM_HOURS`` (default 24) out again, so
  a viewer at the month-end peak finds them ready; the first read of a scope, and the first of a new day, still
  computes them (bench ``quality_unit``). Figures nobody read for that long are forgotten.

The values are JSON texts; what they mean is the caller's (``app.services.reports.quality``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

from flask import current_app

__all__ = ["Reader", "forget", "kept", "readers"]

PREFIX = "cbccvc:quality:"
#: The hash of the figures read lately: {key: JSON of the reader (user, arguments, language, last read)}.
RECENT = PREFIX + "recent"
LOCK = PREFIX + "lock:"
#: A refresh leaves alone figures worked out less than this many seconds ago (by a page, or another run).
FRESH_SECONDS = 60
#: How long a computation may hold its key's lock, and how long the others wait for it (seconds).
LOCK_SECONDS = 60
WAIT_SECONDS = 30
POLL_SECONDS = 0.05

#: Without Redis: {key: (expiry, text)} and the readers, in this process (at most this many entries).
_LOCAL: dict[str, tuple[float, str]] = {}
_LOCAL_READERS: dict[str, str] = {}
_LOCAL_SIZE = 256

Reader = dict  # {"user": account id, "unit": the unit asked for or None, "locale": str, "read": epoch seconds}


def _redis():
    return getattr(current_app.extensions.get("rq_queue"), "connection", None)


def seconds() -> int:
    return int(current_app.config.get("QUALITY_CACHE_SECONDS") or 0)


def kept(key: str, compute: Callable[[], str], reader: Reader, *, refresh: bool = False) -> str:
    """The text kept under ``key``, or ``compute()`` stored there (one computation at a time per key). Records
    ``reader`` as the key's last reader. ``refresh`` (the periodic job): compute and store them again unless they
    were worked out in the last :data:`FRESH_SECONDS` or someone is working them out now."""
    period = seconds()
    redis = _redis()
    if redis is not None:
        try:
            return _kept_redis(redis, key, compute, reader, period, refresh)
        except _RedisDown:
            pass  # the cache is an optimisation: Redis down means this process's memory
    return _kept_local(key, compute, reader, period, refresh)


class _RedisDown(Exception):
    pass


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _kept_redis(redis, key, compute, reader, period, refresh) -> str:
    from redis.exceptions import RedisError

    locked = False
    try:
        # One round trip: note the reader, read what is kept and how long it has left.
        _noted, value, ttl = (redis.pipeline(transaction=False).hset(RECENT, key, json.dumps(reader)).get(key)
                              .ttl(key).execute())
        if value and (not refresh or ttl > 2 * period - FRESH_SECONDS):
            return _text(value)
        locked = redis.set(LOCK + key, "1", nx=True, ex=LOCK_SECONDS)
        if not locked:  # another page or run is working them out: its result (a refresh: what is kept)
            deadline = time.monotonic() + WAIT_SECONDS
            while time.monotonic() < deadline:
                time.sleep(POLL_SECONDS)
                value = redis.get(key)
                if value:
                    return _text(value)
                if not redis.exists(LOCK + key):
                    value = redis.get(key)  # stored just before the lock went?
                    if value:
                        return _text(value)
                    break  # the other computation failed: work them out here
    except RedisError as exc:
        raise _RedisDown from exc
    try:
        value = compute()
        try:
            redis.set(key, value, ex=2 * period)
        except RedisError:
            pass  # not kept: the next page works them out again
    finally:
        try:
            if locked:  # released once the result is stored: a waiter finds either the lock or the result
                redis.delete(LOCK + key)
        except RedisError:
            pass
    return value


def _kept_local(key, compute, reader, period, refresh) -> str:
    if len(_LOCAL_READERS) >= _LOCAL_SIZE and key not in _LOCAL_READERS:
        _LOCAL_READERS.clear()
    _LOCAL_READERS[key] = json.dumps(reader)
    held = _LOCAL.get(key)
    left = held[0] - time.monotonic() if held else 0
    if left > 0 and (not refresh or left > 2 * period - FRESH_SECONDS):
        return held[1]
    value = compute()
    if len(_LOCAL) >= _LOCAL_SIZE:
        _LOCAL.clear()
    _LOCAL[key] = (time.monotonic() + 2 * period, value)
    return value


def readers() -> Iterator[tuple[str, Reader]]:
    """(key, reader) of every figure read lately (Redis, or this process's memory)."""
    redis = _redis()
    if redis is not None:
        try:
            items = list(redis.hscan_iter(RECENT))
        except Exception:  # noqa: BLE001 - Redis down: nothing to refresh
            return
        for key, raw in items:
            yield _text(key), json.loads(raw)
        return
    yield from [(k, json.loads(v)) for k, v in list(_LOCAL_READERS.items())]


def forget(key: str) -> None:
    """Stop refreshing ``key`` (read too long ago, its reader or unit gone); what is kept expires by itself."""
    redis = _redis()
    if redis is not None:
        try:
            redis.hdel(RECENT, key)
        except Exception:  # noqa: BLE001 - tried again at the next run
            pass
        return
    _LOCAL_READERS.pop(key, None)
