"""Shared pieces of the personnel screens: links, service calls, forms, masking and the section layout.

The file pages exist twice — ``/people/<pk>/…`` for officers (``PeopleView``) and ``/my/file/…`` for the
person (``MyFileView``) — with one implementation (``views.personnel.file_pages``); :class:`Links` builds the
URLs of either.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional as OptionalV

from app.crypto import mask
from app.services import code_lists
from app.services.errors import ForbiddenError, NotFoundError
from app.services.personnel import values as field_values
from app.services.personnel.files import DiffEntry
from app.services.personnel.syll import SECTIONS, TABS, Field, Section
from app.services.personnel.visibility import hidden
from views.forms import DateField, VNForm

__all__ = [
    "AJAX_KINDS",
    "ApproveForm",
    "AttachmentForm",
    "Block",
    "Cell",
    "ConfirmForm",
    "LeaveForm",
    "LinkForm",
    "Links",
    "OP_LABELS",
    "PASSPHRASE_INPUT",
    "PhotoForm",
    "SECTION_LABELS",
    "ReturnForm",
    "STATUS_CLASS",
    "SubmitForm",
    "call",
    "code_choices",
    "layout",
    "masked_diff",
]

#: Items shown partly (first and last digits) to a reader below their level, instead of not at all.
PARTIAL_MASK = ("cccd", "phone")
#: Code lists too long for a plain dropdown: a select2 box that searches the server (20 rows at a time).
AJAX_KINDS = ("province", "nationality")
#: What a change item does, as the diff screen says it.
OP_LABELS = {"set": _l("Sửa"), "update": _l("Sửa"), "add": _l("Thêm dòng"), "delete": _l("Xóa dòng")}
#: How a signing passphrase input is drawn (never pre-filled: WTForms' PasswordField hides the value).
PASSPHRASE_INPUT = {"class": "form-control", "autocomplete": "off"}
#: Bootstrap label class of each change-set status.
STATUS_CLASS = {"draft": "info", "submitted": "warning", "returned": "danger", "approved": "success",
                "cancelled": "default"}
#: Section key -> label, for the "proof of" column of attachments.
SECTION_LABELS = {s.key: s.label for s in SECTIONS}
#: Rows of history shown on the file page.


@dataclass(frozen=True)
class Links:
    """URLs of one file's pages under ``PeopleView`` (``/people/<pk>/…``) or ``MyFileView`` (``/my/file/…``)."""

    view: str
    pk: int

    def url(self, name: str, *, with_pk: bool = True, **kwargs) -> str:
        """URL of ``<view>.<name>``; PeopleView's file routes also take the person id."""
        if with_pk and self.view == "PeopleView":
            kwargs["pk"] = self.pk
        return url_for(f"{self.view}.{name}", **kwargs)

    @property
    def own(self) -> bool:
        """True for the signed-in person's own file pages."""
        return self.view == "MyFileView"


def call(fn, *args, **kwargs):
    """Call a service: NotFoundError becomes 404 and ForbiddenError 403, with the service's message.

    ValidationError (and other ServiceErrors) go to the caller, which shows them next to the fields.
    """
    try:
        return fn(*args, **kwargs)
    except NotFoundError as exc:
        abort(404, description=" ".join(exc.messages))
    except ForbiddenError as exc:
        abort(403, description=" ".join(exc.messages))


# --------------------------------------------------------------------------- forms


class ConfirmForm(VNForm):
    """A button that changes something: only the CSRF token (the values are read by the service)."""


class AttachmentForm(VNForm):
    """Đính kèm tài liệu số hóa (HN-6.3)."""

    file = FileField(_l("Tệp (PDF, JPEG hoặc PNG)"))
    kind = SelectField(_l("Loại tài liệu"), choices=[], validate_choice=False)
    section = SelectField(_l("Chứng minh cho mục"), choices=[], validate_choice=False)
    description = StringField(_l("Mô tả"), validators=[OptionalV()])

    def fill_choices(self) -> AttachmentForm:
        """Kinds from the code list, sections of the form (the code list is read once per request)."""
        self.kind.choices = code_choices("attachment_kind", self.kind.data)
        self.section.choices = [("", _l("— Không chọn —"))] + [
            (s.key, f"{', '.join(s.items)} — {s.label}") for s in SECTIONS]
        return self


class PhotoForm(VNForm):
    """Ảnh màu 4×6 cm."""

    photo = FileField(_l("Ảnh 4×6 (JPEG hoặc PNG, tối đa 2 MB)"))


class SubmitForm(VNForm):
    """Gửi bản nháp để phê duyệt."""

    note = TextAreaField(_l("Ghi chú cho người duyệt"), validators=[OptionalV()])
    change_date = DateField(_l("Ngày phát sinh thay đổi"), validators=[OptionalV()], description=_l(
        "Ngày có quyết định, văn bằng hoặc sự việc làm thay đổi hồ sơ; thời hạn cập nhật hồ sơ tính từ ngày "
        "này."))
    #: Shown only when the city profile wants the person's signature on their own submission (HCM-7.2c).
    passphrase = PasswordField(_l("Mật khẩu chứng thư số (để ký bản khai)"), validators=[OptionalV()],
                               render_kw=PASSPHRASE_INPUT)
    #: The draft the page showed (``change_sets.draft_fingerprint``): what is sent is what was seen.
    draft = HiddenField()


class LinkForm(VNForm):
    """Gắn tài khoản cá nhân với hồ sơ (HCM-4.4)."""

    username = StringField(_l("Tên đăng nhập của tài khoản cá nhân"), validators=[OptionalV()])


class LeaveForm(VNForm):
    """Chuyển hồ sơ vào lưu trữ (HN-12.3)."""

    status = SelectField(_l("Lý do"), choices=[], validate_choice=False)
    on = DateField(_l("Ngày có hiệu lực"), validators=[OptionalV()])
    decision = StringField(_l("Số quyết định (hoặc giấy chứng tử)"), validators=[OptionalV()])


class ApproveForm(VNForm):
    """Phê duyệt đề nghị thay đổi."""

    comment = TextAreaField(_l("Ý kiến (không bắt buộc)"), validators=[OptionalV()])
    #: Shown only when the step requires a signature (HCM-7.2a, 7.2b).
    passphrase = PasswordField(_l("Mật khẩu chứng thư số (để ký số)"), validators=[OptionalV()],
                               render_kw=PASSPHRASE_INPUT)
    #: The submission (round) the page showed: a decision is taken on the content it was taken on.
    round = HiddenField()


class ReturnForm(VNForm):
    """Trả lại đề nghị thay đổi."""

    reason = TextAreaField(_l("Lý do trả lại"), validators=[OptionalV()])
    round = HiddenField()


def code_choices(kind: str, current: str | None = None) -> list[tuple[str, str]]:
    """An empty option, then the entries of ``kind`` valid today; a current code no longer valid is kept."""
    rows = code_lists.choices(kind)
    if current and current not in {code for code, _name in rows}:
        rows.insert(0, (current, code_lists.label(kind, current)))
    return [("", "")] + rows


# --------------------------------------------------------------------------- layout and masking


@dataclass
class Cell:
    """One value as shown: its text, and whether it is hidden from this reader or changed in the draft."""

    field: Field
    text: str
    masked: bool = False
    changed: bool = False


@dataclass
class Row:
    """One row of a repeating section; ``state`` (added / changed / deleted) and ``item_id`` for drafts."""

    id: int | None
    item_id: int | None
    state: str | None
    cells: list[Cell]


@dataclass
class Block:
    """One section of the file page: a scalar section's cells or a table's rows."""

    section: Section
    cells: list[Cell] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    #: The draft item of a scalar section (to undo it).
    item_id: int | None = None
    editable: bool = False


def cell(f: Field, values: dict, level: int, changed=()) -> Cell:
    """The text of ``f`` in ``values``; hidden when its restricted-access level is above ``level``."""
    raw = values.get(f.name)
    if hidden(f, level):
        text = mask(str(raw)) if f.name in PARTIAL_MASK and raw not in (None, "") else ""
        return Cell(f, text, True, f.name in changed)
    text = field_values.display(f, raw, values.get(field_values.precision_key(f.name)))
    return Cell(f, text, False, f.name in changed)


def self_editable(sec: Section, agency: bool) -> bool:
    """True when the editor may change at least one field of ``sec`` (the person: not the agency's items)."""
    return agency or any(f.self_edit for f in sec.fields)


def layout(doc: dict, level: int, *, can_edit: bool = False, agency: bool = False) -> list[tuple[str, object, list]]:
    """(tab key, tab label, blocks) of a file document (snapshot or overlay), masked for ``level``."""
    tabs: dict[str, list[Block]] = {key: [] for key in TABS}
    for sec in SECTIONS:
        if not sec.fields:
            continue
        data = doc["sections"].get(sec.key)
        block = Block(sec, editable=can_edit and self_editable(sec, agency))
        if sec.repeating:
            for row in data or []:
                block.rows.append(Row(row.get("id"), row.get("_item"), row.get("_state"),
                                      [cell(f, row, level) for f in sec.fields]))
        else:
            data = data or {}
            changed = set(data.get("_changed", []))
            block.cells = [cell(f, data, level, changed) for f in sec.fields]
            block.item_id = data.get("_item")
        tabs.setdefault(sec.tab, []).append(block)
    return [(key, TABS.get(key, key), blocks) for key, blocks in tabs.items() if blocks]


@dataclass
class Change:
    """One field of a diff entry as shown to this reader."""

    field: Field
    before: str
    after: str
    masked: bool


def _hide(f: Field, text: str) -> str:
    return mask(text) if f.name in PARTIAL_MASK and text else ""


def masked_diff(entries: list[DiffEntry], level: int) -> list[dict]:
    """Diff entries for the screen: the form items touched, the operation and the fields, masked for ``level``."""
    out = []
    for entry in entries:
        changes = []
        for f, before, after in entry.changes:
            masked = hidden(f, level)
            changes.append(Change(f, _hide(f, before) if masked else before, _hide(f, after) if masked else after,
                                  masked))
        items = sorted({f.item for f, _b, _a in entry.changes} or set(entry.section.items),
                       key=lambda i: [int(p) for p in i.split(".")])
        out.append({"entry": entry, "numbers": ", ".join(items), "op": OP_LABELS.get(entry.op, entry.op),
                    "changes": changes})
    return out
