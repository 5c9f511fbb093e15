"""People: opening a file (recruitment), derived keys, linking the personal account, leaving (archive).

Categories (HCM-2) and statuses are data here; the file is never deleted (HN-12.3): a person who retires,
resigns, dies or leaves the city keeps every row and version, read-only, in the archive.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import audit
from app.crypto import blind_index
from app.extensions import db
from app.profiles import active_profile
from app.request_input import as_id
from app.security import scope
from app.security.permissions import ACTION_READ, ACTION_WRITE, RESOURCE_PERSONNEL
from app.services.errors import Errors, ForbiddenError, NotFoundError, ValidationError, use_case
from app.services.personnel import checks, files
from app.services.personnel import values as fv
from app.services.personnel.syll import section
from app.text import clean, name_search_key, sort_key, split_name
from models.accounts import Account
from models.org_units import OrgUnit
from models.personnel import Person
from models.transfers import OPEN_TRANSFER_STATUSES, Transfer

__all__ = [
    "ACTIVE_STATUSES",
    "ARCHIVE_STATUSES",
    "CATEGORIES",
    "STATUSES",
    "covered_categories",
    "create_person",
    "find_by_cccd",
    "get_person",
    "in_transit",
    "is_archived",
    "link_account",
    "open_move",
    "refresh_derived",
]

#: Categories of people covered (HCM-2, HN-2): key -> label.
CATEGORIES = {
    "can_bo": _l("Cán bộ"),
    "cong_chuc": _l("Công chức"),
    "vien_chuc": _l("Viên chức"),
    "nguoi_lao_dong": _l("Người lao động"),
    "tap_su": _l("Người tập sự"),
    "khong_chuyen_trach": _l("Người hoạt động không chuyên trách cấp xã"),
}

#: Statuses: key -> label. Those in ARCHIVE_STATUSES put the file in the archive (read-only, HN-12.3).
STATUSES = {
    "active": _l("Đang công tác"),
    "suspended": _l("Tạm đình chỉ công tác"),
    "transferred_out": _l("Chuyển công tác ra ngoài thành phố"),
    "retired": _l("Nghỉ hưu"),
    "resigned": _l("Thôi việc"),
    "contract_ended": _l("Chấm dứt hợp đồng"),
    "dismissed": _l("Buộc thôi việc"),
    "deceased": _l("Từ trần"),
}
ACTIVE_STATUSES = ("active", "suspended")
ARCHIVE_STATUSES = ("transferred_out", "retired", "resigned", "contract_ended", "dismissed", "deceased")


def covered_categories() -> dict:
    """The categories the active city profile covers (HN-2, HCM-2), in the order of :data:`CATEGORIES`."""
    profile = active_profile()
    return {key: label for key, label in CATEGORIES.items() if profile.covers(key)}


def is_archived(person: Person) -> bool:
    """True when the file sits in the archive (read-only)."""
    return person.status in ARCHIVE_STATUSES


def refresh_derived(person: Person) -> None:
    """Recompute the search key, the Vietnamese sort key, the CCCD blind index and birth digits from the columns."""
    person.search_key = name_search_key(person.family_name, person.middle_name, person.given_name,
                                        person.other_names or "")
    person.sort_key = sort_key(person.given_name, " ".join(p for p in (person.family_name, person.middle_name) if p))
    person.cccd_index = blind_index(person.cccd) if person.cccd else None
    person.cccd_birth_digits = checks.cccd_birth_digits(person.cccd)
    person.old_id_index = blind_index(person.old_id_number) if person.old_id_number else None


def get_person(actor, person_id, action: str = ACTION_READ) -> Person:
    """The file ``person_id`` if ``actor`` may ``action`` it; NotFoundError otherwise (no existence leak)."""
    try:
        pid = as_id(person_id)
    except (TypeError, ValueError):
        raise NotFoundError(_("Không tìm thấy hồ sơ.")) from None
    person = db.session.scalar(select(Person).where(Person.id == pid, scope.person_filter(actor, action)))
    if person is None:
        raise NotFoundError(_("Không tìm thấy hồ sơ."))
    return person


def find_by_cccd(number: str) -> Person | None:
    return db.session.scalar(select(Person).where(Person.cccd_index == blind_index(number)).limit(1))


@use_case
def create_person(actor, data: dict) -> Person:
    """Open the file of a newly recruited person in a unit (the TCCB officer), as approved version 1.

    ``data``: org_unit_id, category, full_name (split automatically) or family_name/middle_name/given_name,
    gender, birth_date, cccd (optional but unique city-wide), account_id (optional).
    """
    errors = Errors()
    unit = None
    try:
        unit = db.session.get(OrgUnit, as_id(data.get("org_unit_id") or 0))
    except (TypeError, ValueError):
        unit = None
    if unit is None:
        errors.add("org_unit_id", _("Hãy chọn đơn vị công tác."))
    elif not scope.allows(actor, ACTION_WRITE, RESOURCE_PERSONNEL, unit):
        raise ForbiddenError(_("Bạn không có quyền lập hồ sơ tại đơn vị này."))
    elif unit.status != "active":
        errors.add("org_unit_id", _("Đơn vị “%(name)s” đã ngừng hoạt động.", name=unit.name))
    category = data.get("category")
    if category not in CATEGORIES:
        errors.add("category", _("Hãy chọn đối tượng (cán bộ, công chức, viên chức …)."))
    elif not active_profile().covers(category):
        errors.add("category", _("Quy chế của thành phố không áp dụng cho đối tượng “%(category)s”.",
                                 category=CATEGORIES[category]))
    if clean(data.get("full_name")) and not clean(data.get("given_name")):
        family, middle, given = split_name(data["full_name"])
    else:
        family, middle, given = (clean(data.get(k)) for k in ("family_name", "middle_name", "given_name"))
    if not given:
        errors.add("full_name", _("Hãy nhập họ và tên."))
    identity = section("identity")
    for name, value in (("family_name", family), ("middle_name", middle), ("given_name", given)):
        f = identity.field(name)
        limit = fv.max_length(identity, f)
        if limit and len(value or "") > limit:
            errors.add("full_name" if clean(data.get("full_name")) else name,
                       _("Mục “%(label)s” dài quá %(n)s ký tự.", label=f.label, n=limit))
    parsed = fv.parse_section(identity, data, errors, agency=True, only={"gender", "birth_date"})
    cccd = checks.normalize_cccd(data.get("cccd") or "")
    if cccd:
        for message in checks.check_cccd(cccd, parsed.get("birth_date"), parsed.get("gender")):
            errors.add("cccd", message)
        if find_by_cccd(cccd) is not None:
            errors.add("cccd", _("Đã có hồ sơ mang số CCCD này; mỗi người chỉ có một hồ sơ."))
    decision_date = None
    try:
        decision_date, precision = checks.parse_partial_date(data.get("decision_date"))
        if precision not in (None, "day"):
            errors.add("decision_date", _("Hãy nhập đủ ngày, tháng, năm của quyết định."))
            decision_date = None
    except ValueError as exc:
        errors.add("decision_date", str(exc))
    if decision_date is not None and decision_date > scope.today():
        errors.add("decision_date", _("Ngày quyết định không được sau hôm nay."))
    account = None
    if data.get("account_id"):
        account = _check_account(actor, data.get("account_id"), None, errors)
    errors.raise_if_any()
    person = Person(
        org_unit_id=unit.id, category=category, status="active", family_name=family, middle_name=middle,
        given_name=given, gender=parsed["gender"], birth_date=parsed["birth_date"],
        birth_date_precision=parsed["birth_date_precision"], cccd=cccd or None,
        account_id=account.id if account else None, version_no=0, decision_date=decision_date,
    )
    refresh_derived(person)
    db.session.add(person)
    with audit.reason(_("Lập hồ sơ")):
        files.write_version(person, actor, None)
    return person


def _check_account(actor, account_id, person: Person | None, errors: Errors) -> Account | None:
    try:
        account = db.session.get(Account, as_id(account_id))
    except (TypeError, ValueError):
        account = None
    if account is None or not db.session.scalar(
            select(Account.id).where(Account.id == account.id, Account.id.in_(scope.account_ids(actor, ACTION_READ)))):
        errors.add("account_id", _("Không tìm thấy tài khoản."))
        return None
    if account.kind == "agency":
        errors.add("account_id", _("Tài khoản cơ quan không gắn được với hồ sơ cá nhân."))
    other = db.session.scalar(select(Person.id).where(Person.account_id == account.id))
    if other is not None and (person is None or other != person.id):
        errors.add("account_id", _("Tài khoản này đã gắn với một hồ sơ khác (mỗi người một tài khoản)."))
    return account


@use_case
def link_account(actor, person_id, account_id) -> Person:
    """Attach the personal account to the file (HCM-4.4: one account per person, one person per account)."""
    person = get_person(actor, person_id, ACTION_WRITE)
    errors = Errors()
    account = _check_account(actor, account_id, person, errors)
    errors.raise_if_any()
    person.account_id = account.id
    return person


def require_unarchived(person: Person) -> None:
    """Raise when the file is archived (read-only), or on its way between two agencies (read-only for the losing
    agency, not yet writable for the gaining one, HN-12.1, HCM-8.2)."""
    if is_archived(person):
        raise ValidationError({"__all__": [_("Hồ sơ đã chuyển vào lưu trữ, chỉ được xem.")]})
    if in_transit(person.id):
        raise ValidationError({"__all__": [_("Hồ sơ đang chuyển công tác sang cơ quan khác; chỉ được xem cho đến "
                                             "khi cơ quan mới tiếp nhận.")]})


def open_move(person_id: int) -> Transfer | None:
    """The person's move under way (at most one), if any."""
    return db.session.scalar(select(Transfer).where(Transfer.person_id == person_id,
                                                    Transfer.status.in_(OPEN_TRANSFER_STATUSES)))


def in_transit(person_id: int) -> bool:
    """True while the file travels between two agencies (recorded or moved, not yet received)."""
    return db.session.scalar(select(Transfer.id).where(
        Transfer.person_id == person_id, Transfer.kind == "between_agencies",
        Transfer.status.in_(OPEN_TRANSFER_STATUSES))) is not None
