"""Helpers shared by the test modules: log in, look an account up, open a file, submit a change, set the clock.

One home for what several modules need (they used to import each other's test modules for it). Fixtures live
in ``tests/conftest.py``; the clients that read pages in ``tests/clients.py``.
"""

import os
import re
import subprocess
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import g
from flask.testing import FlaskClient
from sqlalchemy import select, text

from config import TestConfig

__all__ = ["ARTIFACTS", "DOMAIN_MD", "GIVEN", "PASSPHRASE", "PASSWORD", "PDF", "PNG", "TIMEOUT_MS", "TZ", "CsrfConfig",
           "IsolatedClient", "account", "at", "documents", "flat", "hoa", "hr_officer", "login", "officer_change",
           "person_for", "poppler", "second_officer", "shot", "use_profile", "with_certificates"]

#: The item table of the Sơ yếu lý lịch (domain.md §1.1), copied into the repository.
DOMAIN_MD = os.path.join(os.path.dirname(__file__), "fixtures", "domain_syll_items.md")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PASSPHRASE = "Demo@2026"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PASSWORD = "Demo@2026"
TIMEOUT_MS = 10_000
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Khánh", "Long", "Minh", "Nam"]


class CsrfConfig(TestConfig):
    """The test configuration with CSRF protection on, as in production."""

    WTF_CSRF_ENABLED = True


def login(client, username="sonoivu.admin", password="Demo@2026"):
    """Log a test client in through the real login form."""
    return client.post("/login/", data={"username": username, "password": password}, follow_redirects=False)


class IsolatedClient(FlaskClient):
    """A test client for a second user: the tests share one app context, so Flask-Login's cached user in ``g``
    must be dropped before each request (FAB's login page would otherwise see the first user)."""

    def open(self, *args, **kwargs):
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


def account(db, username):
    from models.accounts import Account

    db.session.expire_all()
    return db.session.scalar(select(Account).where(Account.username == username))


def person_for(db, unit, username=None, name="Nguyễn Văn An", cccd="001080012345", born="05/03/1980",
               officer="syt.tccb", gender="nam"):
    """Open a file in ``unit`` as a TCCB officer, optionally linked to ``username``'s account (moved off any
    other file first)."""
    from app.security import scope
    from app.services import personnel as svc

    data = {"org_unit_id": unit.id, "category": "cong_chuc", "full_name": name, "gender": gender,
            "birth_date": born, "cccd": cccd}
    if username:
        data["account_id"] = account(db, username).id
        db.session.execute(text("UPDATE person SET account_id = NULL WHERE account_id = :a"), {"a": data["account_id"]})
        db.session.commit()
    person = svc.create_person(account(db, officer), data)
    scope.forget()
    return person


def documents(cccd="001080012345", phone="0912 345 678"):
    """A valid "documents" section (CCCD, its date, phone, residence)."""
    return {"cccd": cccd, "cccd_issued_on": "01/02/2021", "phone": phone, "residence": "Số 5 phố Huế, Hà Nội"}


def second_officer(db, username="syt.tccb2"):
    """A second Cán bộ TCCB of Sở Y tế (its units included), made once: four eyes (issue 15 item 6) — the officer
    who prepared a change on someone's behalf does not verify it, a colleague does."""
    from app.security.roles import ROLE_HR_OFFICER
    from app.services import accounts as acc

    found = account(db, username)
    if found is not None:
        return found
    unit_id = db.session.scalar(text(  # where syt.tccb holds the role (Sở Y tế)
        "SELECT ra.org_unit_id FROM role_assignment ra JOIN ab_user u ON u.id = ra.user_id "
        "WHERE u.username = 'syt.tccb' ORDER BY ra.id LIMIT 1"))
    acc.create_account(account(db, "sonoivu.admin"), acc.AccountData(
        username=username, last_name="Phạm Thu", first_name="Hằng", email=f"{username}@demo.cbccvc.local",
        org_unit_id=unit_id, role_name=ROLE_HR_OFFICER, include_descendants=True))
    db.session.execute(text("UPDATE role_assignment SET valid_from = '2025-01-01' WHERE user_id = "
                            "(SELECT id FROM ab_user WHERE username = :u)"), {"u": username})
    db.session.execute(text("UPDATE ab_user SET must_change_password = false WHERE username = :u"), {"u": username})
    db.session.commit()
    return account(db, username)


def hr_officer(db, username, unit, role_name="Cán bộ TCCB"):
    """An officer (by default a Cán bộ TCCB) over ``unit`` and its units, made once, in force since 2025, whose
    password is the demo one (``PASSWORD``)."""
    from app.services import accounts as acc
    from app.services.accounts.passwords import hash_password

    found = account(db, username)
    if found is not None:
        return found
    acc.create_account(account(db, "sonoivu.admin"), acc.AccountData(
        username=username, last_name="Trịnh Văn", first_name="Quang", email=f"{username}@demo.cbccvc.local",
        org_unit_id=unit.id, role_name=role_name, include_descendants=True))
    db.session.execute(text("UPDATE role_assignment SET valid_from = '2025-01-01' WHERE user_id = "
                            "(SELECT id FROM ab_user WHERE username = :u)"), {"u": username})
    db.session.execute(text("UPDATE ab_user SET must_change_password = false, password = :p WHERE username = :u"),
                       {"u": username, "p": hash_password(PASSWORD)})
    db.session.commit()
    return account(db, username)


def officer_change(db, unit, n: int, *, btv: bool = False, officer: str = "syt.tccb"):
    """A file in ``unit`` with one change, submitted by a TCCB officer (``officer``) on the person's behalf."""
    from app.services import personnel as svc
    from models.personnel import ChangeSet

    cccd = f"0010800{n:05d}"
    person = person_for(db, unit, name=f"Trần Văn {GIVEN[n % len(GIVEN)]}", cccd=cccd)
    if btv:
        db.session.execute(text("UPDATE person SET btv_managed = true WHERE id = :p"), {"p": person.id})
        db.session.commit()
    drafter = account(db, officer)
    svc.save_section(drafter, person.id, "documents", documents(cccd=cccd))
    cs = svc.submit(drafter, person.id, f"Đề nghị {n}")
    return db.session.get(ChangeSet, cs.id)


def with_certificates(db, ca, *usernames):
    """Each account gets a dev certificate (PKCS#12, passphrase Demo@2026)."""
    from app.signing import forget_signers, issue_dev_credential

    for username in usernames:
        issue_dev_credential(account(db, username), ca)
    db.session.commit()
    forget_signers()


def at(monkeypatch, day: date, hour: int = 9):
    """Set the workflow's clock to ``day`` (Việt Nam time)."""
    from app import workflow

    moment = datetime(day.year, day.month, day.day, hour, tzinfo=TZ)
    monkeypatch.setattr(workflow, "_now", lambda: moment)


def use_profile(app, monkeypatch, name):
    """Switch the city profile for one test."""
    monkeypatch.setitem(app.config, "CITY_PROFILE", name)


def poppler(tool: str, pdf: bytes, *args: str) -> str:
    """Run a poppler tool on ``pdf`` (stdin is not supported by all of them: a temporary file)."""
    path = f"/tmp/syll-test-{os.getpid()}-{time.monotonic_ns()}.pdf"
    with open(path, "wb") as fh:
        fh.write(pdf)
    try:
        out = subprocess.run([tool, *args, path, *(["-"] if tool == "pdftotext" else [])], capture_output=True,
                             check=True, timeout=60)
    finally:
        os.remove(path)
    return out.stdout.decode("utf-8")


def flat(text: str) -> str:
    """The text without page footers, white space folded (labels may wrap across lines)."""
    lines = [line for line in text.splitlines() if not re.search(r"Trang \d+/\d+", line)]
    return " ".join(" ".join(lines).split())


def hoa(db):
    """Nguyễn Thị Hoà of the demo people."""
    from models.personnel import Person

    return db.session.scalar(select(Person).where(Person.family_name == "Nguyễn", Person.middle_name == "Thị",
                                                  Person.given_name == "Hoà"))


def shot(page, name: str) -> None:
    """Save a full-page screenshot under tests/artifacts/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
