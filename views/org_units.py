"""Org tree screens: tree page (lazy children), unit list/show, add/edit, and one form per event.

Views parse, call one service function, flash a translated message and redirect: every form goes through
the kit's ``service_form`` (``OrgTreeView._form``, template ``org_units/form.html`` on ``kit/form.html``). Every
event form has a preview step that shows what the decision will move before anything is written.
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from flask import Response, abort, current_app, g, jsonify, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select
from wtforms import SelectField

from app import audit
from app.extensions import db
from app.request_input import MAX_INT, int_arg, parse_int
from app.security import scope
from app.security.permissions import (
    ACTION_READ,
    ACTION_WRITE,
    MENU_ORG_TREE,
    MENU_ORG_UNITS,
    MENU_ORGANISATION,
    RESOURCE_ACCOUNT,
    RESOURCE_CONSENT,
    RESOURCE_DATA_IMPORT,
    RESOURCE_DELEGATION,
    RESOURCE_ORG_UNIT,
    RESOURCE_PERSONNEL,
    RESOURCE_REPORT,
    RESOURCE_STAFFING,
)
from app.services import org_units as svc
from app.services.errors import NotFoundError
from models.org_units import EVENT_UNIT_ROLES, UNIT_STATUSES, UNIT_TYPES, OrgUnit
from views.base import ScopedModelView
from views.forms import DecisionMixin, UnitFieldsMixin, UnitPickerField, VNForm, decision_from, unit_data_from
from views.kit import Column, day, plain, render_table, scope_filters, service_form

__all__ = ["OrgTreeView", "OrgUnitModelView", "register"]

READ = "read"
WRITE = "write"


def read_scope():
    """Units the signed-in user may read (a SELECT for ``IN``): the scope function, default deny."""
    return scope.unit_ids(g.user, ACTION_READ, RESOURCE_ORG_UNIT)


#: What each unit picker searches: ``?for=<purpose>`` -> (action, resource) of the scope function.
PICKER_SCOPES = {
    "read": (ACTION_READ, RESOURCE_ORG_UNIT),
    "write": (ACTION_WRITE, RESOURCE_ORG_UNIT),
    "accounts": (ACTION_WRITE, RESOURCE_ACCOUNT),
    "consent": (ACTION_WRITE, RESOURCE_CONSENT),
    "delegation": (ACTION_WRITE, RESOURCE_DELEGATION),
    "people": (ACTION_WRITE, RESOURCE_PERSONNEL),
    "people_read": (ACTION_READ, RESOURCE_PERSONNEL),
    # A move's destination (issue 16): any open unit of the city, for whoever writes personnel files somewhere
    # (the competent authority decides; unit names are not personal data).
    "destination": None,
    # Staffing (issue 17): the units whose quotas and positions the user maintains / reads, and reports on.
    "staffing": (ACTION_WRITE, RESOURCE_STAFFING),
    "staffing_read": (ACTION_READ, RESOURCE_STAFFING),
    "report": (ACTION_READ, RESOURCE_REPORT),
    # Issue 19: the units where the user may import files.
    "import": (ACTION_WRITE, RESOURCE_DATA_IMPORT),
}


# --------------------------------------------------------------------------- forms


class CreateForm(UnitFieldsMixin, DecisionMixin, VNForm):
    """Thành lập đơn vị."""

    parent_id = UnitPickerField(_l("Đơn vị cấp trên"), purpose="write")


class EditForm(UnitFieldsMixin, DecisionMixin, VNForm):
    """Sửa thông tin / đổi tên."""


class ConsolidateForm(UnitFieldsMixin, DecisionMixin, VNForm):
    """Hợp nhất nhiều đơn vị thành đơn vị mới."""

    source_ids = UnitPickerField(_l("Các đơn vị hợp nhất"), multiple=True, purpose="write")
    parent_id = UnitPickerField(_l("Đơn vị cấp trên của đơn vị mới"), purpose="write")


class SplitForm(DecisionMixin, VNForm):
    """Chia tách: the new units and the placement of sub-units are read from the posted rows."""

    members_target = SelectField(_l("Tài khoản và nhân sự trực thuộc chuyển về"), choices=[], validate_choice=False)


SPLIT_ROWS = 4


@dataclass(frozen=True)
class PairEvent:
    """An event on one unit that names one other unit (its ``field``, a picker): service pair and messages."""

    field: str
    label: Any
    plan: Callable
    apply: Callable
    title: Any
    done: Any

    @cached_property
    def form(self) -> type:
        """The event's form: the other unit, then the decision."""
        return type(f"PairForm_{self.field}", (DecisionMixin, VNForm),
                    {self.field: UnitPickerField(self.label, purpose="write")})


PAIR_EVENTS = {
    "move": PairEvent("new_parent_id", _l("Đơn vị cấp trên mới"), svc.plan_move, svc.move_unit,
                      _l("Chuyển đơn vị cấp trên"), _l("Đã chuyển đơn vị %(name)s.")),
    "merge": PairEvent("target_id", _l("Sáp nhập vào đơn vị"), svc.plan_merge, svc.merge_units,
                       _l("Sáp nhập đơn vị"), _l("Đã sáp nhập %(name)s.")),
    "dissolve": PairEvent("receiver_id", _l("Đơn vị tiếp nhận đơn vị trực thuộc và nhân sự"), svc.plan_dissolve,
                          svc.dissolve_unit, _l("Giải thể đơn vị"), _l("Đã giải thể %(name)s.")),
}


# --------------------------------------------------------------------------- list / show


class OrgUnitModelView(ScopedModelView):
    """Unit list and unit page (read-only CRUD; every change goes through the event forms)."""

    route_base = "/org-units"
    datamodel = SQLAInterface(OrgUnit)
    class_permission_name = RESOURCE_ORG_UNIT
    method_permission_name = {"list": READ, "show": READ, "export_csv": READ, "download": READ}
    # Same resource as OrgTreeView: both pairs listed so a permission sync never drops can_write.
    base_permissions = ["can_" + READ, "can_" + WRITE]
    list_title = _l("Danh sách đơn vị")
    show_title = _l("Thông tin đơn vị")
    list_columns = ["name", "short_name", "type_label", "ma_dinh_danh", "level", "parent.name", "status_label"]
    show_columns = [
        "name", "short_name", "type_label", "ma_dinh_danh", "level", "parent", "bien_che_quota",
        "address", "valid_from", "valid_to", "status_label", "successor",
    ]
    search_columns = ["name", "short_name", "ma_dinh_danh", "unit_type", "status", "level"]
    # the filter box offers the Vietnamese names of the codes (a text box would show and expect "active")
    search_form_extra_fields = {
        "unit_type": SelectField(_l("Loại đơn vị"), choices=list(UNIT_TYPES.items()), widget=Select2Widget()),
        "status": SelectField(_l("Trạng thái"), choices=list(UNIT_STATUSES.items()), widget=Select2Widget()),
    }
    base_order = ("level", "asc")
    base_filters = scope_filters("id", ACTION_READ, RESOURCE_ORG_UNIT)
    page_size = 25
    label_columns = {
        "name": _l("Tên đơn vị"), "short_name": _l("Tên viết tắt"), "unit_type": _l("Loại đơn vị"),
        "type_label": _l("Loại đơn vị"), "ma_dinh_danh": _l("Mã định danh"), "level": _l("Cấp"),
        "parent": _l("Đơn vị cấp trên"), "parent.name": _l("Đơn vị cấp trên"), "address": _l("Địa chỉ"),
        "bien_che_quota": _l("Chỉ tiêu biên chế"), "valid_from": _l("Ngày bắt đầu hoạt động"),
        "valid_to": _l("Ngày chấm dứt"), "status": _l("Trạng thái"), "status_label": _l("Trạng thái"),
        "successor": _l("Đơn vị kế thừa"),
    }
    list_template = "org_units/list.html"
    show_template = "org_units/show.html"
    formatters_columns = dict.fromkeys(show_columns + list_columns, plain)

    @action("export_csv", _l("Xuất CSV các đơn vị đã chọn"), None, "fa-download", single=False)
    def export_csv(self, items):
        """Bulk action: the selected units (all in scope, see ScopedModelView) as a CSV file."""
        items = items if isinstance(items, list) else [items]
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow([str(_l("Mã")), str(_l("Tên đơn vị")), str(_l("Mã định danh")), str(_l("Loại đơn vị")),
                         str(_l("Cấp")), str(_l("Trạng thái"))])
        for unit in items:
            writer.writerow([unit.id, unit.name, unit.ma_dinh_danh or "", unit.type_label, unit.level,
                             unit.status_label])
        audit.log_access("export", object_type="OrgUnit", detail={"ids": [u.id for u in items][:200],
                                                                  "count": len(items)})
        return Response("\ufeff" + buf.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=don_vi.csv"})

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        """Unit page: fields, breadcrumb, open sub-units, event history, and the event buttons."""
        unit = self.datamodel.get(pk, self._base_filters)
        if unit is None:
            abort(404)
        kids, more = svc.children(unit.id, include_closed=True, within=read_scope())
        return self.render_template(
            self.show_template, pk=pk, title=self.show_title, widgets=self._show(pk),
            related_views=self._related_views, unit=unit, ancestors=_visible_ancestors(unit),
            children=render_table(kids, CHILD_COLUMNS, row_attrs=lambda row: {}, table_id="unit-children",
                                  css="table table-condensed table-striped") if kids else None,
            more_children=more,
            history=render_table(_history(unit), HISTORY_COLUMNS, row_attrs=lambda row: {"data-event-id": row[0].id},
                                 table_id="unit-history"),
            can_write=_can_write() and scope.allows(g.user, ACTION_WRITE, RESOURCE_ORG_UNIT, unit),
        )


def _unit_link(row) -> Markup:
    unit, count = row
    link = Markup('<a href="%s">%s</a>') % (url_for("OrgUnitModelView.show", pk=unit.id), unit.name)
    return link + (Markup(' <span class="badge">%s</span>') % count if count else "")


#: A unit's sub-units (rows of ``svc.children``: unit and its own sub-unit count).
CHILD_COLUMNS = (
    Column(_l("Tên đơn vị"), _unit_link),
    Column(_l("Mã định danh"), lambda row: row[0].ma_dinh_danh),
    Column(_l("Loại đơn vị"), lambda row: row[0].type_label),
    Column(_l("Trạng thái"), lambda row: row[0].status_label),
)


def _decision(event) -> str:
    return (event.decision_number or "") + (f" {_('ngày')} {day(event.decision_date)}" if event.decision_date else "")


#: A unit's history (rows of :func:`_history`: event and the unit's roles in it).
HISTORY_COLUMNS = (
    Column(_l("Ngày hiệu lực"), lambda row: day(row[0].effective_date)),
    Column(_l("Sự kiện"), lambda row: row[0].type_label),
    Column(_l("Vai trò của đơn vị"), lambda row: row[1]),
    Column(_l("Quyết định"), lambda row: _decision(row[0])),
    Column(_l("Người thực hiện"), lambda row: row[0].actor_name),
    Column(_l("Ghi chú"), lambda row: row[0].note),
)


def _history(unit: OrgUnit) -> list[tuple]:
    """One row per event, newest first: a unit can take part in one event in several roles (subject and
    closed), listed in the catalogue's order (subject first), unknown codes last."""
    events: dict[int, tuple] = {}
    for event, role in svc.unit_history(unit):
        events.setdefault(event.id, (event, {}))[1][role] = None
    order = {code: i for i, code in enumerate(EVENT_UNIT_ROLES)}
    return [(event, "; ".join(str(EVENT_UNIT_ROLES.get(r, r)) for r in sorted(roles, key=lambda r: order.get(r, 99))))
            for event, roles in events.values()]


def _visible_ancestors(unit: OrgUnit) -> list[OrgUnit]:
    """The breadcrumb: ancestors the user may read (an agency user does not see above its agency)."""
    found = svc.ancestors([unit])
    return [found[i] for i in unit.ancestor_ids if i in found and scope.allows(g.user, ACTION_READ,
                                                                              RESOURCE_ORG_UNIT, found[i])]


# --------------------------------------------------------------------------- tree, pickers, events


def _can_write() -> bool:
    """Whether the signed-in user may restructure the tree (to show or hide the buttons)."""
    return current_app.appbuilder.sm.has_access("can_" + WRITE, RESOURCE_ORG_UNIT)


def _translated(labels: dict, key: str | None) -> str:
    """A label of ``labels`` translated once per request (a node list holds up to 200 units of a few types)."""
    cache = g.setdefault("_unit_json_labels", {})
    if (id(labels), key) not in cache:
        cache[(id(labels), key)] = str(labels.get(key, key))
    return cache[(id(labels), key)]


def _visible_ids(ids: list[int]) -> set[int]:
    """Those of ``ids`` that the user may read (one query)."""
    if not ids:
        return set()
    return set(db.session.scalars(select(OrgUnit.id).where(OrgUnit.id.in_(ids), OrgUnit.id.in_(read_scope()))))


def _unit_json(unit: OrgUnit, child_count: int | None = None, trail: dict | None = None,
               visible: set[int] | None = None) -> dict:
    data = {
        "id": unit.id,
        "name": unit.name,
        "short_name": unit.short_name,
        "code": unit.ma_dinh_danh,
        "type": _translated(UNIT_TYPES, unit.unit_type),
        "level": unit.level,
        "open": unit.is_open,
        "status": _translated(UNIT_STATUSES, unit.status),
        "path": [int(p) for p in unit.path.strip("/").split("/") if visible is None or int(p) in visible],
        "url": url_for("OrgUnitModelView.show", pk=unit.id),
    }
    if child_count is not None:
        data["children"] = child_count
    if trail is not None:
        data["trail"] = " › ".join(trail[i].name for i in unit.ancestor_ids if i in trail)
    return data


class OrgTreeView(BaseView):
    """The tree page, its JSON endpoints (children on demand, search) and the restructuring forms."""

    route_base = "/org"
    default_view = "tree"
    class_permission_name = RESOURCE_ORG_UNIT
    method_permission_name = {"tree": READ, "api_children": READ, "api_search": READ, "create": WRITE, "edit": WRITE,
                              "restructure": WRITE, "consolidate": WRITE, "split": WRITE}
    base_permissions = ["can_" + READ, "can_" + WRITE]

    @expose("/tree")
    @has_access
    def tree(self):
        """The tree page: roots are rendered by the page script; children load when a node opens."""
        focus = int_arg("focus")
        focus_path = []
        if focus and scope.allows(g.user, ACTION_READ, RESOURCE_ORG_UNIT, focus):
            # only the part of the path the user may see: a unit outside the scope is ignored, ancestors above
            # the scope are not named
            path = [int(p) for p in svc.get_unit(focus).path.strip("/").split("/")]
            visible = _visible_ids(path)
            focus_path = [p for p in path if p in visible]
        return self.render_template(
            "org_units/tree.html",
            title=_("Cây cơ cấu tổ chức"),
            focus_path=focus_path,
            can_write=_can_write(),
            type_labels={k: str(v) for k, v in UNIT_TYPES.items()},
        )

    @expose("/api/children")
    @has_access
    def api_children(self):
        """JSON: one page of a unit's children (roots when no parent), each with its sub-unit count."""
        parent = int_arg("parent")
        if "parent" in request.args and (parent is None or not scope.allows(g.user, ACTION_READ, RESOURCE_ORG_UNIT,
                                                                               parent)):
            abort(404)
        closed = request.args.get("closed") == "1"
        offset = int_arg("offset", 0, lo=0)
        rows, more = svc.children(parent, include_closed=closed, offset=offset, within=read_scope())
        return jsonify(
            {"items": [_unit_json(u, n) for u, n in rows], "more": more, "next_offset": offset + len(rows)}
        )

    @expose("/api/search")
    @has_access
    def api_search(self):
        """JSON for the tree search box and every unit picker (select2 format), at most 20 rows."""
        q = request.args.get("q", "") or request.args.get("term", "")
        closed = request.args.get("closed") == "1"
        purpose = request.args.get("for", "read")
        if PICKER_SCOPES.get(purpose, ()) is None and scope.has_permission(g.user, ACTION_WRITE, RESOURCE_PERSONNEL):
            ids = None
        else:
            action, resource = PICKER_SCOPES.get(purpose) or PICKER_SCOPES["read"]
            ids = scope.unit_ids(g.user, action, resource)
        units = svc.search_units(q, limit=current_app.config["PICKER_LIMIT"], include_closed=closed, ids=ids)
        trail = svc.ancestors(units)
        visible = _visible_ids(list(trail) + [u.id for u in units])
        trail = {i: unit for i, unit in trail.items() if i in visible}  # nothing above the user's scope
        items = [_unit_json(u, trail=trail, visible=visible) for u in units]
        for item in items:
            item["text"] = item["name"] + (f" ({item['code']})" if item["code"] else "")
        return jsonify({"results": items})

    # ----------------------------------------------------------------- create / edit and the events

    form_id = "event-form"

    @expose("/units/new", methods=["GET", "POST"])
    @has_access
    def create(self):
        """Thành lập đơn vị."""
        form = CreateForm()
        if request.method == "GET":
            form.parent_id.data = int_arg("parent")
        return self._form(
            form, _("Thành lập đơn vị"), None,
            lambda: svc.create_unit(unit_data_from(form, form.parent_id.data), decision_from(form), g.user),
            done=lambda unit: _("Đã thành lập đơn vị %(name)s.", name=unit.name),
            back=lambda unit: url_for("OrgUnitModelView.show", pk=unit.id))

    @expose("/units/<int:pk>/edit", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        """Sửa thông tin đơn vị / đổi tên (a new name needs a decision)."""
        unit = self._unit_or_404(pk)
        form = EditForm(obj=unit if request.method == "GET" else None)
        return self._form(
            form, _("Sửa thông tin đơn vị"), unit,
            lambda: svc.update_unit(pk, unit_data_from(form, unit.parent_id), decision_from(form), g.user),
            done=lambda _unit: _("Đã cập nhật đơn vị %(name)s.", name=form.name.data),
            back=url_for("OrgUnitModelView.show", pk=pk))

    @expose("/units/<int:pk>/<any(move, merge, dissolve):kind>", methods=["GET", "POST"])
    @has_access
    def restructure(self, pk, kind):
        """Move, merge or dissolve: events that name the unit and one other unit (see PAIR_EVENTS)."""
        unit = self._unit_or_404(pk)
        spec = PAIR_EVENTS[kind]
        form = spec.form()

        def args():
            return pk, form[spec.field].data, decision_from(form)

        return self._form(form, str(spec.title), unit, lambda: spec.apply(*args(), g.user),
                          preview=lambda: spec.plan(*args()), done=str(spec.done) % {"name": unit.name})

    @expose("/consolidate", methods=["GET", "POST"])
    @has_access
    def consolidate(self):
        """Hợp nhất hai hay nhiều đơn vị thành một đơn vị mới."""
        form = ConsolidateForm()
        if request.method == "GET":
            form.source_ids.data = [first] if (first := int_arg("source")) else []

        def args():
            return form.source_ids.data, unit_data_from(form, form.parent_id.data), decision_from(form)

        return self._form(form, _("Hợp nhất đơn vị"), None, lambda: svc.consolidate_units(*args(), g.user),
                          preview=lambda: svc.plan_consolidate(*args()),
                          done=_("Đã hợp nhất thành đơn vị %(name)s.", name=form.name.data))

    @expose("/units/<int:pk>/split", methods=["GET", "POST"])
    @has_access
    def split(self, pk):
        """Chia tách đơn vị thành các đơn vị mới, chọn nơi chuyển đến của từng đơn vị trực thuộc."""
        unit = self._unit_or_404(pk)
        form = SplitForm()
        rows = _split_rows()
        kids = svc.children(unit.id)[0]
        targets = {str(c.id): request.form.get(f"child-{c.id}", "") for c, _n in kids}

        def args():
            return pk, rows, targets, form.members_target.data, decision_from(form)

        return self._form(form, _("Chia tách đơn vị"), unit, lambda: svc.split_unit(*args(), actor=g.user),
                          preview=lambda: svc.plan_split(*args()), done=_("Đã chia tách %(name)s.", name=unit.name),
                          template="org_units/split.html", rows=rows, kids=kids, targets=targets,
                          row_count=SPLIT_ROWS, type_labels={k: str(v) for k, v in UNIT_TYPES.items()})

    def _unit_or_404(self, pk: int) -> OrgUnit:
        """The unit to restructure: 404 outside the read scope, 403 outside the write scope."""
        try:
            unit = svc.get_unit(pk)
        except NotFoundError:
            abort(404)
        if not scope.allows(g.user, ACTION_READ, RESOURCE_ORG_UNIT, unit):
            abort(404)
        if not scope.allows(g.user, ACTION_WRITE, RESOURCE_ORG_UNIT, unit):
            abort(403)
        return unit

    def _form(self, form, title, unit, call, *, done, template="org_units/form.html",
              back=lambda event: url_for("OrgUnitModelView.show", pk=event.units[0].unit_id), **context):
        """Every org form: the kit's form (the decision block last) through one use case; an event with a
        ``preview`` shows its plan before anything is written, then the unit's page."""
        return service_form(
            self, form, call, title=title, done=done, back=back, template=template,
            unit=unit, subtitle=unit.name if unit else None, reference_labels=svc.reference_labels(),
            back_url=url_for("OrgUnitModelView.show", pk=unit.id) if unit else url_for("OrgTreeView.tree"), **context)


def _split_rows() -> list[svc.UnitData]:
    """The new-unit rows of the split form (empty rows are ignored by the service)."""
    rows = []
    for i in range(SPLIT_ROWS):
        row = {name: request.form.get(f"new_units-{i}-{name}") for name in ("name", "short_name", "ma_dinh_danh")}
        quota = request.form.get(f"new_units-{i}-bien_che_quota", "").strip()
        number = parse_int(quota, 0, MAX_INT)
        # anything but a count in range is reported by the service next to the field
        rows.append(svc.UnitData(**row, unit_type=request.form.get(f"new_units-{i}-unit_type") or "phong_ban",
                                 bien_che_quota=number if number is not None else (quota or None)))
    return rows


def register(appbuilder) -> None:
    """Add the org views and their menu entries."""
    appbuilder.add_view(OrgTreeView, MENU_ORG_TREE, label=_l("Cây tổ chức"), icon="fa-sitemap",
                        category=MENU_ORGANISATION, category_label=_l("Cơ cấu tổ chức"), category_icon="fa-sitemap")
    appbuilder.add_view(OrgUnitModelView, MENU_ORG_UNITS, label=_l("Danh sách đơn vị"), icon="fa-list",
                        category=MENU_ORGANISATION)
