"""The view kit: a new screen is configuration plus one service call (issue 14 item 2).

- :class:`Page` / :func:`paginate` / :func:`page_of` / :func:`offset_page` — one page of rows, its neighbours'
  links and, where asked, a count capped at ``count_cap`` ("hơn 10.000"): no page counts a million-row table.
- :class:`Column` + :class:`ListView` — a scoped list page: the view names its filter form, its columns and
  the one service call that returns a :class:`Page`; ``kit/list.html`` renders filters, buttons, the table,
  the capped count and the pager. Rows are rendered here in Python (:func:`render_rows`), one string per row:
  no Jinja macro call per cell (a 50-row page used to make hundreds of them). :func:`render_table` renders
  the same rows with their header for a table inside a hand-made page; :func:`plain` formats FAB's cells.
- :func:`attempt` / :func:`service_form` / :func:`post_action` — parse → call one use case → flash → redirect,
  or the page again with the service's messages next to their fields (``ValidationError``), 403/404 for
  ``ForbiddenError``/``NotFoundError``, other refusals as form-level messages, with the error's HTTP status.
  With ``preview``, a POST first shows what the call would do (``plan``) and a confirm button.
- :func:`sort_link` — a column header that sorts the list on the server (``?sort=key`` / ``?sort=-key``).
- :func:`post_button` — a one-click POST form (CSRF token included) for a list cell; :func:`row_form` — a
  small POST form with fields (a document number …) for a list cell, its errors under its fields.
- :func:`found` — a service lookup whose ``NotFoundError`` is the page's 404; :func:`link`, :func:`label` — cells.
- :class:`Chart` — a chart of a page (issue 17): figures the page's service already computed, drawn by the vendored
  Chart.js (``static/js/charts.js``) from the accessible table under it (``kit/ui.html`` ``chart``, as on the
  dashboard); a list page shows its ``charts`` above the table.
- :func:`scope_filters` — FAB ``base_filters`` derived from the scope function, for ModelViews.
- :class:`UseCaseInterface` — a ModelView's data access whose writes go through use cases (FAB reads as usual).

The macros every template shares (a field with its errors, form-level errors, the pager, the unit picker's
script, yes/no, a day) live in ``app/templates/kit/ui.html``.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from sqlalchemy import Select, func, select

from app.extensions import db
from app.request_input import int_arg
from app.services.errors import ForbiddenError, NotFoundError, ServiceError, ValidationError
from views.forms import field_errors

__all__ = [
    "PAGE_SIZE",
    "Chart",
    "Column",
    "ListView",
    "Page",
    "ScopeFilter",
    "UseCaseInterface",
    "attempt",
    "day",
    "found",
    "label",
    "link",
    "offset_page",
    "moment",
    "page_of",
    "page_url",
    "paginate",
    "post_action",
    "plain",
    "post_button",
    "render_rows",
    "render_table",
    "row_form",
    "row_values",
    "scope_filters",
    "service_form",
    "sort_link",
    "status_label",
]

#: Rows per page of every kit list.
PAGE_SIZE = 50
#: Bootstrap label class of the statuses dated grants share (active, pending, expired, revoked).
STATUS_CLASS = {"active": "success", "pending": "info", "expired": "default", "revoked": "danger"}


# --------------------------------------------------------------------------- pages


@dataclass
class Page:
    """One page of a list: its rows, its number and the links to its neighbours (None at either end).

    ``total`` is the number of matching rows when the list counts them, ``capped`` when there are more than
    the count looked at (the page then says "more than").
    """

    rows: list
    number: int = 1
    prev_url: str | None = None
    next_url: str | None = None
    total: int | None = None
    capped: bool = False
    size: int = PAGE_SIZE
    extra: dict = field(default_factory=dict)


def page_url(number: int, arg: str = "page", first: int = 1) -> str:
    """This request's URL (its filters kept) for page ``number`` (``first``, the first page's, is left out)."""
    args = {k: v for k, v in request.args.items() if k != arg and v != ""}
    if number > first:
        args[arg] = number
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def page_of(rows: Sequence, more: bool, number: int, *, size: int = PAGE_SIZE, **extra) -> Page:
    """A :class:`Page` from a service's ``(rows, more)`` answer for page ``number``."""
    return Page(rows=list(rows), number=number, size=size,
                prev_url=page_url(number - 1) if number > 1 else None,
                next_url=page_url(number + 1) if more else None, **extra)


def offset_page(rows: Sequence, more: bool, offset: int, *, size: int = PAGE_SIZE, arg: str = "offset",
                **fields) -> Page:
    """A :class:`Page` from a service's ``(rows, more)`` answer read from row ``offset`` (``?offset=`` lists)."""
    return Page(rows=list(rows), number=offset // size + 1, size=size,
                prev_url=page_url(max(offset - size, 0), arg, 0) if offset else None,
                next_url=page_url(offset + size, arg, 0) if more else None, **fields)


def found(lookup: Callable[..., Any], *args, **kwargs):
    """``lookup(*args, **kwargs)`` (a service read of one row or one page); its ``NotFoundError`` is a 404."""
    try:
        return lookup(*args, **kwargs)
    except NotFoundError as exc:
        abort(404, description=" ".join(exc.messages))


def paginate(stmt: Select, *, size: int = PAGE_SIZE, scalars: bool = True, count_cap: int | None = None,
             number: int | None = None, count_stmt: Select | None = None) -> Page:
    """Run ``stmt`` (already scoped, filtered and ordered) for the page named by ``?page=``.

    One row more than the page is read to know whether a next page exists; with ``count_cap`` the matching
    rows are also counted, looking at ``count_cap + 1`` rows at most — of ``count_stmt`` when given (the same
    rows without the joins the page's columns need).
    """
    number = number or int_arg("page", 1)
    run = db.session.scalars if scalars else db.session.execute
    rows = list(run(stmt.limit(size + 1).offset((number - 1) * size)))
    total = capped = None
    if count_cap:
        counted = db.session.scalar(select(func.count()).select_from(
            (count_stmt if count_stmt is not None else stmt).order_by(None).limit(count_cap + 1).subquery()))
        total, capped = min(counted, count_cap), counted > count_cap
    return Page(rows=rows[:size], number=number, size=size, total=total, capped=bool(capped),
                prev_url=page_url(number - 1) if number > 1 else None,
                next_url=page_url(number + 1) if len(rows) > size else None)


# --------------------------------------------------------------------------- rows without macros


@dataclass(frozen=True)
class Column:
    """A list column: its header and how a row becomes its cell (text is escaped, ``Markup`` is kept);
    ``attrs`` gives a cell's own attributes (a ``title`` …) from its row; ``data`` attributes the same on every cell
    of the column (written once into the column's prepared ``<td>``)."""

    label: Any
    cell: Callable[[Any], Any]
    css: str = ""
    attrs: Callable[[Any], dict] | None = None
    data: dict | None = None


def _text(value) -> str:
    """``value`` as HTML: markup as it is, anything else escaped exactly as markupsafe does (same entities),
    without making a ``Markup`` object per cell (a 50-row list has 400 of them)."""
    if value is None:
        return ""
    html = getattr(value, "__html__", None)
    if html is not None:
        return html()
    return (str(value).replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;").replace("'", "&#39;")
            .replace('"', "&#34;"))


def _attrs(attrs: dict) -> str:
    return "".join(f' {k}="{_text(v)}"' for k, v in attrs.items() if v is not None and v is not False)


def render_rows(rows: Iterable, columns: Sequence[Column], row_attrs: Callable[[Any], dict]) -> Markup:
    """The ``<tr>`` of every row, built as one string (no template call per cell; a column without ``attrs``
    opens its cells with one prepared ``<td>``)."""
    opening = [None if c.attrs else f"<td{_attrs({'class': c.css or None, **(c.data or {})})}>" for c in columns]
    out = []
    for row in rows:
        cells = "".join(f"{td or _cell_open(c, row)}{_text(c.cell(row))}</td>" for c, td in zip(columns, opening,
                                                                                               strict=True))
        out.append(f"<tr{_attrs(row_attrs(row))}>{cells}</tr>")
    return Markup("\n".join(out))


def _cell_open(column: Column, row) -> str:
    return f"<td{_attrs({'class': column.css or None, **(column.data or {}), **column.attrs(row)})}>"


def render_table(rows: Sequence, columns: Sequence[Column], row_attrs: Callable[[Any], dict], *,
                 table_id: str, css: str = "table table-condensed", empty: Any = "") -> Markup:
    """A whole table (headers and rows) as one string, for a list that is not the page's own (the recent jobs
    under a form …); ``empty`` (a muted line) when there are no rows."""
    if not rows:
        return Markup('<p class="text-muted">%s</p>') % (empty or _("Không có dòng nào."))
    head = "".join(f"<th>{escape(c.label)}</th>" for c in columns)
    return Markup(f'<table class="{escape(css)}" id="{escape(table_id)}"><thead><tr>{head}</tr></thead>'
                  f"<tbody>{render_rows(rows, columns, row_attrs)}</tbody></table>")


def _blank(value):
    return "" if value is None else value


def day(value) -> str:
    """A date as dd/mm/yyyy ("" for none)."""
    return value.strftime("%d/%m/%Y") if value else ""


def plain(value):
    """A value as a FAB ModelView shows it (its ``formatters_columns``): blank for none, a date as dd/mm/yyyy."""
    return day(value) if hasattr(value, "strftime") else _blank(value)


def moment(value) -> str:
    """A time as dd/mm/yyyy hh:mm in the user's time zone ("" for none)."""
    return format_datetime(value, "dd/MM/yyyy HH:mm") if value else ""


def small(text) -> Markup:
    """A muted second line under a cell's main text ("" when there is nothing)."""
    return Markup('<br><small class="text-muted">%s</small>') % text if text else Markup("")


def status_label(status: str, labels: dict, classes: dict = STATUS_CLASS) -> Markup:
    """A coloured label of a status."""
    return label(labels.get(status, status), classes.get(status, "default"))


def label(text, kind: str = "default") -> Markup:
    """A Bootstrap label (``kind``: default, success, warning, danger …)."""
    return Markup('<span class="label label-%s">%s</span>') % (kind, text)


def link(url: str, text) -> Markup:
    """A link in a cell."""
    return Markup('<a href="%s">%s</a>') % (url, text)


def post_button(url: str, label: str, *, css: str = "btn btn-xs btn-danger", form_class: str = "",
                icon: str = "", title: str | None = None, button_id: str | None = None) -> Markup:
    """A one-click POST form carrying the CSRF token (a revoke, mark-read, lock … button in a list cell; a report's
    "start the export" button)."""
    icon_html = Markup('<i class="fa %s"></i> ') % icon if icon else Markup("")
    return Markup(
        '<form method="post" action="%s"%s><input type="hidden" name="csrf_token" value="%s">'
        '<button type="submit" class="%s"%s>%s%s</button></form>'
    ) % (url, Markup(_attrs({"class": form_class or None})), generate_csrf(), css,
         Markup(_attrs({"title": title, "id": button_id})), icon_html, label)


def sort_link(label, key: str, sort: str, descending: bool = False, arg: str = "sort") -> Markup:
    """A header that sorts the list on ``key`` (``?sort=-key`` when it is already sorted on it ascending), this
    request's other arguments kept (the page number dropped); the sorted column gets an arrow ``#sorted-by``."""
    wanted = "-" + key if sort == key and not descending else key
    args = {k: v for k, v in request.args.items() if k not in (arg, "page") and v != ""}
    url = url_for(request.endpoint, **(request.view_args or {}), **args, **{arg: wanted})
    arrow = Markup(' <i class="fa fa-sort-%s" id="sorted-by" data-sort="%s"></i>') % (
        "desc" if descending else "asc", ("-" if descending else "") + key) if sort == key else ""
    return Markup('<a href="%s" class="sort-link" data-sort="%s">%s</a>%s') % (url, key, label, arrow)


def row_form(url: str, form, submit, *, errors: dict | None = None, css: str = "btn btn-sm btn-primary",
             form_id: str | None = None, form_class: str = "", icon: str = "") -> Markup:
    """A small POST form for a list cell: its CSRF token, its fields (their label as placeholder; ``errors``,
    given when this is the form that was posted, under them) and a button."""
    errors = errors or {}
    fields = []
    for f in form:
        if f.short_name == "csrf_token":
            continue
        errs = errors.get(f.short_name, [])
        fields.append(Markup('<div class="form-group%s">%s%s</div>') % (
            " has-error" if errs else "", f(class_="form-control input-sm", placeholder=f.label.text),
            Markup("").join(Markup('<p class="help-block field-error" data-field="%s">%s</p>') % (f.short_name, e)
                            for e in errs)))
    token = form.csrf_token() if "csrf_token" in form else ""
    icon_html = Markup('<i class="fa %s"></i> ') % icon if icon else Markup("")
    return Markup('<form method="post" action="%s"%s>%s%s<button type="submit" class="%s">%s%s</button></form>') % (
        url, Markup(_attrs({"id": form_id, "class": form_class or None})), token, Markup("").join(fields), css,
        icon_html, submit)


# --------------------------------------------------------------------------- charts


def figure(value, percent: bool = False) -> str:
    """A chart's figure as the page shows it: 12.345 (Vietnamese thousands separator), 87,5 % for a percentage,
    "—" for none."""
    if value is None:
        return "—"
    if percent:
        return f"{value:.1f}".replace(".", ",") + " %"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{int(value):,}".replace(",", ".")


@dataclass
class Chart:
    """A chart and its accessible table (``kit/ui.html`` ``chart``): ``rows`` are (label, one value per series);
    ``series`` the series' names (one name: a single-series chart, its bars labelled by ``title``). ``kind``:
    "bar" (horizontal bars, one row each), "column" (vertical bars), "line", "doughnut"; ``stacked`` stacks the
    series; ``percent`` shows the values as percentages (0–100). ``label_header`` heads the column of labels,
    ``note`` is shown under the title (what the chart leaves out)."""

    key: str
    title: Any
    rows: list[tuple[Any, list]]
    series: list[Any]
    kind: str = "bar"
    stacked: bool = False
    percent: bool = False
    label_header: Any = ""
    note: Any = ""

    @property
    def height(self) -> int:
        """Pixels of the canvas: horizontal bars get room for each row (and each series of a row)."""
        if self.kind != "bar":
            return 260
        per_row = 22 if self.stacked or len(self.series) == 1 else 14 * len(self.series) + 8
        return max(160, per_row * len(self.rows) + 70)

    def cells(self, values: list) -> list[tuple[Any, str]]:
        """(value for the chart, text for the table) of each value of a row; a missing value is no bar."""
        return [("" if v is None else v, figure(v, self.percent)) for v in values]


# --------------------------------------------------------------------------- the list page


class ListView(BaseView):
    """A scoped list page: filters, buttons, a table and a pager; the rows come from one service call.

    Subclasses set ``list_title``, ``columns`` (or override :meth:`list_columns`), ``filter_form`` and
    ``filter_fields``, ``table_id``, ``empty_message`` and implement :meth:`list_page`. The page is
    rendered by :meth:`render_list` (from the subclass's ``@expose``'d index, which carries the permission).
    """

    default_view = "index"
    list_template = "kit/list.html"
    list_title: Any = ""
    list_intro: Any = ""
    table_id = "kit-list"
    row_class = "kit-row"
    empty_message: Any = ""
    columns: Sequence[Column] = ()
    filter_form: type | None = None
    filter_fields: Sequence[str] = ()
    #: Buttons above the list: (label, endpoint, icon, permission name on this view's resource or None).
    list_links: Sequence[tuple] = ()
    #: Bootstrap columns of each filter field.
    filter_width = 2
    #: CSS classes of the ``<table>``.
    table_class = "table table-striped table-condensed"
    #: A filter the form refuses (a date that is not a date) gives no rows and HTTP 400 instead of being ignored.
    refuse_bad_filters = False

    def list_columns(self) -> Sequence[Column]:
        """The columns of this request (override when they depend on the user)."""
        return self.columns

    def page_columns(self, page: Page, context: dict) -> Sequence[Column]:
        """The columns of this page (override when cells need the page's ``extra`` or the render ``context``,
        e.g. a posted row form and its errors)."""
        return self.list_columns()

    def list_page(self, filters) -> Page:
        """The one service call: the page of rows for these filters (already in the user's scope)."""
        raise NotImplementedError

    def row_attrs(self, row) -> dict:
        """Attributes of a row's ``<tr>`` (tests and scripts find rows by them)."""
        return {"class": self.row_class, "data-id": getattr(row, "id", None)}

    def links(self) -> list[tuple]:
        """The buttons above the list the user may use."""
        sm = self.appbuilder.sm
        return [(label, url_for(endpoint), icon) for label, endpoint, icon, permission in self.list_links
                if permission is None or sm.has_access("can_" + permission, self.class_permission_name)]

    def list_buttons(self) -> list[Markup]:
        """Forms shown next to the links above the list (a :func:`post_button` "mark all read" …)."""
        return []

    def list_charts(self, page: Page) -> list[Chart]:
        """Charts shown above the table (from what the page's service computed: no query of their own)."""
        return []

    def render_list(self, page: Page | None = None, **context):
        """The list page for this request's filters (or of ``page``, when the view has read it itself).

        ``intro`` (a text of this request) replaces ``list_intro``; ``headers`` (sort links …) the columns'
        labels; ``foot_html`` (rows from :func:`render_rows`: totals …) goes in the table's ``<tfoot>``. With
        ``refuse_bad_filters``, a filter the form refuses gives no rows and a 400.
        """
        filters = self.filter_form(request.args, meta={"csrf": False}) if self.filter_form else None
        errors = field_errors(filters) if filters is not None and request.args else {}
        refused = bool(errors) and self.refuse_bad_filters
        page = Page(rows=[]) if refused else (page if page is not None else self.list_page(filters))
        columns = self.page_columns(page, context)
        body = self.render_template(
            self.list_template, title=context.pop("title", self.list_title), view=self, filters=filters,
            charts=context.pop("charts", None) or ([] if refused else self.list_charts(page)),
            filter_errors=errors, page=page, headers=context.pop("headers", None) or [c.label for c in columns],
            rows_html=render_rows(page.rows, columns, self.row_attrs), links=self.links(),
            buttons=self.list_buttons(), **context)
        return (body, 400) if refused else body


# --------------------------------------------------------------------------- forms through use cases


def attempt(form, act: Callable[[], Any], render: Callable[[dict], Any], field_map: dict | None = None, *,
            forbidden_in_page: bool = False, forbidden_field: str | None = None):
    """Check ``form``'s types and CSRF token, then run ``act`` (one service call).

    When either refuses, ``render(errors)`` shows the page again with the messages next to their fields
    (the service's field names translated through ``field_map``), with the error's HTTP status; a refusal
    of access is a 403 (with ``forbidden_in_page``, the page again with the refusal's message, status 403; with
    ``forbidden_field``, that message next to the field — a unit outside the user's scope), a row the user
    cannot see a 404.
    """
    errors = field_errors(form)
    if errors:
        return render(errors), 400
    try:
        return act()
    except ValidationError as exc:
        return render({(field_map or {}).get(k, k): v for k, v in exc.errors.items()}), exc.status
    except ForbiddenError as exc:
        if forbidden_field:
            return render({forbidden_field: exc.messages}), exc.status
        if forbidden_in_page:
            return render({"__all__": exc.messages}), exc.status
        abort(403, description=" ".join(exc.messages))
    except NotFoundError as exc:
        abort(404, description=" ".join(exc.messages))
    except ServiceError as exc:
        return render({"__all__": exc.messages}), exc.status


def service_form(view: BaseView, form, call: Callable[[], Any], *, title, done=None, back=None,
                 template: str = "kit/form.html", field_map: dict | None = None,
                 preview: Callable[[], Any] | None = None, respond: Callable[[Any], Any] | None = None,
                 forbidden_in_page: bool = False, forbidden_field: str | None = None, **context):
    """A whole form screen: GET shows ``form``; POST calls ``call()`` (one use case), flashes ``done`` (unless
    empty) and redirects to ``back``, or shows the form again with the errors next to their fields.

    ``done`` and ``back`` may be functions of the use case's result (the new row's number, its page …);
    ``done`` may give ``(message, category)`` to flash other than "success" (a warning);
    ``respond(result)``, when given, is the answer instead (a page that shows the result once).
    With ``preview`` (what ``call`` would do, nothing written), a POST without ``confirm=1`` shows the form
    again with ``plan=preview()`` and a "confirm" button; the confirmed POST calls ``call``.
    ``kit/form.html`` also takes ``intro``, ``notice``, ``form_id``, ``submit_label``, ``back_url`` (False: no
    "Quay lại"), ``form_action``, ``multipart`` and ``after_form`` (markup under the form) in ``context``.
    """
    def render(errors, plan=None):
        return view.render_template(template, form=form, title=title, errors=errors, view=view, plan=plan,
                                    preview=preview is not None, **context)

    if request.method == "GET":
        return render({})
    if preview is not None and request.form.get("confirm") != "1":
        return attempt(form, lambda: render({}, preview()), render, field_map, forbidden_in_page=forbidden_in_page,
                       forbidden_field=forbidden_field)

    def act():
        result = call()
        if respond is not None:
            return respond(result)
        message = done(result) if callable(done) else done
        if message:
            flash(*(message if isinstance(message, tuple) else (message, "success")))
        return redirect(back(result) if callable(back) else back)

    return attempt(form, act, render, field_map, forbidden_in_page=forbidden_in_page, forbidden_field=forbidden_field)


def row_values(prefix: str, ids) -> dict:
    """{id: the posted ``<prefix>-<id>`` field} for the ticked ``ids`` of a list whose rows each carry a hidden field
    (which submission of the row the page showed: the inbox's rounds, the sync queue's marks)."""
    return {i: request.form.get(f"{prefix}-{i}") for i in ids}


def post_action(form, call: Callable[[], Any], *, done, back: str):
    """A button's POST (revoke, mark read, lock …): check the CSRF token, call one use case, flash, go ``back``.

    A row the user cannot see is a 404, a refused action a 403; other refusals are flashed.
    """
    errors = field_errors(form)
    if errors:
        for message in (m for msgs in errors.values() for m in msgs):
            flash(message, "danger")
        return redirect(back)
    try:
        result = call()
    except NotFoundError as exc:
        abort(404, description=" ".join(exc.messages))
    except ForbiddenError as exc:
        abort(403, description=" ".join(exc.messages))
    except ServiceError as exc:
        for message in exc.messages:
            flash(message, "danger")
        return redirect(back)
    message = done(result) if callable(done) else done
    if message:
        flash(message, "success")
    return redirect(back)


# --------------------------------------------------------------------------- FAB ModelViews


class ScopeFilter(BaseFilter):
    """FAB ``base_filters`` entry: rows whose unit column is among the units where the user may act.

    ``value`` is ``(action, resource)``; the unit ids come from ``scope.unit_ids`` (one subquery), so a
    ModelView's list, show, edit, delete, actions and downloads all stay inside the user's scope.
    """

    name = "scope"
    arg_name = "scope"

    def apply(self, query, value):
        from app.security import scope

        action, resource = value
        column = getattr(self.model, self.column_name)
        return query.filter(column.in_(scope.unit_ids(g.user, action, resource)))


def scope_filters(column: str, action: str, resource: str) -> list:
    """``base_filters`` of a ModelView whose rows belong to units: only those in the user's scope."""
    return [[column, ScopeFilter, (action, resource)]]


class UseCaseInterface(SQLAInterface):
    """A ModelView's data access for a small table: FAB reads as usual, but every write goes through a use case.

    ``add``, ``edit`` and ``delete`` are functions ``(actor, item)`` calling one use case each (validation,
    audit, one transaction); the ``item`` FAB filled from the form only carries the values. A write without
    its use case is refused; FAB's bulk delete goes through ``delete`` row by row::

        datamodel = UseCaseInterface(WorkdayOverride, add=lambda user, o: wd.add_override(user, o.day, …), …)
    """

    def __init__(self, model, *, add: Callable | None = None, edit: Callable | None = None,
                 delete: Callable | None = None, session=None) -> None:
        super().__init__(model, session)
        self.use_cases = {"add": add, "edit": edit, "delete": delete}

    def _write(self, name: str, item) -> None:
        if self.use_cases[name] is None:
            raise NotImplementedError(f"{self.obj.__name__} has no {name} use case")
        self.use_cases[name](g.user, item)

    def add(self, item, commit: bool = True) -> None:
        self._write("add", item)

    def edit(self, item, commit: bool = True) -> None:
        self._write("edit", item)

    def delete(self, item, commit: bool = True) -> None:
        self._write("delete", item)

    def delete_all(self, items) -> None:
        for item in items:
            self._write("delete", item)
