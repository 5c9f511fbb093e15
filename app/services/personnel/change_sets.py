"""Self-service change sets (HN-6.2, HN-6.3, HCM-7.2, HCM-7.2c): drafts, proof, submission, approval.

A person (or a TCCB officer on their behalf) edits a **draft** section by section; each save is checked in
full (all problems at once, next to the field) and recorded as item-level changes. The approved file is
untouched until :func:`approve`, which applies the items, recomputes derived keys and writes an immutable
:class:`FileVersion` — all in one transaction. Each decision tells the people concerned in the same transaction
(``app.services.notifications``: the next actors at a submission or a step done, the person and the officer who
prepared the change at a return or an approval). Approval chains and deadlines per city are the workflow's
business (issue 8); this module holds the single-step transitions they build on.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, date, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app import audit, workdays, workflow
from app.extensions import db
from app.profiles import active_profile
from app.request_input import as_id
from app.security import scope
from app.security.permissions import ACTION_READ
from app.services import code_lists, notifications
from app.services.errors import Errors, ForbiddenError, NotFoundError, ValidationError, use_case
from app.services.personnel import checks, files, signatures
from app.services.personnel import values as fv
from app.services.personnel.people import (
    get_person,
    refresh_derived,
    require_unarchived,
)
from app.services.personnel.syll import SECTIONS, Section, section
from app.workflow import EDITABLE_STATUSES, OPEN_STATUSES, STATUS_LABELS
from models.personnel import SECTION_MODELS, Attachment, ChangeItem, ChangeSet, Person, PersonPhoto

__all__ = [
    "OPEN_STATUSES",
    "STATUS_LABELS",
    "approve",
    "cancel_draft",
    "close_open_change_set",
    "cross_check",
    "delete_row",
    "draft_fingerprint",
    "draft_view",
    "get_change_set",
    "lock_person",
    "open_change_set",
    "parse_round",
    "return_change_set",
    "row_checks",
    "save_section",
    "set_photo",
    "submit",
    "undo_item",
]

PHOTO_MAX_BYTES = 2 * 1024 * 1024
PHOTO_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def _now() -> datetime:
    return datetime.now(UTC)


def open_change_set(person: Person) -> ChangeSet | None:
    """The person's open change set (draft, returned or submitted), if any."""
    return db.session.scalar(select(ChangeSet).where(ChangeSet.person_id == person.id,
                                                     ChangeSet.status.in_(OPEN_STATUSES)).limit(1))


# --------------------------------------------------------------------------- row locks (issue 13, item 10)
# Every use case that writes a change set, its items or its steps, or the file, first locks the person row,
# then the change set row, and re-reads both (PostgreSQL ``FOR NO KEY UPDATE``: it does not block the foreign
# key checks of rows inserted meanwhile). One order everywhere (person, then change set) so two of them never
# wait for each other; the second of two concurrent decisions reads the first one's result. SQLite ignores the
# clause; it writes one transaction at a time anyway.

_LOCK = {"key_share": True}


def lock_person(person: Person) -> Person:
    """Lock ``person``'s row for the rest of the transaction and re-read it (caller's transaction)."""
    db.session.refresh(person, with_for_update=_LOCK)
    return person


def _lock_change_set(cs: ChangeSet) -> ChangeSet:
    """Lock and re-read a change set (its person is locked first); its items and steps load afresh."""
    db.session.refresh(cs, with_for_update=_LOCK)
    return cs


def parse_round(raw) -> int | None:
    """The round (submission) a decision form says its page showed: None when it says none (a client other than
    the review page or the inbox); a value that is not a round number is one no change set has (0), so that the
    decision is refused as taken on other content."""
    text = str(raw or "").strip()
    if not text:
        return None
    return int(text) if text.isdigit() and len(text) < 9 else 0


def _lock_for_decision(actor, change_set_id, seen_round: int | None = None) -> ChangeSet:
    """The change set ``actor`` decides on, locked and re-read with its person (NotFoundError out of scope).
    ``seen_round``: the submission the decider's page showed; if the change set has been returned and sent again
    since (another round, other content), :class:`~app.workflow.ContentChanged` and nothing is done."""
    cs = get_change_set(actor, change_set_id, ACTION_READ)
    lock_person(cs.person)
    cs = _lock_change_set(cs)
    if seen_round is not None and cs.status == "submitted" and cs.round != seen_round:
        raise workflow.ContentChanged({"__all__": [_(
            "Đề nghị này đã được trả lại và gửi lại với nội dung mới (lần gửi thứ %(round)s) sau khi bạn mở trang; "
            "chưa có gì được thay đổi. Hãy xem nội dung mới rồi quyết định.", round=cs.round)]})
    return cs


def _locked_open_change_set(person: Person) -> ChangeSet | None:
    """The person's open change set, locked and re-read (the person row is locked already)."""
    cs = open_change_set(person)
    return _lock_change_set(cs) if cs is not None else None


def editable_set(actor, person: Person) -> ChangeSet:
    """The draft to write into, created on first use; refused while a submission awaits approval."""
    require_unarchived(person)
    cs = _locked_open_change_set(person)
    if cs is not None and cs.status == "submitted":
        raise ValidationError({"__all__": [_("Hồ sơ đang chờ phê duyệt; chưa sửa được cho đến khi có kết quả.")]})
    if cs is None:
        cs = ChangeSet(person_id=person.id, status="draft", base_version_no=person.version_no,
                       created_by_id=actor.id, on_behalf=person.account_id != actor.id)
        set_change_date(cs, workflow.local_today())
        db.session.add(cs)
        db.session.flush()
    return cs


def local_date_of(moment: datetime | None) -> date:
    """The Việt Nam calendar day of ``moment`` (today when None)."""
    return (moment or datetime.now(UTC)).astimezone(workflow.TZ).date()


def set_change_date(cs: ChangeSet, day: date) -> None:
    """Record the day the change happened and the update deadline it starts (HN-6.3, HCM-7.2c: the profile's
    ``change_deadline``, for changes of an approved file; a first entry has its own deadline, HCM-7.2)."""
    cs.change_date = day
    deadline = active_profile().change_deadline
    cs.update_due = (workdays.add_workdays(day, deadline.workdays)
                     if deadline is not None and (cs.base_version_no or 0) > 0 else None)


def writable_person(actor, person_id) -> tuple[Person, bool]:
    """The file, locked for the rest of the transaction, and whether ``actor`` writes as the agency (False: the
    person themselves)."""
    person = get_person(actor, person_id, ACTION_READ)
    access = scope.person_access(actor, person)
    if not access.write:
        raise ForbiddenError(_("Bạn không có quyền sửa hồ sơ này."))
    return lock_person(person), not access.own


def _section(key: str) -> Section:
    try:
        return section(key)
    except KeyError:
        raise NotFoundError(_("Không có mục này trong sơ yếu lý lịch.")) from None


def _date_of(doc: dict, key: str, name: str):

    raw = doc["sections"][key].get(name)
    return date.fromisoformat(raw) if raw else None


def cross_check(doc: dict, errors: Errors, keys: set[str] | None = None, on=None) -> None:
    """Checks across items of the whole file ``doc`` (an overlay); only for sections in ``keys``.

    CCCD against birth date and sex, dates in order, salary coefficient against ngạch and bậc.
    """
    def wanted(key):
        return keys is None or key in keys

    ident, docs = doc["sections"]["identity"], doc["sections"]["documents"]
    birth = _date_of(doc, "identity", "birth_date")
    if wanted("documents") or wanted("identity"):
        if docs.get("cccd"):
            for message in checks.check_cccd(docs["cccd"], birth, ident.get("gender")):
                errors.add("cccd", message)
        old_id = checks.normalize_cccd(docs.get("old_id_number") or "")
        if docs.get("old_id_number") and (len(old_id) != 9 or any(ch.isalpha() for ch in docs["old_id_number"])):
            errors.add("old_id_number", _("Số CMND cũ phải gồm đúng 9 chữ số."))
        issued = _date_of(doc, "documents", "cccd_issued_on")
        if issued and birth and issued <= birth:
            errors.add("cccd_issued_on", _("Ngày cấp CCCD phải sau ngày sinh."))
    if wanted("background") or wanted("identity"):
        pairs = [(_("Ngày sinh"), birth, _("Ngày được tuyển dụng lần đầu"),
                  _date_of(doc, "background", "recruited_on")),
                 (_("Ngày được tuyển dụng lần đầu"), _date_of(doc, "background", "recruited_on"),
                  _("Ngày vào cơ quan hiện đang công tác"), _date_of(doc, "background", "joined_agency_on"))]
        for message in checks.check_dates_in_order(pairs):
            errors.add("joined_agency_on" if "cơ quan" in message else "recruited_on", message)
    if wanted("political"):
        for a, b in (("party_joined_on", "party_official_on"), ("enlisted_on", "discharged_on")):
            sec = section("political")
            for message in checks.check_dates_in_order([(sec.field(a).label, _date_of(doc, "political", a),
                                                         sec.field(b).label, _date_of(doc, "political", b))]):
                errors.add(b, message)
    if wanted("salary"):
        sal = doc["sections"]["salary"]
        _check_coefficient(errors, sal.get("rank_code"), sal.get("salary_step"), sal.get("salary_coefficient"),
                           "salary_coefficient", on)


def row_checks(sec: Section, new: dict, errors: Errors, on=None) -> None:
    """Checks of one saved section or table row beyond its fields' own (``new``: its JSON values): the salary
    coefficient of a row of 37.1 against its ngạch and bậc. The edit form and the import (issue 19) both call it."""
    if sec.key == "salary_history":
        _check_coefficient(errors, new.get("rank_code"), new.get("step"), new.get("coefficient"), "coefficient", on)


def _check_coefficient(errors: Errors, rank, step, coefficient, field_name: str, on) -> None:
    if not rank or step is None:
        return
    group = code_lists.pay_group(rank, on)
    if group is None:
        return
    expected = code_lists.coefficient(group, int(step), on)
    if expected is None:
        errors.add("salary_step" if field_name == "salary_coefficient" else "step",
                   _("Ngạch %(rank)s (nhóm %(group)s) không có bậc %(step)s.", rank=rank, group=group, step=step))
    elif coefficient is not None and str(expected) != str(coefficient):
        errors.add(field_name, _("Hệ số %(value)s không đúng bậc %(step)s của nhóm %(group)s (đúng là %(expected)s).",
                                 value=str(coefficient).replace(".", ","), step=step, group=group,
                                 expected=str(expected).replace(".", ",")))


def _row_in(snap: dict, sec: Section, row_id) -> dict:
    try:
        rid = as_id(row_id)
    except (TypeError, ValueError):
        rid = None
    row = next((r for r in snap["sections"][sec.key] if r.get("id") == rid), None)
    if row is None:
        raise NotFoundError(_("Không tìm thấy dòng này trong hồ sơ."))
    return row


def _item(cs: ChangeSet, **match) -> ChangeItem | None:
    return next((it for it in cs.items if all(getattr(it, k) == v for k, v in match.items())), None)


def _own_item(cs: ChangeSet, item_id, sec: Section | None = None) -> ChangeItem:
    try:
        iid = as_id(item_id)
    except (TypeError, ValueError):
        iid = None
    item = _item(cs, id=iid)
    if item is None or (sec is not None and item.section != sec.key):
        raise NotFoundError(_("Không tìm thấy thay đổi này trong bản nháp."))
    return item


@use_case
def save_section(actor, person_id, section_key: str, data: dict, *, row_id=None, item_id=None) -> ChangeSet:
    """Record the new values of one section (or one table row) in the person's draft.

    Scalar section: a "set" item. Table: ``row_id`` edits an approved row, ``item_id`` edits a row added
    in this draft, neither adds a row. Every problem of the input is reported at once; nothing is
    written when there is one. A change that restores the approved values removes the item.
    """
    person, agency = writable_person(actor, person_id)
    sec = _section(section_key)
    if sec.key == "photo":
        raise NotFoundError(_("Không có mục này trong sơ yếu lý lịch."))
    errors = Errors()
    snap = files.snapshot(person)
    approved = snap["sections"][sec.key] if not sec.repeating else next(
        (r for r in snap["sections"][sec.key] if str(r.get("id")) == str(row_id)), None)
    parsed = fv.parse_section(sec, data, errors, agency=agency, approved=approved)
    new = {}
    for f in sec.fields:
        if f.name in parsed:
            new[f.name] = fv.to_json(f, parsed[f.name])
            if f.type == "pdate":
                new[fv.precision_key(f.name)] = parsed.get(fv.precision_key(f.name))
    if not errors:
        row_checks(sec, new, errors)
    cs = editable_set(actor, person)
    if sec.repeating:
        if row_id not in (None, ""):
            old = _row_in(snap, sec, row_id)
            item = _item(cs, section=sec.key, op="update", row_id=old["id"])
            if _item(cs, section=sec.key, op="delete", row_id=old["id"]):
                raise ValidationError({"__all__": [_("Dòng này đang được đề nghị xóa; hãy hoàn tác trước.")]})
            if item is None:
                item = ChangeItem(section=sec.key, op="update", row_id=old["id"])
            baseline = old
        elif item_id not in (None, ""):
            item, baseline = _own_item(cs, item_id, sec), None
            if item.op != "add":
                raise NotFoundError(_("Không tìm thấy thay đổi này trong bản nháp."))
        else:
            item, baseline = ChangeItem(section=sec.key, op="add"), None
    else:
        item = _item(cs, section=sec.key, op="set") or ChangeItem(section=sec.key, op="set")
        baseline = snap["sections"][sec.key]
    doc = files.overlay(snap, [it for it in cs.items if it is not item] + [
        ChangeItem(id=-1, section=sec.key, op=item.op, row_id=item.row_id, values=new)])
    cross_check(doc, errors, {sec.key})
    errors.raise_if_any()
    if baseline is not None and all(baseline.get(k) == v for k, v in new.items()):
        if item in cs.items:
            cs.items.remove(item)
    else:
        item.values = new
        if item not in cs.items:
            cs.items.append(item)
    if cs.status == "returned":
        cs.status = "draft"
    cs.updated_at = _now()
    db.session.flush()
    return cs


@use_case
def delete_row(actor, person_id, section_key: str, *, row_id=None, item_id=None) -> ChangeSet:
    """Propose deleting an approved row (``row_id``) or drop a row added in the draft (``item_id``)."""
    person, _agency = writable_person(actor, person_id)
    sec = _section(section_key)
    if not sec.repeating:
        raise NotFoundError(_("Không có mục này trong sơ yếu lý lịch."))
    cs = editable_set(actor, person)
    if item_id not in (None, ""):
        item = _own_item(cs, item_id, sec)
        cs.items.remove(item)
    else:
        old = _row_in(files.snapshot(person), sec, row_id)
        for it in [it for it in cs.items if it.section == sec.key and it.row_id == old["id"]]:
            cs.items.remove(it)
        db.session.flush()
        cs.items.append(ChangeItem(section=sec.key, op="delete", row_id=old["id"], values=None))
    cs.updated_at = _now()
    db.session.flush()
    return cs


@use_case
def undo_item(actor, person_id, item_id) -> ChangeSet:
    """Take one change back out of the draft (the approved value shows again)."""
    person, _agency = writable_person(actor, person_id)
    cs = editable_set(actor, person)
    cs.items.remove(_own_item(cs, item_id))
    cs.updated_at = _now()
    db.session.flush()
    return cs


@use_case
def set_photo(actor, person_id, content: bytes) -> ChangeSet:
    """Put a new 4×6 photo (JPEG or PNG, ≤ 2 MB) in the draft; it is stored encrypted."""
    person, _agency = writable_person(actor, person_id)
    mime = next((m for magic, m in PHOTO_TYPES.items() if content.startswith(magic)), None)
    if not content or mime is None:
        raise ValidationError({"photo": [_("Ảnh phải là tệp JPEG hoặc PNG.")]})
    if len(content) > PHOTO_MAX_BYTES:
        raise ValidationError({"photo": [_("Ảnh không được lớn hơn 2 MB.")]})
    cs = editable_set(actor, person)
    item = _item(cs, section="photo", op="set") or ChangeItem(section="photo", op="set")
    item.values = {"mime_type": mime, "sha256": hashlib.sha256(content).hexdigest(),
                   "data": base64.b64encode(content).decode("ascii")}
    if item not in cs.items:
        cs.items.append(item)
    db.session.flush()
    return cs


def draft_view(actor, person_id) -> tuple[Person, ChangeSet | None, dict, dict]:
    """(person, open change set, approved snapshot, overlay) for the file and diff screens."""
    person = get_person(actor, person_id, ACTION_READ)
    cs = open_change_set(person)
    snap = files.snapshot(person)
    return person, cs, snap, files.overlay(snap, list(cs.items) if cs else [])


def draft_fingerprint(cs: ChangeSet | None, proof_ids=None) -> str:
    """What a draft holds — its items (values included) and its proof — as a short keyed digest: the draft page
    carries it, so that what is submitted (and signed, HCM-7.2c) is what the submitter saw. Keyed with the app's
    secret: the digest of a draft with masked items says nothing about their values. ``proof_ids``: the ids of
    the draft's attachments when the caller has them (read otherwise)."""
    if cs is None:
        return ""
    items = sorted(([it.id, it.section, it.op, it.row_id, it.values] for it in cs.items), key=lambda x: x[0])
    if proof_ids is None:
        proof_ids = db.session.scalars(select(Attachment.id).where(Attachment.change_set_id == cs.id))
    proof = sorted(proof_ids)
    text = files.canonical_json({"items": items, "proof": proof})
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"draft:" + text.encode(), hashlib.sha256).hexdigest()[:32]


@use_case
def submit(actor, person_id, note: str | None = None, *, passphrase: str | None = None,
           change_date: date | None = None, seen_draft: str | None = None) -> ChangeSet:
    """Send the draft for approval: it must change something, pass every check, carry proof when the city
    profile wants it (HN-6.3) and the person's signature when it wants that (HCM-7.2c); the workflow then
    starts the profile's chain. ``change_date``: the day the change happened (default: the draft's own; it starts
    the update deadline, HN-6.3 / HCM-7.2c). ``seen_draft``: the :func:`draft_fingerprint` of the draft the
    submitter's page showed; a draft changed since (someone else edited it) is not sent."""
    person, agency = writable_person(actor, person_id)
    cs = _locked_open_change_set(person)
    if cs is not None and cs.status == "submitted":
        raise workflow.AlreadyDecided({"__all__": [_(
            "Hồ sơ đã được xử lý: bản nháp đã được gửi đi và đang chờ phê duyệt; không có gì được thay đổi.")]})
    if cs is None or cs.status not in EDITABLE_STATUSES:
        raise ValidationError({"__all__": [_("Không có bản nháp nào để gửi.")]})
    if not cs.items:
        raise ValidationError({"__all__": [_("Bản nháp chưa có thay đổi nào.")]})
    if seen_draft is not None and not hmac.compare_digest(str(seen_draft).encode(), draft_fingerprint(cs).encode()):
        raise ValidationError({"__all__": [_(
            "Bản nháp đã được sửa sau khi bạn mở trang; chưa có gì được gửi. Hãy xem lại các thay đổi dưới đây "
            "rồi gửi lại.")]})
    errors = Errors()
    if change_date is not None and change_date > workflow.local_today():
        errors.add("change_date", _("Ngày phát sinh thay đổi không được sau hôm nay."))
    elif change_date is not None and person.birth_date is not None and change_date < person.birth_date:
        errors.add("change_date", _("Ngày phát sinh thay đổi không được trước ngày sinh."))
    doc = files.overlay(files.snapshot(person), list(cs.items))
    cross_check(doc, errors)
    profile = active_profile()
    if profile.submission_requires_proof and not agency:
        has_proof = db.session.scalar(select(Attachment.id).where(Attachment.change_set_id == cs.id).limit(1))
        if not has_proof:
            errors.add("__all__", _("Hãy đính kèm bản số hóa của giấy tờ chứng minh thay đổi."))
    errors.raise_if_any()
    cs.note = (note or "").strip() or cs.note
    if change_date is not None:
        set_change_date(cs, change_date)
    elif cs.change_date is None:
        set_change_date(cs, local_date_of(cs.created_at))
    signature_ref = None
    if profile.submission_requires_signature and not agency:
        signature_ref = signatures.sign_submission(actor, person, cs, passphrase)
    workflow.submit(cs, person, actor, on_behalf=agency, signature_ref=signature_ref)
    notifications.step_waiting(cs, workflow.current_step(cs), person)
    return cs


def get_change_set(actor, change_set_id, action: str = ACTION_READ) -> ChangeSet:
    """A change set whose file ``actor`` may ``action``; NotFoundError otherwise."""
    try:
        cid = as_id(change_set_id)
    except (TypeError, ValueError):
        raise NotFoundError(_("Không tìm thấy đề nghị thay đổi.")) from None
    cs = db.session.scalar(select(ChangeSet).join(Person, Person.id == ChangeSet.person_id).where(
        ChangeSet.id == cid, scope.person_filter(actor, action)))
    if cs is None:
        raise NotFoundError(_("Không tìm thấy đề nghị thay đổi."))
    return cs


def _apply(person: Person, cs: ChangeSet) -> None:
    """Write the items into the live rows; a row changed or removed since the draft began is a conflict."""
    by_table: dict[str, dict[int, object]] = {}
    needed = {(section(it.section).table, it.row_id) for it in cs.items if it.row_id is not None}
    for table in {t for t, _rid in needed}:
        model = SECTION_MODELS[table]
        ids = [rid for t, rid in needed if t == table]
        by_table[table] = {r.id: r for r in db.session.scalars(
            select(model).where(model.id.in_(ids), model.person_id == person.id))}
    for it in cs.items:
        if it.section == "photo":
            content = base64.b64decode(it.values["data"])
            photo = db.session.get(PersonPhoto, person.id) or PersonPhoto(person_id=person.id)
            photo.content, photo.mime_type, photo.sha256 = content, it.values["mime_type"], it.values["sha256"]
            photo.updated_at = _now()
            db.session.add(photo)
            continue
        sec = section(it.section)
        values = fv.typed_row(sec, it.values or {})
        if it.op == "set":
            for name, value in values.items():
                setattr(person, name, value)
        elif it.op == "add":
            model = SECTION_MODELS[sec.table]
            db.session.add(model(person_id=person.id, **sec.fixed, **values))
        else:
            row = by_table.get(sec.table, {}).get(it.row_id)
            if row is None or any(getattr(row, k) != v for k, v in sec.fixed.items()):
                raise ValidationError({"__all__": [_(
                    "Một dòng của mục “%(section)s” đã bị thay đổi trong hồ sơ đã duyệt sau khi lập bản nháp; "
                    "hãy trả lại để người khai cập nhật.", section=sec.label)]})
            if it.op == "update":
                for name, value in values.items():
                    setattr(row, name, value)
            else:
                db.session.delete(row)


@use_case
def approve(actor, change_set_id, comment: str | None = None, *, passphrase: str | None = None,
            seen_round: int | None = None):
    """Act on the pending step of a change set (the workflow checks who may; the step is signed when the
    profile requires it). At the final step the items are applied and the next immutable version is written —
    one transaction. Returns the version, or None when the chain goes on to a next step.

    The person and the change set are locked and re-read first: of two concurrent decisions the second one
    raises :class:`~app.workflow.AlreadyDecided` ("Hồ sơ đã được xử lý") and nothing is applied twice.
    ``seen_round``: the submission the approver's page showed (the review page sends it): a change set sent again
    since is not approved unseen (:class:`~app.workflow.ContentChanged`)."""
    cs = _lock_for_decision(actor, change_set_id, seen_round)
    step, final = workflow.check_can_act(actor, cs)
    signature_ref = None
    if step.signature_required:
        signature_ref = signatures.sign_step(actor, cs.person, cs, step.key, passphrase,
                                             _("Phê duyệt") if final else _("Đã kiểm tra, xác thực"))
    version = None
    if final:
        person = cs.person
        require_unarchived(person)
        with audit.reason(_("Phê duyệt đề nghị thay đổi số %(id)s", id=cs.id)):
            _apply(person, cs)
            refresh_derived(person)
            version = files.write_version(person, actor, cs.id)
    done, _final = workflow.act(actor, cs, comment, signature_ref=signature_ref)
    if version is not None:
        cs.version_id = version.id
        notifications.change_approved(cs, cs.person, actor, version)
    else:
        notifications.step_waiting(cs, workflow.current_step(cs), cs.person, previous=done)
    return version


@use_case
def return_change_set(actor, change_set_id, reason: str, *, seen_round: int | None = None) -> ChangeSet:
    """Return a submitted change set to its author with a reason; the approved file is unchanged. Locked and
    re-read first, and refused when sent again since ``seen_round``, like :func:`approve`."""
    cs = _lock_for_decision(actor, change_set_id, seen_round)
    step = workflow.send_back(actor, cs, reason)
    notifications.change_returned(cs, step, cs.person, actor)
    return cs


@use_case
def cancel_draft(actor, person_id) -> None:
    """Abandon the open draft (not a submission): its items are dropped, the approved file stays."""
    person, _agency = writable_person(actor, person_id)
    cs = _locked_open_change_set(person)
    if cs is None or cs.status not in EDITABLE_STATUSES:
        raise ValidationError({"__all__": [_("Không có bản nháp nào để hủy.")]})
    workflow.cancel(cs, actor)


def close_open_change_set(actor, person: Person, reason: str) -> None:
    """Close whatever is open on the file (used when it moves to the archive); caller's transaction. The person
    and the change set are locked first, like every decision."""
    db.session.execute(select(Person.id).where(Person.id == person.id).with_for_update(**_LOCK))
    cs = _locked_open_change_set(person)
    if cs is not None:
        workflow.cancel(cs, actor, reason=reason, action="close")


def sections_in_order() -> tuple[Section, ...]:
    """The sections in form order (for screens)."""
    return SECTIONS
