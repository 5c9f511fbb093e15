"""The month-end peak of ``make load`` (issue 20 item 6): four kinds of users, each working like a person.

* **Staff** (60 %) — open "Hồ sơ của tôi"; when the last submission still waits for approval, look at it;
  otherwise open the *Sức khỏe* form, save a new height and weight into the draft, attach the proof (a PDF, as
  the Hà Nội profile wants) and submit. A draft left open by an earlier round is simply edited again.
* **Officers** (20 %, Cán bộ TCCB of the root unit) — the people list of their unit, a deeper page of it, a search
  by name, one person's file.
* **Approvers** (12 %, Thủ trưởng of one unit each) — the inbox, one change set opened and approved, then a few
  approved at once (bulk: an RQ job) and its progress polled as the page does, until it is done.
* **Report viewers** (8 %, Xem báo cáo of the root unit) — the dashboard, BM02 of their unit, the data-quality,
  salary and compliance pages.

Every user signs in once through FAB's form (CSRF token) and waits ``LOAD_WAIT`` seconds (default 3–10) between
actions. An answer is an error when it is not 2xx/3xx, when it is the login page, when it shows an error message
(a red or orange flash, a page of field errors), or when a bulk decision refused a change set.

Settings (environment, written by ``bench/load.py``): ``LOAD_ACCOUNTS`` (the JSON of
``bench/load_accounts.prepare``), ``LOAD_WAIT`` (``lo,hi`` seconds), ``LOAD_FIXED_ONE_EACH`` (one user of each
kind, whatever ``-u``: the test's scenario).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from html.parser import HTMLParser

from locust import HttpUser, between, task

ACCOUNTS = json.loads(open(os.environ["LOAD_ACCOUNTS"], encoding="utf-8").read())  # noqa: SIM115
_lo, _hi = (float(x) for x in os.environ.get("LOAD_WAIT", "3,10").split(","))
WAIT = between(_lo, _hi)
FIXED = 1 if os.environ.get("LOAD_FIXED_ONE_EACH") else 0
#: A one-page PDF: the proof attached to every staff submission.
PROOF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
         b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
#: Name searches of an officer (unaccented, as people type them).
SEARCHES = ("nguyen thi hoa", "tran van nam", "le thi lan", "pham minh tuan", "hoang anh", "nguyen van hung",
            "vu thi huong", "dang quoc", "bui thi mai", "do van long", "ngo thi thu", "nguyen duc anh")
FLASH_ERROR = re.compile(r'<div class="alert alert-(?:danger|warning) flash-message">(.*?)</div>', re.S)
FIELD_ERROR = re.compile(r'class="[^"]*\bhas-error\b')
TAGS = re.compile(r"<[^>]+>|×")
_counters = {kind: itertools.count() for kind in ("staff", "officer", "approver", "viewer")}


def account_for(kind: str) -> str:
    """The next account of ``kind`` (each simulated user its own, in turn)."""
    pool = ACCOUNTS[kind]
    return pool[next(_counters[kind]) % len(pool)]


class FormValues(HTMLParser):
    """The values a browser would send for the form whose ``action`` ends with ``action``: inputs, the selected
    option of each select, textareas (file inputs and buttons left out)."""

    def __init__(self, action: str):
        super().__init__(convert_charrefs=True)
        self.action, self.inside, self.values = action, False, {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = (a.get("action") or "").split("?")[0].endswith(self.action)
        elif not self.inside:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("file", "submit", "button", "checkbox",
                                                                           "radio"):
            self.values[a["name"]] = a.get("value") or ""
        elif tag == "input" and a.get("type") in ("checkbox", "radio") and "checked" in a and a.get("name"):
            self.values[a["name"]] = a.get("value") or "y"
        elif tag == "select":
            self._select = a.get("name")
            self.values.setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.values[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    @classmethod
    def of(cls, html: str, action: str) -> dict:
        parser = cls(action)
        parser.feed(html)
        return parser.values


def csrf_token(html: str) -> str:
    match = re.search(r'name="(?:[\w-]+-)?csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="(?:[\w-]+-)?csrf_token"', html)
    return match.group(1) if match else ""


class Person(HttpUser):
    """A signed-in user of one kind; ``page`` / ``send`` check every answer."""

    abstract = True
    wait_time = WAIT
    kind = ""

    def on_start(self):
        self.username = account_for(self.kind)
        page = self.page("/login/", "login page", signed_in=False)
        with self.client.post("/login/", name="login", catch_response=True, data={
                "username": self.username, "password": ACCOUNTS["password"], "csrf_token": csrf_token(page)}) as resp:
            if "/login" in resp.url or 'id="username"' in resp.text:
                resp.failure(f"login of {self.username} refused")

    def _check(self, resp, signed_in: bool = True) -> str:
        if resp.status_code >= 400:
            resp.failure(f"HTTP {resp.status_code}")
            return ""
        text = resp.text
        if signed_in and ("/login/" in resp.url or 'name="password"' in text and 'id="username"' in text):
            resp.failure(f"{self.username}: signed out (login page)")
            return ""
        flash = FLASH_ERROR.search(text)
        if flash:
            resp.failure("flash: " + " ".join(TAGS.sub(" ", flash.group(1)).split())[:200])
            return ""
        if FIELD_ERROR.search(text):
            resp.failure("field errors: " + ", ".join(sorted(set(re.findall(
                r'class="[^"]*\bhas-error\b[^"]*"[^>]*>\s*<label[^>]*for="([^"]+)"', text))))[:200])
            return ""
        resp.success()
        return text

    def page(self, path: str, name: str, *, signed_in: bool = True) -> str:
        with self.client.get(path, name=name, catch_response=True) as resp:
            return self._check(resp, signed_in)

    def send(self, path: str, name: str, data: dict, files: dict | None = None) -> str:
        with self.client.post(path, name=name, data=data, files=files, catch_response=True) as resp:
            return self._check(resp)


class Staff(Person):
    weight = 60
    fixed_count = FIXED
    kind = "staff"

    @task
    def update_my_file(self):
        mine = self.page("/my/file/", "staff: my file")
        if not mine:
            return
        if 'id="submitted-banner"' in mine or "submitted-banner" in mine:
            self.wait()
            self.page("/my/file/draft", "staff: draft")
            return
        self.wait()
        form = self.page("/my/file/edit/health", "staff: edit form")
        if not form:
            return
        values = FormValues.of(form, "/my/file/edit/health")
        height = values.get("height_cm") or "0"
        values["height_cm"] = str(random.choice([h for h in range(150, 186) if str(h) != height]))
        values["weight_kg"] = str(random.randint(45, 90))
        values["health"] = values.get("health") or "Tốt"
        self.wait()
        if not self.send("/my/file/edit/health", "staff: save section", values):
            return
        self.wait()
        draft = self.page("/my/file/draft", "staff: draft")
        if not draft:
            return
        attach = FormValues.of(draft, "/my/file/attachments")
        attach.update({"attachment-kind": "khac" if 'value="khac"' in draft else "quyet_dinh",
                       "attachment-section": "health", "attachment-description": "Giấy khám sức khỏe"})
        self.wait()
        # The upload answers with the draft page again, now holding the proof: "Gửi" is pressed on that page (its
        # form carries the draft it shows; the page read before the upload is stale).
        draft = self.send("/my/file/attachments", "staff: attach proof", attach,
                          files={"attachment-file": ("Giay kham suc khoe.pdf", PROOF, "application/pdf")})
        if not draft:
            return
        self.wait()
        submit = FormValues.of(draft, "/my/file/submit")
        submit["submit-note"] = "Cập nhật chiều cao, cân nặng theo giấy khám sức khỏe"
        done = self.send("/my/file/submit", "staff: submit", submit)
        if done and "submitted-banner" not in done:
            pass  # the page after a submission is the file with its "waiting for approval" banner


class Officer(Person):
    weight = 20
    fixed_count = FIXED
    kind = "officer"

    @task
    def review_people(self):
        unit = ACCOUNTS["root"]["id"]
        listing = self.page(f"/people/?unit_id={unit}", "officer: people list")
        ids = re.findall(r'data-person-id="(\d+)"', listing)
        self.wait()
        self.page(f"/people/?unit_id={unit}&page={random.randint(2, 20)}", "officer: people list, page n")
        self.wait()
        found = self.page("/people/?q=" + random.choice(SEARCHES).replace(" ", "+"), "officer: search by name")
        ids += re.findall(r'data-person-id="(\d+)"', found)
        if ids:
            self.wait()
            self.page(f"/people/{random.choice(ids)}", "officer: open person")


class Approver(Person):
    weight = 12
    fixed_count = FIXED
    kind = "approver"
    #: Change sets of this user's bulk decision still running (not opened or approved one by one meanwhile).
    in_flight: set[str]

    def on_start(self):
        self.in_flight = set()
        self._last_token = ""
        super().on_start()

    def waiting(self) -> list[str]:
        inbox = self.page("/people/changes/", "approver: inbox")
        return [i for i in re.findall(r'data-change-set-id="(\d+)"', inbox) if i not in self.in_flight]

    @task
    def work_the_inbox(self):
        ids = self.waiting()
        if ids:
            cs_id = ids[0]
            self.wait()
            review = self.page(f"/people/changes/{cs_id}", "approver: open change set")
            if review and f"/people/changes/{cs_id}/approve" in review:
                form = FormValues.of(review, f"/people/changes/{cs_id}/approve")
                form["approve-comment"] = "Đồng ý"
                self.wait()
                self.send(f"/people/changes/{cs_id}/approve", "approver: approve", form)
            self.wait()
            ids = self.waiting()
        chosen = ids[:random.randint(3, 6)]
        if not chosen:
            return
        self.wait()
        with self.client.post("/people/changes/bulk", name="approver: bulk approve", catch_response=True, data={
                "csrf_token": self._token, "ids": chosen, "action": "approve", "comment": ""}) as resp:
            if not self._check(resp):
                return
            match = re.search(r"[?&]bulk=(\d+)", resp.url)
            if not match:
                resp.failure("no bulk decision started")
                return
        self.in_flight.update(chosen)
        self.poll(match.group(1), chosen)

    @property
    def _token(self) -> str:
        return self._last_token

    def page(self, path: str, name: str, *, signed_in: bool = True) -> str:
        text = super().page(path, name, signed_in=signed_in)
        if text:
            self._last_token = csrf_token(text) or getattr(self, "_last_token", "")
        return text

    def poll(self, bulk_id: str, chosen: list[str]) -> None:
        """The inbox polls the bulk decision every second until it is over (at most a minute here)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(1)
            with self.client.get(f"/people/changes/bulk/status?id={bulk_id}", name="approver: bulk status",
                                 catch_response=True) as resp:
                try:
                    state = resp.json()
                except ValueError:
                    resp.failure("not JSON (signed out?)")
                    return
                if state["status"] in ("queued", "running"):
                    resp.success()
                    continue
                refused = [r for r in state.get("results") or [] if r.get("outcome") == "refused"]
                if state["status"] != "finished" or refused:
                    resp.failure(f"bulk decision {state['status']}: {state.get('error') or refused[:2]}")
                else:
                    resp.success()
                self.in_flight.difference_update(chosen)
                return


class ReportViewer(Person):
    weight = 8
    fixed_count = FIXED
    kind = "viewer"

    @task
    def open_reports(self):
        unit = ACCOUNTS["root"]["id"]
        self.page("/dashboard/", "viewer: dashboard")
        self.wait()
        self.page(f"/reports/bm02/{random.choice(['vien-chuc', 'cong-chuc'])}/?unit_id={unit}", "viewer: BM02")
        self.wait()
        self.page("/reports/quality/", "viewer: data quality")
        self.wait()
        self.page("/reports/salary/", "viewer: salary report")
        self.wait()
        self.page("/compliance/", "viewer: compliance")
