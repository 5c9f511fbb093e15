"""Fault injection of the stand-in (``POST /_control/faults``): the next ``count`` matching requests misbehave.

Modes (contract doc §8): ``refuse`` (401, or ``status``: 403), ``timeout`` (answers after ``delay`` s, longer than
the client's timeout; a batch is stored first), ``error500``, ``partial`` (a batch: only the first ``accept``
records get a receipt, status "partial"), ``slow`` (``delay`` s, then the normal answer), ``drop`` (stored, then
the connection is closed half-way through the answer), ``malformed`` (200, broken JSON; stored), ``wrong_type``
(200, text/html; stored), ``huge`` (a body of ``size`` bytes, by default chunked; stored), ``unknown_receipt``
(a batch: an extra receipt for a record that was not sent), ``rate_limit`` (429 with ``Retry-After:
retry_after``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

__all__ = ["MODES", "Fault", "Faults"]

MODES = ("refuse", "timeout", "error500", "partial", "slow", "drop", "malformed", "wrong_type", "huge",
         "unknown_receipt", "rate_limit")
#: Modes that only make sense on ``POST /v1/batches`` (their default ``path``).
BATCH_ONLY = ("partial", "unknown_receipt")


@dataclass
class Fault:
    mode: str
    count: int
    path: str = "/v1/"
    method: str | None = None
    params: dict = field(default_factory=dict)

    def matches(self, method: str, path: str) -> bool:
        return path.startswith(self.path) and (self.method is None or self.method == method)

    def as_json(self) -> dict:
        return {"mode": self.mode, "count": self.count, "path": self.path, "method": self.method, **self.params}


class Faults:
    """The queue of faults to play (thread-safe): each request takes at most one, the first that matches."""

    def __init__(self):
        self.lock = threading.Lock()
        self.queue: list[Fault] = []

    def add(self, mode: str, count: int = 1, path: str | None = None, method: str | None = None, **params) -> Fault:
        if mode not in MODES:
            raise ValueError(mode)
        if path is None:
            path = "/v1/batches" if mode in BATCH_ONLY else "/v1/"
        if method is None and mode in BATCH_ONLY:
            method = "POST"
        fault = Fault(mode, max(1, int(count)), path, method, params)
        with self.lock:
            self.queue.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.queue:
                if fault.matches(method, path):
                    fault.count -= 1
                    if fault.count <= 0:
                        self.queue.remove(fault)
                    return Fault(fault.mode, 1, fault.path, fault.method, dict(fault.params))
        return None

    def clear(self) -> None:
        with self.lock:
            self.queue.clear()

    def pending(self) -> list[dict]:
        with self.lock:
            return [f.as_json() for f in self.queue]
