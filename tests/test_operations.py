"""Operations (issue 20 items 4–5): the probes, the maintenance notice (HCM-4.2), the security assessment report
(HCM-11.6) and the deployment files (checked by the tools when they are installed)."""

import io
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import event, select, text

from app.services.errors import ForbiddenError, ValidationError
from app.services.operations import health
from app.services.operations import maintenance as notices
from app.services.operations import security_report as sr
from models.audit import AccessLog, ChangeLog
from models.backups import Backup
from models.operations import MaintenanceNotice
from tests.clients import body, client_for, count
from tests.factories import IsolatedClient, account

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


class Statements:
    """SQL statements run while the block is open (on the app's engine)."""

    def __init__(self, engine):
        self.engine, self.sql = engine, []

    def _hook(self, _conn, _cursor, statement, *_args):
        self.sql.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._hook)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._hook)


# --------------------------------------------------------------------------- /healthz, /readyz


def test_healthz_is_cheap_public_json(app, client, db):
    with Statements(db.engine) as seen:
        resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok"}
    assert seen.sql == []  # no database
    assert "Set-Cookie" not in resp.headers  # no session for the load balancer
    assert resp.headers["Cache-Control"] == "no-store"


def test_readyz_database_and_redis_up(app, client, db):
    from rq import Worker

    for worker in Worker.all(connection=app.extensions["rq_queue"].connection):  # SIGKILLed by earlier tests
        worker.register_death()
    db.session.add(Backup(location="/b", file_name="a.cbbk", status="complete", verified_ok=True,
                          created_at=datetime.now(UTC) - timedelta(days=2), verified_at=datetime.now(UTC)))
    db.session.commit()
    resp = client.get("/readyz")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    data = resp.get_json()
    checks = data["checks"]
    assert checks["database"]["ok"] and checks["redis"]["ok"]
    assert data["required"] == ["database", "redis"]
    assert 47 <= checks["backup"]["last_verified_age_hours"] <= 49 and checks["backup"]["ok"]
    assert set(checks["workers"]["queues"][app.config.get("RQ_QUEUE", "cbccvc")]) >= {"queued", "failed"}
    assert checks["jobs"] == {**checks["jobs"], "ok": True, "running": 0, "stale": 0}
    # No worker runs in the test: ready (HTTP 200), but degraded.
    assert checks["workers"]["registered"] == 0 and data["status"] == "degraded"
    assert count(db, AccessLog) == 0  # no access-log row for a probe
    assert "Set-Cookie" not in resp.headers


def test_readyz_counts_queued_jobs(app, client, db):
    queue = app.extensions["rq_queue"]
    queue.empty()
    queue.enqueue("jobs.reconcile.reconcile")
    try:
        assert client.get("/readyz").get_json()["checks"]["workers"]["queues"][queue.name]["queued"] == 1
    finally:
        queue.empty()


def test_readyz_redis_down_is_503(app, client, db, monkeypatch):
    dead = Queue("cbccvc", connection=Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5,
                                                     socket_timeout=0.5))
    monkeypatch.setitem(app.extensions, "rq_queue", dead)
    resp = client.get("/readyz")
    assert resp.status_code == 503
    data = resp.get_json()
    assert data["status"] == "down"
    assert data["checks"]["database"]["ok"] is True
    assert data["checks"]["redis"]["ok"] is False and data["checks"]["redis"]["error"]
    assert data["checks"]["workers"] == {"ok": False, "error": "redis"}
    # The liveness probe does not care.
    assert client.get("/healthz").status_code == 200


def test_readyz_without_redis_runs_jobs_in_process(app, client, db, monkeypatch):
    monkeypatch.setitem(app.extensions, "rq_queue", None)
    data = client.get("/readyz").get_json()
    assert data["required"] == ["database"]
    assert data["checks"]["redis"] == {"ok": True, "configured": False}
    # No verified backup at all: degraded, still ready.
    backup = data["checks"]["backup"]
    assert backup == {"ok": False, "last_verified_age_hours": None, "ms": backup["ms"]}


def test_readyz_database_down_is_503(app, client, db, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def down():
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(health, "_database", down)
    resp = client.get("/readyz")
    assert resp.status_code == 503
    checks = resp.get_json()["checks"]
    assert checks["database"] == {"ok": False, "error": "OperationalError", "ms": checks["database"]["ms"]}
    assert checks["backup"] == {"ok": False, "error": "database"}


def test_readyz_stale_job_heartbeat(app, client, db, demo):
    from models.exports import ExportJob

    admin = account(db, "sonoivu.admin")
    old = datetime.now(UTC) - timedelta(hours=1)
    db.session.add(ExportJob(status="running", requested_by_id=admin.id, heartbeat_at=old, started_at=old,
                             **_export_required(ExportJob)))
    db.session.commit()
    jobs = client.get("/readyz").get_json()["checks"]["jobs"]
    assert jobs["running"] == 1 and jobs["stale"] == 1 and jobs["ok"] is False
    assert jobs["last_heartbeat_seconds"] >= 3500


def _export_required(model) -> dict:
    """Values for the other NOT NULL columns of an export row without defaults."""
    values = {}
    for column in model.__table__.columns:
        if column.nullable or column.primary_key or column.default is not None or column.server_default is not None:
            continue
        if column.name in ("status", "requested_by_id", "heartbeat_at", "started_at"):
            continue
        values[column.name] = "x" if column.type.python_type is str else 0
    return values


# --------------------------------------------------------------------------- maintenance notice


@pytest.fixture()
def fresh_banner(app):
    notices.forget_cache()
    yield
    notices.forget_cache()


def _announce(start_hours: float, end_hours: float, message="Nâng cấp máy chủ cơ sở dữ liệu."):
    now = datetime.now(UTC)
    return notices.announce(None, now + timedelta(hours=start_hours), now + timedelta(hours=end_hours), message)


def test_banner_shows_from_the_lead_time_until_the_end(app, demo, fresh_banner, monkeypatch):
    monkeypatch.setitem(app.config, "MAINTENANCE_NOTICE_LEAD_HOURS", 72)
    c = client_for(app, "syt.tccb")
    far = _announce(100, 102, "Bảo trì xa")
    assert 'id="maintenance-banner"' not in body(c.get("/", follow_redirects=True))
    near = _announce(48, 50, "Bảo trì gần")
    notices.forget_cache()
    page = body(c.get("/", follow_redirects=True))
    assert 'id="maintenance-banner"' in page and "Bảo trì gần" in page and "Bảo trì xa" not in page
    assert "Bảo trì hệ thống từ" in page and re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", page)
    # The banner is on every page, the login page too.
    assert "Bảo trì gần" in body(IsolatedClient(app, app.response_class, use_cookies=True).get("/login/"))
    notices.cancel(None, near.id)
    assert 'id="maintenance-banner"' not in body(c.get("/", follow_redirects=True))
    # In progress, then over.
    now = datetime.now(UTC)
    assert notices.banner(now + timedelta(hours=101)).message == "Bảo trì xa"
    assert notices.banner(now + timedelta(hours=101)).in_progress
    assert notices.banner(now + timedelta(hours=102, minutes=1)) is None
    running = _announce(-1, 1, "Đang nâng cấp")
    assert "Hệ thống đang bảo trì đến" in body(c.get("/", follow_redirects=True))
    assert far.id != running.id


def test_banner_reads_the_notices_once_per_cache_period(app, demo, fresh_banner):
    c = client_for(app, "syt.tccb")
    _announce(1, 2)
    with Statements(app.extensions["sqlalchemy"].engine) as seen:
        for _ in range(3):
            assert 'id="maintenance-banner"' in body(c.get("/", follow_redirects=True))
    assert sum("maintenance_notice" in s for s in seen.sql) <= 1


def test_announce_refuses_bad_windows_and_writes_nothing(app, db, fresh_banner):
    now = datetime.now(UTC)
    with pytest.raises(ValidationError) as bad:
        notices.announce(None, now + timedelta(hours=2), now + timedelta(hours=1), "  ")
    assert set(bad.value.errors) == {"ends_at", "message"}
    with pytest.raises(ValidationError):
        notices.announce(None, now - timedelta(hours=3), now - timedelta(hours=1), "Đã qua")
    with pytest.raises(ValidationError):
        notices.announce(None, now, now + timedelta(hours=1), "x" * (notices.MESSAGE_MAX + 1))
    assert count(db, MaintenanceNotice) == 0


def test_maintenance_screen_announces_and_cancels_audited(app, demo, fresh_banner):
    c = client_for(app, "sonoivu.admin")
    assert c.get("/maintenance/").status_code == 200
    start = datetime.now(UTC).astimezone() + timedelta(days=1)
    from zoneinfo import ZoneInfo

    vn = ZoneInfo("Asia/Ho_Chi_Minh")
    start = (datetime.now(vn) + timedelta(days=1)).replace(second=0, microsecond=0)
    resp = c.post("/maintenance/new", data={"starts_at": start.strftime("%d/%m/%Y %H:%M"),
                                            "ends_at": (start + timedelta(hours=2)).strftime("%d/%m/%Y %H:%M"),
                                            "message": "Nâng cấp phiên bản mới."})
    assert resp.status_code == 302, body(resp)[:3000]
    row = db_row(MaintenanceNotice)
    assert row.starts_at == start and row.created_by_id == account(demo, "sonoivu.admin").id
    assert count(demo, ChangeLog, ChangeLog.object_type == "MaintenanceNotice") == 1
    page = body(c.get("/maintenance/"))
    assert "Nâng cấp phiên bản mới." in page and "Sắp diễn ra" in page
    assert 'id="maintenance-banner"' in page
    assert c.post(f"/maintenance/{row.id}/cancel").status_code == 302
    demo.session.expire_all()
    assert db_row(MaintenanceNotice).cancelled_at is not None
    assert count(demo, ChangeLog, ChangeLog.object_type == "MaintenanceNotice") == 2
    assert 'id="maintenance-banner"' not in body(c.get("/maintenance/"))
    # A bad form: the errors next to the fields, nothing written.
    resp = c.post("/maintenance/new", data={"starts_at": "31/02/2027 10:00", "ends_at": "", "message": ""})
    assert resp.status_code == 400 and count(demo, MaintenanceNotice) == 1
    # Only Sở Nội vụ's administrators.
    other = client_for(app, "syt.quantri")
    assert other.get("/maintenance/").status_code == 403
    assert other.post(f"/maintenance/{row.id}/cancel").status_code == 403
    with pytest.raises(ForbiddenError):
        notices.cancel(account(demo, "syt.quantri"), row.id)


def db_row(model):
    from app.extensions import db

    return db.session.scalar(select(model).order_by(model.id.desc()).limit(1))


# --------------------------------------------------------------------------- security assessment report


def _sql(db, statement: str, **params) -> list[tuple]:
    return [tuple(r) for r in db.session.execute(text(statement), params)]


def test_security_report_figures_match_hand_written_sql(app, demo):
    db = demo
    from app.services import accounts as acc

    admin = account(db, "sonoivu.admin")
    today = date.today()
    # Shape the city: a dormant account, one never logged in long ago, a reset one, failed logins, a lockout.
    db.session.execute(text("UPDATE ab_user SET last_login = now() - interval '200 days' "
                            "WHERE username = 'syt.thutruong'"))
    db.session.execute(text("UPDATE ab_user SET last_login = NULL, created_on = now() - interval '120 days' "
                            "WHERE username = 'annv.syt'"))
    db.session.execute(text("UPDATE ab_user SET must_change_password = true, password_changed_at = now() "
                            "WHERE username = 'xem.baocao'"))
    db.session.execute(text("UPDATE ab_user SET must_change_password = true, password_changed_at = NULL "
                            "WHERE username = 'syt.tccb'"))
    db.session.execute(text("UPDATE ab_user SET locked_at = now() WHERE username = 'syt.quantri'"))
    for days_ago, kind, name in ((0, "login_failed", "a"), (0, "login_failed", "a"), (0, "login_failed", "b"),
                                 (0, "lockout", "a"), (3, "login_failed", "c"), (40, "login_failed", "d")):
        db.session.add(AccessLog(event=kind, user_name=name, time=datetime.now(UTC) - timedelta(days=days_ago)))
    db.session.commit()
    unit = db.session.scalar(text("SELECT id FROM org_unit ORDER BY id LIMIT 1"))
    end = today + timedelta(days=10)
    acc.grant_consent(admin, account(db, "syt.tccb").id, unit, purpose="Thanh tra", document_number="CP-9",
                      valid_to=end)
    acc.delegate(admin, account(db, "syt.tccb").id, unit, "approve", document_number="UQ-9", valid_to=end)

    report = sr.build(dormant_days=90, login_days=30)

    assert report.by_kind == _sql(db, """
        SELECT coalesce(kind, ''), count(*), count(*) FILTER (WHERE active AND locked_at IS NULL),
               count(*) FILTER (WHERE locked_at IS NOT NULL),
               count(*) FILTER (WHERE active IS NOT TRUE AND locked_at IS NULL)
        FROM ab_user GROUP BY 1 ORDER BY 1""")
    assert report.by_role == _sql(db, """
        SELECT h.role, coalesce(u.kind, ''), count(*) FILTER (WHERE u.active AND u.locked_at IS NULL),
               count(*) FILTER (WHERE u.locked_at IS NOT NULL)
        FROM (SELECT DISTINCT ra.user_id, r.name AS role FROM role_assignment ra JOIN ab_role r ON r.id = ra.role_id
              WHERE ra.revoked_at IS NULL AND ra.valid_from <= :d AND (ra.valid_to IS NULL OR ra.valid_to >= :d)) h
        JOIN ab_user u ON u.id = h.user_id GROUP BY 1, 2 ORDER BY 1, 2""", d=today)
    assert sum(r[3] for r in report.by_role) >= 1  # the locked agency administrator
    assert report.dormant == _sql(db, """
        SELECT coalesce(kind, ''), count(*) FILTER (WHERE last_login < localtimestamp - interval '90 days'),
               count(*) FILTER (WHERE last_login IS NULL AND created_on < localtimestamp - interval '90 days')
        FROM ab_user WHERE active AND locked_at IS NULL GROUP BY 1 ORDER BY 1""")
    assert sum(r[1] for r in report.dormant) >= 1 and sum(r[2] for r in report.dormant) >= 1
    assert report.default_password == _sql(db, """
        SELECT coalesce(kind, ''), count(*) FILTER (WHERE password_changed_at IS NULL),
               count(*) FILTER (WHERE password_changed_at IS NOT NULL)
        FROM ab_user WHERE must_change_password AND active GROUP BY 1 ORDER BY 1""")
    assert sum(r[2] for r in report.default_password) >= 1
    privileged = sr.privileged_role_names()
    assert "Quản trị Sở Nội vụ" in privileged and "Quản trị cơ quan" in privileged
    assert "Cán bộ công chức" not in privileged
    assert report.privileged == _sql(db, """
        SELECT r.name, count(DISTINCT ra.user_id) FROM role_assignment ra JOIN ab_role r ON r.id = ra.role_id
        WHERE ra.revoked_at IS NULL AND ra.valid_from <= :d AND (ra.valid_to IS NULL OR ra.valid_to >= :d)
          AND r.name = ANY(:names) GROUP BY 1 ORDER BY 1""", d=today, names=privileged)
    vn_today = datetime.now(UTC).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Ho_Chi_Minh")).date()
    assert report.logins[0] == (vn_today, 3, 1, 2)
    assert report.logins == _sql(db, """
        SELECT (time AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, count(*) FILTER (WHERE event = 'login_failed'),
               count(*) FILTER (WHERE event = 'lockout'),
               count(DISTINCT user_name) FILTER (WHERE event = 'login_failed')
        FROM access_log WHERE event IN ('login_failed', 'lockout') AND time >= now() - interval '30 days'
        GROUP BY 1 ORDER BY 1 DESC""")
    assert len(report.logins) == 2  # the failure 40 days ago is outside the period
    assert report.consents == _sql(db, """
        SELECT CASE WHEN person_id IS NOT NULL THEN 'person' ELSE 'unit' END, count(*) FROM consent_grant
        WHERE revoked_at IS NULL AND valid_from <= :d AND valid_to >= :d GROUP BY 1 ORDER BY 1""", d=today)
    assert report.delegations == _sql(db, """
        SELECT action, count(*) FROM delegation WHERE revoked_at IS NULL AND valid_from <= :d AND valid_to >= :d
        GROUP BY 1 ORDER BY 1""", d=today)
    assert ("approve", 1) in [tuple(r) for r in report.delegations] or any(
        a == "approve" for a, _n in report.delegations)


def test_security_report_page_and_xlsx(app, demo):
    from openpyxl import load_workbook

    c = client_for(app, "sonoivu.admin")
    page = body(c.get("/security-report/?dormant_days=60&login_days=7"))
    assert "Báo cáo đánh giá an toàn thông tin" in page
    assert "Tài khoản không đăng nhập từ 60 ngày" in page
    assert page.count('class="privileged-row"') == len(demo.session.execute(sr.privileged_accounts()).all())
    assert "sonoivu.admin" in page
    assert c.get("/security-report/?dormant_days=0").status_code == 400
    resp = c.get("/security-report/xlsx?dormant_days=60&login_days=7")
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"].startswith("attachment")
    book = load_workbook(io.BytesIO(resp.data), read_only=True)
    assert book.sheetnames == ["Theo vai trò", "Theo loại tài khoản", "Không đăng nhập", "Mật khẩu mặc định",
                               "Tài khoản đặc quyền", "Đăng nhập sai", "Chấp thuận và ủy quyền"]
    kinds = list(book["Theo loại tài khoản"].iter_rows(values_only=True))
    report = sr.build(dormant_days=60, login_days=7)
    assert sum(r[1] for r in kinds[1:]) == sum(r[1] for r in report.by_kind)
    users = [r[0] for r in book["Tài khoản đặc quyền"].iter_rows(min_row=2, values_only=True)]
    assert "sonoivu.admin" in users
    # Sở Nội vụ's administrators only.
    for username in ("syt.quantri", "sonoivu.chuyenvien"):
        other = client_for(app, username)
        assert other.get("/security-report/").status_code == 403
        assert other.get("/security-report/xlsx").status_code == 403


# --------------------------------------------------------------------------- deployment files


def test_gunicorn_configuration(monkeypatch):
    import runpy

    monkeypatch.setenv("WEB_CONCURRENCY", "")
    conf = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert conf["workers"] == 2 * (os.cpu_count() or 1) + 1
    assert conf["timeout"] >= 30 and conf["graceful_timeout"] >= 30
    assert conf["accesslog"] == "-" and conf["forwarded_allow_ips"]
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))["workers"] == 3
    # The probes are left out of the access log.
    quiet = conf["QuietProbesLogger"]
    assert quiet.quiet({"PATH_INFO": "/healthz"}) and quiet.quiet({"PATH_INFO": "/readyz"})
    assert not quiet.quiet({"PATH_INFO": "/login/"})


def test_nginx_site_matches_the_app(app):
    site = (DEPLOY / "nginx-cbccvc.conf").read_text()
    size = re.search(r"client_max_body_size\s+(\d+)m;", site)
    assert size and int(size.group(1)) * 1024 * 1024 == app.config["MAX_CONTENT_LENGTH"]
    assert "ssl_certificate " in site and "listen 443 ssl" in site
    assert re.search(r"location /static/\s*\{[^}]*alias /srv/cbccvc/static/;", site)
    # Talisman sets these on every answer of the app: nginx must not add them twice (only on the static files it
    # serves itself, which never reach the app).
    proxied = re.sub(r"location /static/[^{]*\{[^}]*\}", "", site)
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"):
        assert f"add_header {header}" not in proxied
    assert "Strict-Transport-Security" in site  # HSTS at the TLS edge (talisman's only with FORCE_HTTPS)
    assert "location = /healthz" in site and "access_log off" in site


def test_compose_file_is_valid(tmp_path):
    """``docker compose config`` where docker is installed; elsewhere (this machine kind has no docker) the same
    check without it: the file against the Compose Specification's JSON schema (the one compose-go's loader
    applies; vendored by check-jsonschema) — a copy with a misspelt service key must fail, so the check is not
    vacuous — and every required ``${VAR:?…}`` of the file is one the example environment names."""
    env = {**os.environ, "CBCCVC_SECRET_KEY": "x", "POSTGRES_PASSWORD": "x"}
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        out = subprocess.run(["docker", "compose", "-f", str(DEPLOY / "compose.yaml"), "config", "--quiet"],
                             capture_output=True, text=True, cwd=DEPLOY, env=env)
        assert out.returncode == 0, out.stderr
    checker = Path(sys.executable).parent / "check-jsonschema"

    def check(path: Path) -> subprocess.CompletedProcess:
        return subprocess.run([str(checker), "--builtin-schema", "vendor.compose-spec", str(path)],
                              capture_output=True, text=True)

    out = check(DEPLOY / "compose.yaml")
    assert out.returncode == 0, out.stdout + out.stderr
    broken = tmp_path / "compose.yaml"
    broken.write_text((DEPLOY / "compose.yaml").read_text().replace("    depends_on:", "    depend_on:", 1))
    assert check(broken).returncode != 0
    required = set(re.findall(r"\$\{(\w+):\?", (DEPLOY / "compose.yaml").read_text()))
    example = set(re.findall(r"^#?\s*(\w+)=", (DEPLOY / "env.example").read_text(), re.M))
    assert required and required <= example, required - example


def test_compose_file_holds_the_whole_stack():
    yaml = pytest.importorskip("yaml")
    stack = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = stack["services"]
    assert {"postgres", "redis", "web1", "web2", "worker", "scheduler", "nginx"} <= set(services)
    for name in ("web1", "web2", "worker", "scheduler"):
        assert "postgres" in services[name]["depends_on"] and "redis" in services[name]["depends_on"]
    assert "healthz" in str(services["web1"]["healthcheck"])


@pytest.mark.parametrize("unit", ["cbccvc-web.service", "cbccvc-worker.service", "cbccvc-cron.service",
                                  "cbccvc-web.socket"])
def test_systemd_units_verify(unit, tmp_path):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    # Verify copies whose paths exist here (the units name /srv/cbccvc, the production layout).
    for name in os.listdir(DEPLOY):
        if name.endswith((".service", ".socket")):
            text_ = (DEPLOY / name).read_text().replace("/srv/cbccvc/.venv/bin/", "/usr/bin/env ")
            (tmp_path / name).write_text(text_.replace("/etc/cbccvc/env", "-/etc/cbccvc/env"))
    out = subprocess.run(["systemd-analyze", "verify", "--man=no", str(tmp_path / unit)], capture_output=True,
                         text=True)
    problems = [line for line in out.stderr.splitlines()
                if line.strip() and "cbccvc" in line and "not executable" not in line
                and "Failed to resolve" not in line and "Cannot add dependency" not in line]
    assert not problems, out.stderr


def test_the_apps_connections_price_random_reads_as_on_ssds(app, db):
    """Every PostgreSQL connection of the app says ``random_page_cost = 1.1`` (``DB_RANDOM_PAGE_COST``) whatever the
    server's default: with 4 the planner read the whole person table for one agency's head counts (make load's
    dashboard: 140–570 ms instead of 13 ms)."""
    from app import _planner_settings

    assert db.session.execute(text("SHOW random_page_cost")).scalar() == "1.1"
    with db.engine.connect() as conn:  # a second connection of the pool
        assert conn.execute(text("SHOW random_page_cost")).scalar() == "1.1"
    other = type("Other", (), {})()
    other.config = {"DB_RANDOM_PAGE_COST": "", "SQLALCHEMY_DATABASE_URI": "postgresql://x/y",
                    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}}
    _planner_settings(other)  # empty: the server's own setting
    assert "connect_args" not in other.config["SQLALCHEMY_ENGINE_OPTIONS"]
    other.config.update(DB_RANDOM_PAGE_COST="1.5", SQLALCHEMY_ENGINE_OPTIONS={
        "connect_args": {"options": "-c statement_timeout=5000"}})
    _planner_settings(other)
    assert other.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["options"] == (
        "-c statement_timeout=5000 -c random_page_cost=1.5")
