"""The stand-in national server as a real process for tests (issue 18): ``start_stub(tmp_path)`` runs
``python -m app.national_stub`` on a free port of 127.0.0.1 with a fresh SQLite file and waits until it answers.

Other test modules use the module-scoped fixture ``national_stub`` (import it: ``from tests.national_stub import
national_stub``), and ``.reset()`` it where they need an empty national side::

    def test_sync(national_stub):
        national_stub.reset()
        national_stub.set_fault("drop", count=1)
        client = NationalClient(national_stub.url, national_stub.key, timeout=2, backoff=0.01)
        ...
        assert [r["identifier"] for r in national_stub.records()] == [...]
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

__all__ = ["StubProcess", "national_stub", "start_stub"]

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
READY = "NATIONAL_STUB_READY "


class StubProcess:
    """A running stand-in: its ``url`` (without ``/v1``), connection ``key``, control key and helpers."""

    def __init__(self, proc: subprocess.Popen, url: str, key: str, control_key: str, data: Path, log: Path,
                 verify=True):
        self.proc, self.url, self.key, self.control_key = proc, url, key, control_key
        self.data, self.log = data, log
        self._http = httpx.Client(base_url=url, headers={"X-Control-Key": control_key}, timeout=10, verify=verify)

    def _post(self, path: str, doc: dict | None = None) -> dict:
        resp = self._http.post(path, json=doc or {})
        resp.raise_for_status()
        return resp.json()

    def set_fault(self, mode: str, count: int = 1, **kw) -> dict:
        """The next ``count`` matching requests misbehave (``app/national_stub/faults.py``: ``delay``, ``accept``,
        ``size``, ``status``, ``retry_after``, ``path``, ``method``)."""
        return self._post("/_control/faults", {"mode": mode, "count": count, **kw})

    def clear_faults(self) -> None:
        self._http.delete("/_control/faults").raise_for_status()

    def pending_faults(self) -> list[dict]:
        return self._http.get("/_control/faults").json()["pending"]

    def records(self, identifier: str | None = None) -> list[dict]:
        """What the stand-in holds: ``[{identifier, version, sha256, agency_code, batch_id, received_at,
        received}]`` (``received``: how many times that version came; it is stored once)."""
        params = {"identifier": identifier} if identifier else None
        resp = self._http.get("/_control/records", params=params)
        resp.raise_for_status()
        return resp.json()["records"]

    def counts(self) -> dict:
        resp = self._http.get("/_control/records")
        resp.raise_for_status()
        return resp.json()["counts"]

    def reset(self) -> None:
        """Forget every batch, record and pending fault."""
        self._post("/_control/reset")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        self._http.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def __enter__(self) -> StubProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_stub(tmp_path, *, key: str = "test-connection-key", control_key: str = "test-control-key",
               rate: float = 0, extra: tuple[str, ...] = (), timeout: float = 30.0, verify=True) -> StubProcess:
    """Start ``python -m app.national_stub`` on a free port with a fresh data file under ``tmp_path``.

    ``rate=0`` (tests): no rate limit unless asked; ``extra``: more command-line options (``--tls-cert`` …);
    ``verify``: TLS of the helper's own control calls (an ``ssl.SSLContext``, with a client certificate for mTLS)."""
    tmp = Path(tmp_path)
    tmp.mkdir(parents=True, exist_ok=True)
    data = tmp / f"national-{os.getpid()}-{time.monotonic_ns()}.db"
    log = data.with_suffix(".log")
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    args = [sys.executable, "-m", "app.national_stub", "--host", "127.0.0.1", "--port", "0", "--data", str(data),
            "--key", key, "--control-key", control_key, "--rate", str(rate), "--quiet", *extra]
    log_file = open(log, "wb")  # noqa: SIM115 (the process writes it until stopped)
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log_file, text=True)
    log_file.close()
    first: list[str] = []
    reader = threading.Thread(target=lambda: first.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    line = first[0] if first else ""
    if not line.startswith(READY):
        proc.kill()
        proc.wait(timeout=5)
        raise RuntimeError(f"the stand-in did not start: {line!r}\n{log.read_text(errors='replace')[-3000:]}")
    url = line[len(READY):].strip()
    stub = StubProcess(proc, url, key, control_key, data, log, verify=verify)
    deadline = time.monotonic() + timeout
    while True:
        try:
            if stub._http.get("/_control/health").status_code == 200:
                return stub
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            stub.stop()
            raise RuntimeError(f"the stand-in does not answer:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def national_stub(tmp_path_factory):
    """The stand-in national server, one process per test module (``.reset()`` it for an empty national side)."""
    stub = start_stub(tmp_path_factory.mktemp("national"))
    try:
        yield stub
    finally:
        stub.stop()
