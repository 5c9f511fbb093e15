"""The pages of one personnel file, shared by ``PeopleView`` (officers) and ``MyFileView`` (the person).

Each handler takes the view (to render), the :class:`Links` of the file and the person id; it parses,
calls one ``app.services.personnel`` function, flashes a translated message and redirects — or renders
the page again with every message next to its field (HTTP 400). A NotFoundError is a 404 and a
ForbiddenError a 403, with the service's message.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field

from flask import abort, flash, g, jsonify, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.profiles import active_profile
from app.request_input import int_arg
from app.security import scope
from app.security.downloads import attachment_name
from app.services import code_lists, transfers
from app.services import personnel as svc
from app.services.errors import ValidationError
from app.services.personnel import files
from app.services.personnel import signed_documents as signed
from app.services.personnel import values as field_values
from app.services.personnel.syll import PHOTO_LEVEL, Field, Section, section
from app.storage import send_stored
from models.personnel import Attachment, PersonPhoto
from views.kit import attempt as kit_attempt
from views.kit import post_action
from views.personnel.common import (
    AJAX_KINDS,
    SECTION_LABELS,
    STATUS_CLASS,
    AttachmentForm,
    ConfirmForm,
    LeaveForm,
    LinkForm,
    Links,
    PhotoForm,
    SubmitForm,
    call,
    code_choices,
    layout,
    masked_diff,
    self_editable,
)
from views.personnel.sections_html import sections_html

__all__ = [
    "action",
    "code_search",
    "download",
    "edit_section",
    "photo",
    "render_draft",
    "render_file",
    "render_signatures",
    "render_version",
    "signed_pdf",
    "attachment_owner",
    "cancel",
    "delete_row",
    "page_post",
    "remove_attachment",
    "undo",
    "upload_attachment",
    "upload_photo",
    "submit",
]

#: Input hints by field type.
PLACEHOLDERS = {"date": "dd/mm/yyyy", "pdate": _l("dd/mm/yyyy, mm/yyyy hoặc yyyy"), "month": "mm/yyyy",
                "year": "yyyy"}


def _log_read(person, access, what: str = "Person", object_id=None) -> None:
    """Every page showing a file's content goes to the access log (with the consent it relies on)."""
    audit.log_access("read", object_type=what, object_id=object_id or person.id, org_unit_id=person.org_unit_id,
                     detail={"consent": access.consent_id} if access.consent_id else {})


def _draft_state(links: Links):
    """(person, open change set, snapshot, overlay, access) of the file; 404 outside the reader's scope."""
    person, cs, snap, overlay = call(svc.draft_view, g.user, links.pk)
    return person, cs, snap, overlay, scope.person_access(g.user, person)


#: The quick "leave" form's reasons: leaving the service first, out of the city last.
LEAVE_CHOICES = (*transfers.LEAVE_STATUSES, "transferred_out")


def _can_edit(person, cs, access) -> bool:
    """Whether the edit buttons are offered: write access, not archived, not on its way to another agency, no
    submission awaiting a decision."""
    return (access.write and not svc.is_archived(person) and (cs is None or cs.status != "submitted")
            and not svc.in_transit(person.id))


# --------------------------------------------------------------------------- the file page


def render_file(view, links: Links, *, active: str | None = None, posted=None, errors=None, status: int = 200):
    """The file page: header, the form's tabs (the draft laid over when the reader may write), history."""
    person, cs, snap, overlay, access = _draft_state(links)
    approved_only = request.args.get("approved") == "1"
    with_draft = access.write and cs is not None and not approved_only
    doc = overlay if with_draft else snap
    can_edit = _can_edit(person, cs, access)
    agency = not access.own
    tabs = layout(doc, access.level, can_edit=can_edit, agency=agency)
    for _key, _label, blocks in tabs:
        for block in blocks:
            block.editable = block.editable and not _hidden_fields(block.section, access.level, agency)
    officer = links.view == "PeopleView" and access.write and agency and not svc.is_archived(person)
    forms = {}
    if officer:
        forms["link"] = posted if active == "link" and posted is not None else LinkForm(formdata=None,
                                                                                          prefix="link")
        forms["leave"] = posted if active == "leave" and posted is not None else LeaveForm(formdata=None,
                                                                                             prefix="leave")
        forms["leave"].status.choices = [(k, str(svc.STATUSES[k])) for k in LEAVE_CHOICES]
    versions, change_sets = svc.file_history(person.id)
    signed_links = _signed_links(links, person, access)
    _log_read(person, access)
    return view.render_template(
        "personnel/file.html", title=person.full_name, person=person, access=access, cs=cs, links=links,
        sections=sections_html(tabs, links, csrf=True), with_draft=with_draft, approved_only=approved_only,
        can_edit=can_edit, officer=officer,
        forms=forms, active=active, errors=errors or {}, confirm=ConfirmForm(formdata=None),
        has_photo=bool(snap["meta"].get("photo_sha256")) and access.level >= PHOTO_LEVEL,
        completeness_draft=files.completeness(overlay),
        versions=versions, change_sets=change_sets, attachments=svc.list_attachments(person.id),
        categories=svc.CATEGORIES, statuses=svc.STATUSES, archived=svc.is_archived(person),
        status_labels=svc.STATUS_LABELS, status_class=STATUS_CLASS,
        kind_labels=code_lists.labels("attachment_kind"), section_labels=SECTION_LABELS, signed=signed_links,
        moves=transfers.moves_of(person.id), move_labels=transfers.KIND_LABELS, move_statuses=transfers.STATUS_LABELS,
        move_kinds=[(k, transfers.KIND_LABELS[k]) for k in ("within_unit", "between_agencies", "out_of_city",
                                                             "leaving")],
        move_links=view.appbuilder.sm.has_access("can_read", "Transfer"),
    ), status


@dataclass
class SignedLinks:
    """The links of a file page to its signed documents (empty for a reader who may not open them)."""

    #: version number -> (download URL, signature panel URL)
    versions: dict = field(default_factory=dict)
    #: change set id -> [(round, download URL, signature panel URL)]
    change_sets: dict = field(default_factory=dict)
    #: the latest approved version's signed PDF: (download URL, signature panel URL), or None
    latest: tuple | None = None
    #: "Ký số bản in": the form's URL for an officer of the file
    sign_print: str | None = None


def _signed_urls(links: Links, cs_id: int, round_no: int) -> tuple[str, str]:
    return (links.url("signed_pdf", cs_id=cs_id, round=round_no),
            links.url("signatures", cs_id=cs_id, round=round_no))


def _signed_links(links: Links, person, access) -> SignedLinks:
    """Where the file's signed SYLLs open from (two bounded queries), and the officer's "Ký số bản in"."""
    out = SignedLinks()
    if signed.may_sign_print(access) and links.view == "PeopleView" and person.version_no:
        out.sign_print = url_for("SyllView.sign_print", pk=person.id)
    if not signed.may_read_signed(g.user, access):
        return out
    out.versions = {no: _signed_urls(links, cs_id, rnd)
                    for no, (cs_id, rnd) in signed.signed_versions(person.id).items()}
    out.change_sets = {cs_id: [(rnd, *_signed_urls(links, cs_id, rnd)) for rnd in rounds]
                       for cs_id, rounds in signed.signed_rounds(person.id).items()}
    out.latest = out.versions.get(person.version_no)
    return out


def _hidden_fields(sec: Section, level: int, agency: bool) -> bool:
    """True when an editor could not see some field they would have to send (never offer that form)."""
    return any(f.level > level for f in sec.fields if agency or f.self_edit)


# --------------------------------------------------------------------------- edit one section


@dataclass
class Input:
    """One input of a section form: its value (text, or bool for a checkbox), choices and messages."""

    field: Field
    value: object
    readonly: bool = False
    choices: list | None = None
    ajax_url: str | None = None
    placeholder: object = ""
    errors: list = field(default_factory=list)


def _input_value(f: Field, values: dict):
    raw = values.get(f.name)
    if f.type == "bool":
        return bool(raw)
    if f.type == "code":
        return raw or ""
    return field_values.display(f, raw, values.get(field_values.precision_key(f.name)))


def _inputs(links: Links, sec: Section, values: dict, agency: bool, errors: dict, posted: bool) -> list[Input]:
    """The section's inputs, filled from the draft (``posted`` False) or from what was just sent."""
    out = []
    for f in sec.fields:
        readonly = not f.self_edit and not agency
        if posted and not readonly:
            value = (f.name in request.form) if f.type == "bool" else request.form.get(f.name, "")
        else:
            value = _input_value(f, values)
        inp = Input(f, value, readonly, placeholder=PLACEHOLDERS.get(f.type, ""), errors=errors.get(f.name, []))
        if f.type == "code":
            if readonly:
                inp.value = code_lists.label(f.code_list, value)
            elif f.code_list in AJAX_KINDS:
                inp.ajax_url = links.url("api_codes", with_pk=False, kind=f.code_list)
                inp.choices = [("", "")] + ([(value, code_lists.label(f.code_list, value))] if value else [])
            else:
                inp.choices = code_choices(f.code_list, value)
        out.append(inp)
    return out


def _row_values(sec: Section, doc: dict, row_id, item_id) -> dict | None:
    """The values an edit starts from: the scalar section, an approved row, a row added in the draft,
    or an empty new row. None when the named row does not exist."""
    data = doc["sections"].get(sec.key)
    if not sec.repeating:
        return data or {}
    if row_id not in (None, ""):
        return next((r for r in data if str(r.get("id")) == str(row_id) and r.get("_state") != "deleted"), None)
    if item_id not in (None, ""):
        return next((r for r in data if str(r.get("_item")) == str(item_id) and r.get("_state") == "added"), None)
    return {}


def _section_or_404(key: str) -> Section:
    try:
        sec = section(key)
    except KeyError:
        sec = None
    if sec is None or not sec.fields:
        abort(404, description=_("Không có mục này trong sơ yếu lý lịch."))
    return sec


def edit_section(view, links: Links, key: str):
    """GET: the form of one section (or table row). POST: save it in the draft, or show every problem."""
    sec = _section_or_404(key)
    person, cs, _snap, overlay, access = _draft_state(links)
    agency = not access.own
    if not access.write or not self_editable(sec, agency) or _hidden_fields(sec, access.level, agency):
        abort(403, description=_("Bạn không có quyền sửa mục này của hồ sơ."))
    row_id, item_id = request.args.get("row_id"), request.args.get("item_id")
    values = _row_values(sec, overlay, row_id, item_id)
    if values is None:
        abort(404, description=_("Không tìm thấy dòng này trong hồ sơ."))
    names = {f.name for f in sec.fields}

    def render(errors: dict):
        return view.render_template(
            "personnel/edit.html", title=_("Sửa: %(section)s", section=sec.label), person=person, section=sec,
            links=links, inputs=_inputs(links, sec, values, agency, errors, request.method == "POST"),
            other_errors=[m for k, msgs in errors.items() if k not in names for m in msgs],
            confirm=ConfirmForm(formdata=None), row_id=row_id, item_id=item_id,
            adding=sec.repeating and not (row_id or item_id),
        )

    if request.method == "GET":
        if not _can_edit(person, cs, access):
            flash(_("Hồ sơ đang chờ phê duyệt hoặc đã lưu trữ; chưa sửa được."), "warning")
            return redirect(links.url("show"))
        return render({})

    def save():
        svc.save_section(g.user, links.pk, sec.key, request.form, row_id=row_id, item_id=item_id)
        flash(_("Đã lưu “%(section)s” vào bản nháp. Các thay đổi chỉ có hiệu lực sau khi được phê duyệt.",
                section=sec.label), "success")
        return redirect(links.url("show") + "#tab-" + sec.tab)

    return kit_attempt(ConfirmForm(), save, render)


def code_search(kind: str):
    """JSON for the select2 boxes of long code lists: at most 20 entries whose name or code matches ``q``."""
    if kind not in code_lists.KIND_LABELS:
        abort(404)
    q = request.args.get("q") or request.args.get("term") or ""
    return jsonify({"results": [{"id": code, "text": name} for code, name in code_lists.search(kind, q, limit=20)]})


# --------------------------------------------------------------------------- buttons


def action(links: Links, act, done, back: str = "show"):
    """A button (delete a row, undo, cancel, remove a file): one service call, a message, back to ``back``."""
    return post_action(ConfirmForm(), act, done=str(done), back=links.url(back))


def delete_row(links: Links, key: str):
    """Propose deleting an approved row (``row_id``) or drop a row added in the draft (``item_id``); naming
    neither is a row that does not exist (404, from the service)."""
    row_id, item_id = request.args.get("row_id"), request.args.get("item_id")
    done = _l("Đã bỏ dòng mới khỏi bản nháp.") if item_id else _l("Đã đưa việc xóa dòng vào bản nháp.")
    return action(links, lambda: svc.delete_row(g.user, links.pk, key, row_id=row_id, item_id=item_id), done)


def undo(links: Links, item_id: int):
    """Take one change back out of the draft; back to the page the button was on."""
    back = "draft" if request.form.get("next") == "draft" else "show"
    return action(links, lambda: svc.undo_item(g.user, links.pk, item_id), _l("Đã hoàn tác thay đổi."), back)


def cancel(links: Links):
    """Hủy bản nháp (the approved file stays as it is)."""
    return action(links, lambda: svc.cancel_draft(g.user, links.pk), _l("Đã hủy bản nháp."))


def remove_attachment(links: Links, att_id: int):
    """Gỡ một tệp khỏi bản nháp chưa gửi."""
    return action(links, lambda: svc.remove_attachment(g.user, att_id), _l("Đã gỡ tệp đính kèm."), "draft")


# --------------------------------------------------------------------------- the draft


def render_draft(view, links: Links, *, active: str | None = None, posted=None, errors=None, status: int = 200):
    """Thay đổi chờ gửi: the diff, the proof, the photo, and the submit form."""
    person, cs, snap, _overlay, access = _draft_state(links)
    items = list(cs.items) if cs else []
    changes = masked_diff(files.diff(snap, items), access.level)
    photo_item = next((it for it in items if it.section == "photo"), None)
    attachments = [a for a in svc.list_attachments(person.id) if cs is not None and a.change_set_id == cs.id]
    editable = _can_edit(person, cs, access)

    def form(key, cls):
        return posted if active == key and posted is not None else cls(formdata=None, prefix=key)

    forms = {"attachment": form("attachment", AttachmentForm).fill_choices(), "photo": form("photo", PhotoForm),
             "submit": form("submit", SubmitForm)}
    if cs is not None and forms["submit"].change_date.data is None:
        forms["submit"].change_date.data = cs.change_date
    # The draft this page shows (its proof is ``attachments``), even when the page is shown again after a refusal.
    forms["submit"].draft.data = svc.draft_fingerprint(cs, [a.id for a in attachments])
    _log_read(person, access)
    return view.render_template(
        "personnel/draft.html", title=_("Thay đổi chờ gửi"), person=person, cs=cs, links=links, changes=changes,
        photo_item=photo_item, attachments=attachments, editable=editable, forms=forms, active=active,
        errors=errors or {}, confirm=ConfirmForm(formdata=None), status_labels=svc.STATUS_LABELS,
        status_class=STATUS_CLASS, kind_labels=code_lists.labels("attachment_kind"), access=access,
        section_labels=SECTION_LABELS, sign_submission=access.own and active_profile().submission_requires_signature,
    ), status


def page_post(view, links: Links, key: str, form, act, done, page: str = "draft"):
    """A form of the draft page (``page="draft"``) or the file page (``"show"``): one service call, then
    back to that page with a message, or the page again with the form's messages (400)."""
    render = render_draft if page == "draft" else render_file

    def posted():
        act()
        flash(str(done), "success")
        return redirect(links.url(page))

    return kit_attempt(form, posted, lambda errors: render(view, links, active=key, posted=form, errors=errors)[0])


def upload_attachment(view, links: Links):
    """Đính kèm một tài liệu số hóa vào bản nháp."""
    form = AttachmentForm(prefix="attachment")
    form.fill_choices()
    upload = request.files.get("attachment-file")

    def act():
        content, name = (upload.read(), upload.filename or "") if upload else (b"", "")
        return svc.add_attachment(g.user, links.pk, content, name, form.kind.data, form.section.data or None,
                                  form.description.data)

    return page_post(view, links, "attachment", form, act, _l("Đã đính kèm tài liệu."))


def upload_photo(view, links: Links):
    """Ảnh 4×6 mới, vào bản nháp."""
    form = PhotoForm(prefix="photo")
    upload = request.files.get("photo-photo")
    return page_post(view, links, "photo", form,
                       lambda: svc.set_photo(g.user, links.pk, upload.read() if upload else b""),
                       _l("Đã đưa ảnh mới vào bản nháp."))


def submit(view, links: Links):
    """Gửi bản nháp để phê duyệt (HN-6.3: kèm tài liệu chứng minh)."""
    form = SubmitForm(prefix="submit")
    return page_post(view, links, "submit", form,
                       lambda: svc.submit(g.user, links.pk, form.note.data, passphrase=form.passphrase.data,
                                          change_date=form.change_date.data, seen_draft=form.draft.data or None),
                       _l("Đã gửi đề nghị thay đổi; hồ sơ chờ phê duyệt."))


# --------------------------------------------------------------------------- files


def attachment_owner(att_id: int, person_id: int | None = None) -> int:
    """The person id an attachment belongs to; 404 when there is no such file (or, with ``person_id``,
    when it belongs to another file: the own-file pages serve the own file only). Scope is the service's."""
    owner = db.session.scalar(select(Attachment.person_id).where(Attachment.id == att_id))
    if owner is None or (person_id is not None and owner != person_id):
        abort(404, description=_("Không tìm thấy tệp."))
    return owner


def download(att_id: int):
    """The proof, under its original (Vietnamese) name; the service checks the scope and logs it."""
    try:
        att, key = call(svc.open_attachment, g.user, att_id)
    except ValidationError as exc:
        abort(409, description=" ".join(exc.messages))
    return send_stored(svc.attachment_store(), key, att.mime_type, attachment_name(att.original_name, att.mime_type))


def photo(person_id: int):
    """The approved photo of a file the user may read at the photo's level (the person themself, readers of
    sensitive data); 404 when there is none or the reader's level is below it (as if there were none)."""
    person = call(svc.get_person, g.user, person_id)
    stored = db.session.get(PersonPhoto, person.id)
    if stored is None or scope.person_access(g.user, person).level < PHOTO_LEVEL:
        abort(404, description=_("Hồ sơ chưa có ảnh."))
    resp = send_file(io.BytesIO(stored.content), mimetype=stored.mime_type, max_age=0)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


# --------------------------------------------------------------------------- versions


def render_version(view, links: Links, no: int):
    """A past version, read-only, with its SHA-256 and whether the stored snapshot still matches it."""
    person = call(svc.get_person, g.user, links.pk)
    access = scope.person_access(g.user, person)
    version = svc.get_version(person.id, no)
    if version is None:
        abort(404, description=_("Không tìm thấy phiên bản này của hồ sơ."))
    digest = hashlib.sha256(files.canonical_json(version.snapshot).encode("utf-8")).hexdigest()
    signed_at = None
    if version.change_set_id and signed.may_read_signed(g.user, access, version.change_set_id):
        found = signed.signed_versions(person.id).get(version.version_no)
        signed_at = _signed_urls(links, *found) if found else None
    _log_read(person, access, "FileVersion", version.id)
    return view.render_template(
        "personnel/version.html", title=_("Phiên bản %(no)s", no=no), person=person, version=version,
        links=links, sections=sections_html(layout(version.snapshot, access.level)), intact=digest == version.sha256,
        meta=version.snapshot.get("meta", {}), statuses=svc.STATUSES, categories=svc.CATEGORIES, signed=signed_at,
    )


# --------------------------------------------------------------------------- signed documents


def signed_pdf(links: Links, cs_id: int):
    """The signed SYLL of a change set (``?round=N``), downloaded; 404 — one answer — when there is none or the
    reader may not open it (the service checks and logs)."""
    try:
        content, name = call(signed.open_signed_document, g.user, links.pk, cs_id, int_arg("round"))
    except ValidationError as exc:
        abort(409, description=" ".join(exc.messages))
    resp = send_file(io.BytesIO(content), mimetype="application/pdf", as_attachment=True,
                     download_name=attachment_name(name, "application/pdf", "syll-ky-so.pdf"), max_age=0)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def render_signatures(view, links: Links, cs_id: int):
    """"Chữ ký số": each signature of the signed SYLL (who, when, valid, intact, which field), its rounds and
    the download; the review page of the change set for its readers."""
    from app import pki

    try:
        panel = call(signed.signature_panel, g.user, links.pk, cs_id, int_arg("round"))
    except ValidationError as exc:
        abort(409, description=" ".join(exc.messages))
    found = panel.found
    review = None if links.own else url_for("ChangeSetsView.show", cs_id=found.cs.id)
    return view.render_template(
        "personnel/signatures.html", title=_("Chữ ký số"), person=found.person, found=found, panel=panel,
        links=links, review_url=review, fmt=pki.format_time,
        download_url=links.url("signed_pdf", cs_id=found.cs.id, round=found.round),
        round_urls=[(rnd, links.url("signatures", cs_id=found.cs.id, round=rnd)) for rnd in found.rounds],
    )
