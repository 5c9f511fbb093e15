"""The use cases of a move (one use case = one transaction, audited): record, move, receive, complete, cancel,
arrive, and the daily job's "what takes effect today".

Rules: ``../shared/docs/regulations.md`` §9 — HCM-8.1 (inside a unit, 15 WD), HN-12.1 / HCM-8.2 (between
agencies: the losing agency reports, the competent authority moves the file and the account, the gaining
agency receives; 30 WD in HCM), HN-12.2.1 / HCM-8.3 (out of the city: status, access revoked, hand-over),
HN-12.2.2a/b (into the city: file and account within 10 WD of the hand-over, or the hand-over package
imported), HN-12.3 / HCM-8.4 (leaving the service: status and archive within 10 WD, nothing deleted). The
deadlines and the competent authority come from the city profile (``transfer_deadlines``,
``transfer_authority``), never from a branch on the city.

Every completed move appends the new post to item 33 (quá trình công tác) and writes the next approved file
version, whose reason is the decision (its scan is kept with the file): the SYLL stays true without anyone
retyping it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app import audit, workdays
from app.extensions import db
from app.profiles import EVENT_DECISION, EVENT_EFFECTIVE, EVENT_HANDOVER, active_profile
from app.request_input import as_id
from app.security import scope
from app.security.permissions import ACTION_READ, ACTION_WRITE, RESOURCE_ACCOUNT, RESOURCE_PERSONNEL
from app.security.roles import ROLE_SELF_SERVICE
from app.security.session import end_sessions
from app.services import notifications
from app.services.errors import Errors, ForbiddenError, NotFoundError, ValidationError, use_case
from app.services.org_units.queries import employing_agency
from app.services.personnel import checks, files
from app.services.personnel.attachments import check_proof, store_proof
from app.services.personnel.change_sets import close_open_change_set, lock_person
from app.services.personnel.people import (
    ARCHIVE_STATUSES,
    CATEGORIES,
    STATUSES,
    create_person,
    find_by_cccd,
    get_person,
    is_archived,
    open_move,
    refresh_derived,
)
from app.services.transfers import states
from app.text import clean
from models.accounts import Account, RoleAssignment
from models.mixins import utcnow
from models.org_units import STATUS_ACTIVE, OrgUnit
from models.personnel import Person, WorkRecord
from models.transfers import Transfer

__all__ = ["LEAVE_STATUSES", "ArrivalData", "MoveData", "apply_effective", "arrive", "cancel", "complete",
           "deadline_for", "get_transfer", "is_transfer_authority", "leave", "move", "open_account", "receive",
           "record_move"]

#: The archive statuses a "leaving the service" decision may end in (out of the city has its own kind).
LEAVE_STATUSES = tuple(s for s in ARCHIVE_STATUSES if s != "transferred_out")
RECORDABLE_KINDS = ("within_unit", "between_agencies", "out_of_city", "leaving")


@dataclass
class MoveData:
    """The decision of a move, as typed by the officer (dates already parsed)."""

    kind: str | None = None
    to_unit_id: Any = None
    external_place: str | None = None
    leave_status: str | None = None
    new_title: str | None = None
    decision_number: str | None = None
    decision_date: date | None = None
    decision_signer: str | None = None
    effective_date: date | None = None
    note: str | None = None
    scan: bytes | None = None
    scan_name: str | None = None


@dataclass
class ArrivalData(MoveData):
    """Someone arrives (from another province or a ministry, or back into the service): the receiving unit, who
    they are, the hand-over day, and the hand-over package of the other system when there is one."""

    org_unit_id: Any = None
    category: str | None = None
    full_name: str | None = None
    gender: str | None = None
    birth_date: date | None = None
    cccd: str | None = None
    handover_date: date | None = None
    package: bytes | None = None
    #: HN-12.2.2b: take the file from the national CBCCVC database by the CCCD (when no package is uploaded).
    from_national: bool = False
    extra: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- reading

def get_transfer(actor, transfer_id, action: str = ACTION_READ) -> Transfer:
    """The move ``transfer_id`` if ``actor`` may see it (personnel ``action`` on its origin or destination unit,
    or the competent authority); NotFoundError otherwise (same message as a missing one)."""
    try:
        tid = as_id(transfer_id)
    except (TypeError, ValueError):
        raise NotFoundError(_("Không tìm thấy quyết định điều động.")) from None
    transfer = db.session.get(Transfer, tid)
    if transfer is None or not _may_see(actor, transfer, action):
        raise NotFoundError(_("Không tìm thấy quyết định điều động."))
    return transfer


def _may_see(actor, transfer: Transfer, action: str) -> bool:
    units = [u for u in (transfer.from_unit, transfer.to_unit) if u is not None]
    if any(scope.allows(actor, action, RESOURCE_PERSONNEL, u) for u in units):
        return True
    return bool(units) and is_transfer_authority(actor, *units)


def is_transfer_authority(actor, *units: OrgUnit) -> bool:
    """True when ``actor`` is the competent authority of the profile over every one of ``units``."""
    authority = active_profile().transfer_authority
    if authority is None or getattr(actor, "id", None) is None:
        return False
    from app.workflow import authority_units

    places = authority_units(actor, authority)
    return all(any(p.covers(u) for p in places) for u in units)


def deadline_for(kind: str, *, decision_date: date | None, effective_date: date | None,
                 handover_date: date | None = None) -> tuple[date | None, str | None]:
    """(due date, rule id) of a move of ``kind`` under the active profile; (None, None) when it sets none."""
    deadline = active_profile().transfer_deadlines.get(kind)
    if deadline is None:
        return None, None
    base = {EVENT_EFFECTIVE: effective_date, EVENT_DECISION: decision_date,
            EVENT_HANDOVER: handover_date}.get(deadline.event) or effective_date or decision_date
    if base is None:
        return None, deadline.rule
    return workdays.add_workdays(base, deadline.workdays), deadline.rule


# --------------------------------------------------------------------------- checks shared by the forms

def _check_decision(data: MoveData, errors: Errors) -> None:
    if not clean(data.decision_number):
        errors.add("decision_number", _("Hãy nhập số quyết định."))
    elif len(clean(data.decision_number)) > 100:
        errors.add("decision_number", _("Số quyết định dài quá 100 ký tự."))
    if len(clean(data.decision_signer)) > 200:
        errors.add("decision_signer", _("Người ký dài quá 200 ký tự."))
    if len(clean(data.new_title)) > 200:
        errors.add("new_title", _("Chức danh dài quá 200 ký tự."))
    if data.decision_date is None:
        errors.add("decision_date", _("Hãy nhập ngày ký quyết định (dd/mm/yyyy)."))
    elif data.decision_date > scope.today():
        errors.add("decision_date", _("Ngày ký quyết định không được sau hôm nay."))
    if data.effective_date is None:
        errors.add("effective_date", _("Hãy nhập ngày có hiệu lực (dd/mm/yyyy)."))
    elif data.decision_date is not None and data.effective_date < data.decision_date:
        errors.add("effective_date", _("Ngày có hiệu lực không được trước ngày ký quyết định."))
    check_proof(data.scan, data.scan_name, errors, "scan")


def _unit(unit_id: Any, errors: Errors, field_name: str = "to_unit_id") -> OrgUnit | None:
    try:
        unit = db.session.get(OrgUnit, as_id(unit_id)) if unit_id not in (None, "") else None
    except (TypeError, ValueError):
        unit = None
    if unit_id in (None, ""):
        errors.add(field_name, _("Chưa chọn đơn vị."))
        return None
    if unit is None:
        errors.add(field_name, _("Không tìm thấy đơn vị."))
        return None
    if unit.status != STATUS_ACTIVE:
        errors.add(field_name, _("Đơn vị “%(name)s” đã ngừng hoạt động.", name=unit.name))
        return None
    return unit


# --------------------------------------------------------------------------- record

@use_case
def record_move(actor, person_id, data: MoveData) -> Transfer:
    """The employing agency records a decision about one of its people: a move inside the unit, to another
    agency of the city, out of the city, or leaving the service. Out of the city and leaving take effect at
    once when the effective date has come (else on that day, by the daily job)."""
    person = lock_person(get_person(actor, person_id, ACTION_WRITE))  # two clerks, one person: one open move
    errors = Errors()
    kind = data.kind
    if kind not in RECORDABLE_KINDS:
        errors.add("kind", _("Hãy chọn loại quyết định."))
    if is_archived(person):
        errors.add("__all__", _("Hồ sơ đã ở trong kho lưu trữ; không điều động được."))
    elif open_move(person.id) is not None:
        errors.add("__all__", _("Người này đang có một quyết định điều động chưa hoàn tất; hãy hoàn tất hoặc hủy "
                                "quyết định đó trước."))
    origin = person.org_unit
    destination = None
    if kind in ("within_unit", "between_agencies"):
        destination = _unit(data.to_unit_id, errors)
        if destination is not None:
            same_agency = employing_agency(destination).id == employing_agency(origin).id
            if destination.id == origin.id:
                errors.add("to_unit_id", _("Đơn vị mới trùng với đơn vị hiện tại."))
            elif kind == "within_unit" and not same_agency:
                errors.add("to_unit_id", _("Đơn vị mới không thuộc cùng cơ quan; hãy chọn “điều động giữa các "
                                           "cơ quan”."))
            elif kind == "within_unit" and not scope.allows(actor, ACTION_WRITE, RESOURCE_PERSONNEL, destination):
                errors.add("to_unit_id", _("Đơn vị “%(name)s” nằm ngoài phạm vi quản lý của bạn.",
                                           name=destination.name))
            elif kind == "between_agencies" and same_agency:
                errors.add("to_unit_id", _("Đơn vị mới thuộc cùng cơ quan; hãy chọn “chuyển bộ phận trong đơn vị”."))
    if kind == "out_of_city" and not clean(data.external_place):
        errors.add("external_place", _("Hãy nhập cơ quan, đơn vị nơi đến."))
    if len(clean(data.external_place)) > 300:
        errors.add("external_place", _("Nơi đến dài quá 300 ký tự."))
    if kind == "leaving" and data.leave_status not in LEAVE_STATUSES:
        errors.add("leave_status", _("Hãy chọn lý do: nghỉ hưu, thôi việc, chấm dứt hợp đồng, từ trần …"))
    _check_decision(data, errors)
    errors.raise_if_any()
    due, rule = deadline_for(kind, decision_date=data.decision_date, effective_date=data.effective_date)
    transfer = Transfer(
        person_id=person.id, kind=kind, from_unit_id=origin.id,
        to_unit_id=destination.id if destination is not None else None,
        external_place=clean(data.external_place) or None,
        leave_status=data.leave_status if kind == "leaving" else None,
        new_title=clean(data.new_title) or None, decision_number=clean(data.decision_number),
        decision_date=data.decision_date, decision_signer=clean(data.decision_signer) or None,
        effective_date=data.effective_date, due_date=due, deadline_rule=rule, note=clean(data.note) or None,
    )
    states.advance(transfer, "record", actor)
    if data.scan:
        transfer.attachment_id = store_proof(actor, person.id, data.scan, data.scan_name,
                                             description=clean(data.decision_number)).id
    db.session.add(transfer)
    db.session.flush()
    if kind == "between_agencies":
        _notify_waiting(transfer, _authority_holders(transfer))
    if kind in ("out_of_city", "leaving") and data.effective_date <= scope.today():
        _complete_exit(transfer, actor)
    return transfer


#: The quick "leave" form's field names for the decision's fields.
_LEAVE_FIELDS = {"leave_status": "status", "decision_number": "decision", "decision_date": "on",
                 "effective_date": "on"}


def leave(actor, person_id, status: str | None, on: date | None, decision: str | None) -> Transfer:
    """The file page's short form: a decision to leave the service (or the city) effective ``on``, signed that day
    — :func:`record_move` of kind ``leaving`` (``out_of_city`` for "chuyển ra ngoài thành phố"); its errors are
    named after the short form's fields."""
    kind = "out_of_city" if status == "transferred_out" else "leaving"
    data = MoveData(kind=kind, leave_status=status, decision_number=decision, decision_date=on, effective_date=on,
                    external_place=_("Ngoài thành phố") if kind == "out_of_city" else None)
    try:
        return record_move(actor, person_id, data)
    except ValidationError as exc:
        renamed: dict[str, list[str]] = {}
        for name, messages in exc.errors.items():
            for message in messages:
                if message not in renamed.setdefault(_LEAVE_FIELDS.get(name, name), []):
                    renamed[_LEAVE_FIELDS.get(name, name)].append(message)
        raise ValidationError(renamed) from None


# --------------------------------------------------------------------------- between agencies

@use_case
def move(actor, transfer_id) -> Transfer:
    """The competent authority (Sở Nội vụ, or whom the profile names) moves the file and the account to the gaining
    agency (HN-12.1, HCM-8.2); the gaining agency then receives them."""
    transfer = _locked(actor, transfer_id)
    if not is_transfer_authority(actor, transfer.from_unit, transfer.to_unit):
        raise ForbiddenError(_("Chỉ cơ quan có thẩm quyền (Sở Nội vụ) chuyển hồ sơ giữa các cơ quan."))
    destination = transfer.to_unit
    if destination.status != STATUS_ACTIVE:
        raise ValidationError({"__all__": [_("Đơn vị “%(name)s” đã ngừng hoạt động.", name=destination.name)]})
    states.advance(transfer, "move", actor)
    person = transfer.person
    with audit.reason(transfer.decision_number):
        person.org_unit_id = destination.id
        if person.account_id is not None:
            db.session.get(Account, person.account_id).org_unit_id = destination.id
    db.session.flush()
    _notify_waiting(transfer, _officers(destination))
    return transfer


@use_case
def receive(actor, transfer_id) -> Transfer:
    """The gaining agency receives the file: the person's self-service assignment moves, every other role they
    held in the old agency ends, item 33 gets the new post in an approved version, the person is told."""
    transfer = _locked(actor, transfer_id)
    if not scope.allows(actor, ACTION_WRITE, RESOURCE_PERSONNEL, transfer.to_unit):
        raise ForbiddenError(_("Chỉ cơ quan tiếp nhận được xác nhận tiếp nhận hồ sơ."))
    states.advance(transfer, "receive", actor)
    person = transfer.person
    _move_account(person, transfer, actor, end_roles_in=employing_agency(transfer.from_unit))
    _append_post(person, transfer, actor)
    _tell_person(person, transfer)
    return transfer


# --------------------------------------------------------------------------- complete / cancel

@use_case
def complete(actor, transfer_id) -> Transfer:
    """Carry out a recorded move inside the unit (the file goes to the new section), or an exit whose effective
    date has come (out of the city, leaving the service)."""
    transfer = _locked(actor, transfer_id)
    if not scope.allows(actor, ACTION_WRITE, RESOURCE_PERSONNEL, transfer.from_unit):
        raise ForbiddenError(_("Bạn không có quyền thực hiện quyết định này."))
    if transfer.kind in ("out_of_city", "leaving"):
        if transfer.effective_date > scope.today():
            day = transfer.effective_date.strftime("%d/%m/%Y")
            raise ValidationError({"__all__": [_("Quyết định có hiệu lực từ ngày %(day)s; hồ sơ sẽ tự chuyển vào lưu "
                                                 "trữ vào ngày đó.", day=day)]})
        _complete_exit(transfer, actor)
        return transfer
    if transfer.kind == "within_unit" and not scope.allows(actor, ACTION_WRITE, RESOURCE_PERSONNEL, transfer.to_unit):
        raise ForbiddenError(_("Đơn vị “%(name)s” nằm ngoài phạm vi quản lý của bạn.", name=transfer.to_unit.name))
    states.advance(transfer, "complete", actor)
    person = transfer.person
    with audit.reason(transfer.decision_number):
        person.org_unit_id = transfer.to_unit_id
    _move_account(person, transfer, actor, end_roles_in=None)
    _append_post(person, transfer, actor)
    return transfer


@use_case
def cancel(actor, transfer_id, reason: str | None) -> Transfer:
    """Cancel a recorded decision before the file has moved (a wrong entry, a decision withdrawn)."""
    transfer = _locked(actor, transfer_id)
    if not (scope.allows(actor, ACTION_WRITE, RESOURCE_PERSONNEL, transfer.from_unit)
            or is_transfer_authority(actor, transfer.from_unit)):
        raise ForbiddenError(_("Bạn không có quyền hủy quyết định này."))
    if not clean(reason):
        raise ValidationError({"reason": [_("Hãy nhập lý do hủy.")]})
    states.advance(transfer, "cancel", actor)
    transfer.cancel_reason = clean(reason)
    return transfer


def _locked(actor, transfer_id) -> Transfer:
    """The move, checked for visibility, then locked with its person and re-read (two clicks, one step)."""
    transfer = get_transfer(actor, transfer_id)
    lock_person(transfer.person)
    db.session.refresh(transfer, with_for_update=True)
    return transfer


# --------------------------------------------------------------------------- out of the city, leaving

def _complete_exit(transfer: Transfer, actor) -> None:
    """Status, archive, item 33 closed, access revoked: the file stays, read-only (HN-12.3, HCM-8.4)."""
    states.advance(transfer, "complete", actor)
    person = transfer.person
    close_open_change_set(actor, person, _("Hồ sơ chuyển vào lưu trữ."))
    with audit.reason(transfer.decision_number):
        person.status = "transferred_out" if transfer.kind == "out_of_city" else transfer.leave_status
        person.status_since = transfer.effective_date
        person.status_decision = transfer.decision_number
        _close_post(person, transfer.effective_date)
        transfer.version_id = files.write_version(person, actor, None).id
    _revoke_access(person, transfer, actor)


def _revoke_access(person: Person, transfer: Transfer, actor) -> None:
    """The personal account can no longer log in; its roles end; its open sessions end (HN-12.2.1)."""
    transfer.access_revoked_at = utcnow()
    if person.account_id is None:
        return
    account = db.session.get(Account, person.account_id)
    with audit.reason(transfer.decision_number):
        account.locked_at = utcnow()  # "khóa tài khoản": the agency reopens it if the person comes back
        _end_assignments(account, transfer, actor, within=None)
    end_sessions(account.id)
    audit.log_security("access_revoked", user=actor, detail={"account": account.username,
                                                             "decision": transfer.decision_number})


def apply_effective(day: date | None = None, limit: int = 500) -> dict[str, int]:
    """The daily job: every recorded exit whose effective date has come is completed, each in its own
    transaction (a failure is logged and retried tomorrow; running twice does the work once)."""
    day = day or scope.today()
    ids = list(db.session.scalars(select(Transfer.id).where(
        Transfer.status == "recorded", Transfer.kind.in_(("out_of_city", "leaving")),
        Transfer.effective_date <= day).order_by(Transfer.effective_date, Transfer.id).limit(limit)))
    db.session.rollback()
    done = failed = 0
    for tid in ids:
        try:
            _apply_one(tid, day)
            done += 1
        except Exception:  # one bad row must not stop the others
            db.session.rollback()
            current_app.logger.exception("transfer %s: effective-date completion failed", tid)
            failed += 1
    return {"completed": done, "failed": failed}


@use_case
def _apply_one(transfer_id: int, day: date) -> None:
    person_id = db.session.scalar(select(Transfer.person_id).where(Transfer.id == transfer_id))
    if person_id is None:
        return
    db.session.execute(select(Person.id).where(Person.id == person_id).with_for_update())
    transfer = db.session.get(Transfer, transfer_id, with_for_update=True, populate_existing=True)
    if transfer.status != "recorded" or transfer.effective_date > day:
        return  # done by someone else meanwhile (a second run, an officer)
    _complete_exit(transfer, None)


# --------------------------------------------------------------------------- into the city, back into service

@use_case
def arrive(actor, data: ArrivalData) -> tuple[Transfer, str | None]:
    """Someone joins a unit from outside the city or comes back into the service (HN-12.2.2a/b).

    One file per person for life, found by CCCD: an archived file is reopened with all its versions; an active one
    is refused. Otherwise the hand-over package of the other system is imported (every section and its history),
    or a new file is opened from the typed items. The personal account is reopened or created (its one-time
    password is returned to be handed over)."""
    from app.services.transfers import handover

    errors = Errors()
    unit = _unit(data.org_unit_id, errors, "org_unit_id")
    if unit is not None and not scope.allows(actor, ACTION_WRITE, RESOURCE_PERSONNEL, unit):
        raise ForbiddenError(_("Bạn không có quyền tiếp nhận người vào đơn vị này."))
    if data.handover_date is None:
        errors.add("handover_date", _("Hãy nhập ngày nhận bàn giao hồ sơ (dd/mm/yyyy)."))
    elif data.handover_date > scope.today():
        errors.add("handover_date", _("Ngày nhận bàn giao không được sau hôm nay."))
    if len(clean(data.external_place)) > 300:
        errors.add("external_place", _("Nơi đến dài quá 300 ký tự."))
    _check_decision(data, errors)
    package = None
    content = data.package
    if not content and data.from_national:
        content = _pull_national(actor, data.cccd, errors)
        errors.raise_if_any()
    if content:
        package = handover.parse_package(content, errors)
        if package is None:
            errors.raise_if_any()
        if data.from_national and not data.package and package.cccd != checks.normalize_cccd(data.cccd or ""):
            errors.add("cccd", _("Hồ sơ CSDL quốc gia trả về mang số CCCD khác số đã nhập; không tiếp nhận."))
            errors.raise_if_any()
    cccd = checks.normalize_cccd((package.cccd if package else None) or data.cccd or "")
    if not cccd:
        errors.add("cccd", _("Hãy nhập số CCCD (mỗi người một hồ sơ, tìm theo số CCCD)."))
    existing = find_by_cccd(cccd) if cccd else None
    if existing is not None and not is_archived(existing):
        errors.add("cccd", _("Người mang số CCCD này đang có hồ sơ hoạt động trong thành phố; hãy dùng điều động "
                             "giữa các cơ quan."))
    if existing is None and package is None:
        if data.category not in CATEGORIES:
            errors.add("category", _("Hãy chọn đối tượng (cán bộ, công chức, viên chức …)."))
        if not clean(data.full_name):
            errors.add("full_name", _("Hãy nhập họ và tên."))
    errors.raise_if_any()
    if existing is not None:
        person = existing
        lock_person(person)
        with audit.reason(clean(data.decision_number)):
            person.status, person.status_since, person.status_decision = "active", data.effective_date, None
            person.org_unit_id = unit.id
            if data.category in CATEGORIES:
                person.category = data.category
    elif package is not None:
        person = handover.import_package(actor, package, unit, data.category)
    else:
        person = create_person(actor, {"org_unit_id": unit.id, "category": data.category, "full_name": data.full_name,
                                       "gender": data.gender, "birth_date": data.birth_date, "cccd": cccd,
                                       **data.extra})
    due, rule = deadline_for("into_city", decision_date=data.decision_date, effective_date=data.effective_date,
                             handover_date=data.handover_date)
    transfer = Transfer(
        person_id=person.id, kind="into_city", to_unit_id=unit.id, external_place=clean(data.external_place) or None,
        new_title=clean(data.new_title) or None, decision_number=clean(data.decision_number),
        decision_date=data.decision_date, decision_signer=clean(data.decision_signer) or None,
        effective_date=data.effective_date, handover_date=data.handover_date, due_date=due, deadline_rule=rule,
        note=clean(data.note) or None,
    )
    states.advance(transfer, "arrive", actor)
    if data.scan:
        transfer.attachment_id = store_proof(actor, person.id, data.scan, data.scan_name,
                                             description=clean(data.decision_number)).id
    db.session.add(transfer)
    db.session.flush()
    password = _open_account(actor, person, unit, transfer)
    _append_post(person, transfer, actor)
    return transfer, password


def _pull_national(actor, cccd: str | None, errors: Errors) -> bytes | None:
    """The file of ``cccd`` from the national CBCCVC database (HN-12.2.2b; the identifier is the số định danh cá
    nhân, ND27-ID) as hand-over JSON bytes, or None with the reason in ``errors``. The look-up is logged."""
    from app.national.client import NationalClient, NationalError
    from app.national.records import handover_of

    number = checks.normalize_cccd(cccd or "")
    if len(number) != 12 or not number.isdigit():
        errors.add("cccd", _("Hãy nhập số CCCD gồm 12 chữ số để tra cứu CSDL quốc gia."))
        return None
    client = NationalClient.from_config(current_app.config)
    if client is None:
        errors.add("from_national", _("Hệ thống chưa được cấu hình kết nối CSDL quốc gia; hãy nhập gói bàn giao "
                                      "hoặc khai hồ sơ."))
        return None
    try:
        with client:
            doc = client.get_file(number)
    except NationalError as exc:
        audit.log_access("national_pull", user=actor, object_type="Person", detail={"result": "error"})
        errors.add("from_national", _("Không lấy được hồ sơ từ CSDL quốc gia: %(reason)s", reason=exc.message))
        return None
    audit.log_access("national_pull", user=actor, object_type="Person",
                     detail={"result": "found" if doc is not None else "not_found"})
    if doc is None:
        errors.add("cccd", _("CSDL quốc gia không có hồ sơ mang số CCCD này."))
        return None
    try:
        return handover_of(doc)
    except ValueError:
        errors.add("from_national", _("CSDL quốc gia trả về dữ liệu không đúng định dạng."))
        return None


def _open_account(actor, person: Person, unit: OrgUnit, transfer: Transfer) -> str | None:
    """Reopen the person's account (a comeback) or create one (HN-12.2.2a); returns a new password to hand over.
    An actor who does not manage accounts there (a TCCB officer) leaves it to the agency's account administrators,
    who are told at once (the hand-over deadline runs)."""
    from app.services.accounts.lifecycle import AccountData, create_account, reset_password

    if not scope.allows(actor, ACTION_WRITE, RESOURCE_ACCOUNT, unit):
        notifications.account_needed(transfer, person, _account_admins(unit))
        return None
    if person.account_id is not None:
        account = db.session.get(Account, person.account_id)
        with audit.reason(transfer.decision_number):
            account.locked_at = None
            account.fail_login_count = 0
            account.org_unit_id = unit.id
            _grant_self_service(account, unit, actor, transfer)
        return reset_password(actor, account.id)
    family = " ".join(p for p in (person.family_name, person.middle_name) if p)
    account, password = create_account(actor, AccountData(last_name=family, first_name=person.given_name,
                                                          org_unit_id=unit.id, request_number=transfer.decision_number))
    person.account_id = account.id
    return password


@use_case
def open_account(actor, transfer_id) -> str:
    """The receiving agency's account administrator opens (or reopens) the personal account of someone who
    arrived; returns the password to hand over."""
    transfer = _locked(actor, transfer_id)
    if transfer.kind != "into_city" or transfer.status != "completed":
        raise ValidationError({"__all__": [_("Chỉ cấp tài khoản cho người đã được tiếp nhận.")]})
    if not scope.allows(actor, ACTION_WRITE, RESOURCE_ACCOUNT, transfer.to_unit):
        raise ForbiddenError(_("Bạn không có quyền cấp tài khoản tại đơn vị này."))
    person = transfer.person
    if person.account_id is not None:
        current = db.session.get(Account, person.account_id)
        if current.locked_at is None and current.org_unit_id == transfer.to_unit_id:
            raise ValidationError({"__all__": [_("Tài khoản %(name)s đã được cấp.", name=current.username)]})
    return _open_account(actor, person, transfer.to_unit, transfer)


def _account_admins(unit: OrgUnit) -> list[int]:
    """Who manages accounts over ``unit`` (the agency's account administrators), administrators of the system
    left out."""
    grants = scope.grants_of(scope.today(), permission=(ACTION_WRITE, RESOURCE_ACCOUNT),
                             except_roles=notifications.admin_roles())
    if grants is None:
        return []
    found = scope.holders(grants, [unit.id], with_delegator=False).subquery()
    return sorted(set(db.session.scalars(select(found.c.user_id))))


# --------------------------------------------------------------------------- the account follows the file

def _move_account(person: Person, transfer: Transfer, actor, *, end_roles_in: OrgUnit | None) -> None:
    """The personal account's unit and self-service assignment follow the file; with ``end_roles_in``, every
    other role the person holds inside that agency ends (their authority there must not survive the move)."""
    if person.account_id is None:
        return
    account = db.session.get(Account, person.account_id)
    destination = transfer.to_unit
    with audit.reason(transfer.decision_number):
        account.org_unit_id = destination.id
        if end_roles_in is not None:
            _end_assignments(account, transfer, actor, within=end_roles_in)
        _grant_self_service(account, destination, actor, transfer)
    scope.forget(account.id)


def _end_assignments(account: Account, transfer: Transfer, actor, *, within: OrgUnit | None) -> None:
    """Revoke the account's assignments in force (all of them, or those on units inside ``within``)."""
    from app.services.accounts.assignments import sync_fab_roles
    from models.org_units import Subtree

    day = scope.today()
    for assignment in db.session.scalars(select(RoleAssignment).where(RoleAssignment.user_id == account.id)):
        if not assignment.in_force(day):
            continue
        if within is not None and not Subtree.of(within).covers(assignment.org_unit):
            continue
        assignment.revoked_at = utcnow()
        assignment.revoked_by_id = getattr(actor, "id", None)
        assignment.request_number = transfer.decision_number
    db.session.flush()
    sync_fab_roles(account)


def _grant_self_service(account: Account, unit: OrgUnit, actor, transfer: Transfer) -> None:
    """The self-service assignment sits on the person's unit: the one in force elsewhere ends, one starts here."""
    from app.services.accounts.assignments import sync_fab_roles

    role = current_app.appbuilder.sm.find_role(ROLE_SELF_SERVICE)
    day = scope.today()
    here = False
    for assignment in db.session.scalars(select(RoleAssignment).where(RoleAssignment.user_id == account.id,
                                                                      RoleAssignment.role_id == role.id)):
        if not assignment.in_force(day):
            continue
        if assignment.org_unit_id == unit.id:
            here = True
            continue
        assignment.revoked_at = utcnow()
        assignment.revoked_by_id = getattr(actor, "id", None)
        assignment.request_number = transfer.decision_number
    if not here:
        db.session.add(RoleAssignment(user_id=account.id, role_id=role.id, org_unit_id=unit.id,
                                      include_descendants=False, valid_from=day,
                                      granted_by_id=getattr(actor, "id", None),
                                      request_number=transfer.decision_number))
    db.session.flush()
    sync_fab_roles(account)


# --------------------------------------------------------------------------- item 33

def _month(day: date) -> str:
    return day.strftime("%Y-%m")


def _close_post(person: Person, day: date) -> None:
    """End the running rows of item 33 (no end yet) at the month of ``day``."""
    for row in db.session.scalars(select(WorkRecord).where(WorkRecord.person_id == person.id,
                                                           WorkRecord.end.is_(None))):
        row.end = max(_month(day), row.start or _month(day))


def _append_post(person: Person, transfer: Transfer, actor) -> None:
    """Item 33 gains the new post (from the effective month, still running); the file's next approved version
    records it, with the decision as its reason."""
    unit = transfer.to_unit
    agency = employing_agency(unit)
    place = unit.name if agency.id == unit.id else f"{unit.name}, {agency.name}"
    with audit.reason(transfer.decision_number):
        _close_post(person, transfer.effective_date)
        last = db.session.scalar(select(WorkRecord.position).where(WorkRecord.person_id == person.id)
                                 .order_by(WorkRecord.position.desc()).limit(1))
        db.session.add(WorkRecord(person_id=person.id, position=(last or 0) + 1, start=_month(transfer.effective_date),
                                  end=None, unit_name=place[:300], title=transfer.new_title or person.position))
        refresh_derived(person)
        transfer.version_id = files.write_version(person, actor, None).id


# --------------------------------------------------------------------------- who hears about it

def _authority_holders(transfer: Transfer) -> list[int]:
    authority = active_profile().transfer_authority
    if authority is None:
        return []
    grants = scope.authority_grants(authority, scope.today())
    if grants is None:
        return []
    found = scope.holders(grants, [transfer.from_unit_id, transfer.to_unit_id], with_delegator=False).subquery()
    rows = db.session.execute(select(found.c.unit_id, found.c.user_id)).all()
    by_unit: dict[int, set[int]] = {}
    for unit_id, user_id in rows:
        by_unit.setdefault(unit_id, set()).add(user_id)
    both = by_unit.get(transfer.from_unit_id, set()) & by_unit.get(transfer.to_unit_id, set())
    return sorted(both)


def _officers(unit: OrgUnit) -> list[int]:
    """The personnel officers (write on files) over ``unit``, administrators left out."""
    grants = scope.grants_of(scope.today(), permission=(ACTION_WRITE, RESOURCE_PERSONNEL),
                             except_roles=notifications.admin_roles())
    if grants is None:
        return []
    found = scope.holders(grants, [unit.id], with_delegator=False).subquery()
    return sorted(set(db.session.scalars(select(found.c.user_id))))


def _notify_waiting(transfer: Transfer, user_ids: list[int]) -> None:
    notifications.transfer_waiting(transfer, user_ids)


def _tell_person(person: Person, transfer: Transfer) -> None:
    notifications.transfer_received(transfer, person)


def status_label(person: Person) -> str:
    """The file's status in words (for the hand-over package and the screens)."""
    return str(STATUSES.get(person.status, person.status))
