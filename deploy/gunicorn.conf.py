"""Production gunicorn configuration of CSDL CBCCVC (issue 20 item 4).

    gunicorn -c deploy/gunicorn.conf.py "run:app"

Every value can be changed from the environment (the systemd unit's EnvironmentFile, the compose file):
``WEB_CONCURRENCY`` (workers; default 2 × CPUs + 1), ``GUNICORN_THREADS``, ``GUNICORN_BIND``,
``GUNICORN_TIMEOUT``, ``FORWARDED_ALLOW_IPS`` (the proxies whose X-Forwarded-* headers are trusted: nginx / the
load balancer). The access log goes to stdout (journald, docker logs) without the load balancer's probes.
"""

import multiprocessing
import os

from gunicorn.glogging import Logger


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers (CPU-bound pages, PDF and XLSX rendering); 2 × CPUs + 1, as gunicorn's documentation advises.
workers = _int("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1)
threads = _int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
# A page is a few hundred ms; the slowest synchronous answers (a signed PDF, a BM02 PDF) stay well below 60 s.
# Long work (exports, bulk decisions, imports) runs in the RQ worker, never in a request.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# Recycle workers now and then (bounded memory growth), jittered so they do not restart together.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# Import the app once in the master (faster forks, shared pages). The workers then open their own database and
# Redis connections: SQLAlchemy's pool connects lazily, after the fork.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"
# Request size limits in front of the app's own (MAX_CONTENT_LENGTH): header lines and fields.
limit_request_line = 8190
limit_request_fields = 100
# The proxies allowed to set X-Forwarded-For/-Proto (client IP in the access log and the audit, https links).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proxy_allow_ips = forwarded_allow_ips
# Worker heartbeat files in memory, not on a possibly slow disk (docker: /dev/shm).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Client address (from X-Forwarded-For through forwarded_allow_ips), user, request, status, size, duration (µs).
access_log_format = '%({x-forwarded-for}i)s %(h)s %(u)s [%(t)s] "%(r)s" %(s)s %(b)s %(D)sus "%(a)s"'
proc_name = "cbccvc-web"

#: Paths of the load balancer's probes: left out of the access log (one line every few seconds per node).
PROBE_PATHS = ("/healthz", "/readyz")


class QuietProbesLogger(Logger):
    """gunicorn's logger without access-log lines for the probes (their failures still show: 5xx are logged)."""

    @staticmethod
    def quiet(environ) -> bool:
        return environ.get("PATH_INFO") in PROBE_PATHS

    def access(self, resp, req, environ, request_time):
        status = getattr(resp, "status_code", None) or 0
        if self.quiet(environ) and int(str(status)[:3] or 0) < 500:
            return
        super().access(resp, req, environ, request_time)


logger_class = QuietProbesLogger
