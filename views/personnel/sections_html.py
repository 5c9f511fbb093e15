"""The file's sections by tab as HTML, built in Python (issue 14: no Jinja macro call per cell).

A file page shows ~40 items and tens of section rows, each with its edit, delete and undo buttons; as macros
that was ~1,000 template calls and ~100 ``url_for`` per page, half of the page's time. Here each section is
one string: labels and texts are escaped, the URLs of a section are built once and completed per row, and the
CSRF token is generated once per page.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from markupsafe import escape as e

from views.personnel.common import Block, Cell, Links

__all__ = ["sections_html"]

#: A row id no file has, put into a URL then replaced by each row's id (one ``url_for`` per section).
_SLOT = "987654321"


def _restricted() -> str:
    return (f'<span class="label label-default restricted" '
            f'title="{e(_("Mục hạn chế tiếp cận: bạn không được xem nội dung này"))}">{e(_("Hạn chế"))}</span>')


class _Page:
    """What every section of one page shares: translated words, the CSRF input, URL templates.

    Strings are built with f-strings and ``escape`` (markupsafe's C speedup); ``Markup.__mod__`` costs ten
    times more per value.
    """

    def __init__(self, links: Links | None, csrf: bool):
        self.links = links
        self.csrf = f'<input id="csrf_token" name="csrf_token" type="hidden" value="{e(generate_csrf())}">' \
            if csrf else ""
        self.restricted = _restricted()
        self.edit, self.delete, self.undo = e(_("Sửa")), e(_("Xóa")), e(_("Hoàn tác"))
        self.undo_url = e(links.url("undo", item_id=int(_SLOT))) if links else ""

    def value(self, c: Cell) -> str:
        if not c.masked:
            return e(c.text)
        return (f'<span class="masked-value">{e(c.text)}</span> ' if c.text else "") + self.restricted

    def undo_button(self, item_id, next_page: str = "show") -> str:
        return (f'<form method="post" class="inline-form" action="{self.undo_url.replace(_SLOT, str(int(item_id)))}">'
                f'{self.csrf}<input type="hidden" name="next" value="{next_page}"><button type="submit" '
                f'class="btn btn-xs btn-warning btn-undo"><i class="fa fa-undo"></i> {self.undo}</button></form>')

    def row_buttons(self, edit_url: str, delete_url: str, r) -> str:
        out = ""
        target = f"item_id={int(r.item_id)}" if r.state == "added" else f"row_id={int(r.id)}"
        if r.state != "deleted":
            out = (f'<a class="btn btn-xs btn-default btn-edit-row" href="{edit_url}?{target}"><i class="fa fa-pencil">'
                   f'</i> {self.edit}</a><form method="post" class="inline-form" action="{delete_url}?{target}">'
                   f'{self.csrf}<button type="submit" class="btn btn-xs btn-danger btn-delete-row">'
                   f'<i class="fa fa-trash"></i> {self.delete}</button></form>')
        if r.item_id and r.state != "added":
            out += self.undo_button(r.item_id)
        return out

    def block(self, b: Block) -> str:
        sec = b.section
        buttons = bool(b.editable and self.links)
        edit_url = e(self.links.url("edit", section=sec.key)) if buttons else ""
        out = [f'<div class="panel panel-default file-section" id="section-{e(sec.key)}" data-section="{e(sec.key)}">'
               f'<div class="panel-heading clearfix"><strong>{e(sec.label)}</strong> <small class="text-muted">'
               f'{e(_("Mục %(items)s", items=", ".join(sec.items)))}</small>']
        if buttons:
            if sec.repeating:
                action = (f'<a class="btn btn-xs btn-primary btn-add-row" href="{edit_url}"><i class="fa fa-plus"></i> '
                          f'{e(_("Thêm dòng"))}</a>')
            else:
                action = (self.undo_button(b.item_id) if b.item_id else "") + (
                    f'<a class="btn btn-xs btn-default btn-edit-section" href="{edit_url}">'
                    f'<i class="fa fa-pencil"></i> {self.edit}</a>')
            out.append(f'<span class="pull-right section-actions">{action}</span>')
        out.append("</div>")
        if sec.repeating:
            out.append(self._rows(b, buttons, edit_url))
        else:
            out.append('<table class="table table-condensed section-fields">')
            out.extend(f'<tr class="{"changed" if c.changed else ""}" data-field="{e(c.field.name)}">'
                       f'<th class="col-sm-4">{e(c.field.label)} <small class="text-muted">({e(c.field.item)})'
                       f'</small></th><td>{self.value(c)}</td></tr>' for c in b.cells)
            out.append("</table>")
        out.append("</div>")
        return "".join(out)

    def _rows(self, b: Block, buttons: bool, edit_url: str) -> str:
        if not b.rows:
            return f'<div class="panel-body text-muted">{e(_("Chưa có dòng nào."))}</div>'
        delete_url = e(self.links.url("delete_row", section=b.section.key)) if buttons else ""
        headers = "".join(f"<th>{e(f.label)}</th>" for f in b.section.fields)
        out = ['<div class="table-responsive"><table class="table table-condensed table-bordered section-rows">'
               f'<thead><tr>{headers}{"<th></th>" if buttons else ""}</tr></thead><tbody>']
        for r in b.rows:
            cells = "".join(f"<td>{self.value(c)}</td>" for c in r.cells)
            if buttons:
                cells += f'<td class="text-nowrap">{self.row_buttons(edit_url, delete_url, r)}</td>'
            out.append(f'<tr class="row-{e(r.state or "approved")}" data-row-id="{e(r.id or "")}" '
                       f'data-item-id="{e(r.item_id or "")}">{cells}</tr>')
        out.append("</tbody></table></div>")
        return "".join(out)


def sections_html(tabs: list, links: Links | None = None, csrf: bool = False) -> Markup:
    """The tab strip and one panel per tab holding its sections (``common.layout``'s output)."""
    page = _Page(links, csrf)
    active = ' class="active"'
    strip = "".join(f'<li role="presentation"{active if i == 0 else ""}><a href="#tab-{e(key)}" role="tab" '
                    f'data-toggle="tab">{e(label)}</a></li>' for i, (key, label, _blocks) in enumerate(tabs))
    panes = "".join(f'<div role="tabpanel" class="tab-pane{" active" if i == 0 else ""}" id="tab-{e(key)}">'
                    f'{"".join(page.block(b) for b in blocks)}</div>' for i, (key, _label, blocks) in enumerate(tabs))
    return Markup(f'<ul class="nav nav-tabs" role="tablist" id="file-tabs">{strip}</ul>'
                  f'<div class="tab-content file-tabs-content">{panes}</div>')
