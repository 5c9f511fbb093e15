"""Chất lượng dữ liệu "Đúng – Đủ – Sạch – Sống" (domain.md §8; HN-21.3) and the register of data issues (HN-17.4).

- ``/reports/quality/``: the units of the user's scope ranked by their share of files passing every rule (the city
  ranking at the top level, and its chart), with each criterion's share; ``?unit=<id>`` drills down to a unit's
  children.
- ``/reports/quality/unit/<id>``: one unit's share passing each criterion (a chart), its counts per rule and the
  people failing them, each rule with a link to the section of the file that fixes it (``PeopleView.edit``);
  ``?rule=<key>`` keeps one rule; its quarterly reports (HN-21.6) with the chart of their signed figures.
- ``/data-issues/``: the open issues of the files in scope (``?status=`` the closed ones); an officer of the file's
  unit resolves or rejects each in place; ``/data-issues/new/<person_id>``: the report form, linked from the file
  page ("Báo dữ liệu chưa đúng").

One service call per page (``app/services/reports/quality.py``, ``app/services/data_issues.py``).
"""

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import PasswordField, SelectField, TextAreaField

from app import audit
from app.request_input import int_arg, parse_int
from app.security import scope
from app.security.permissions import (
    MENU_DATA_ISSUES,
    MENU_PERSONNEL,
    MENU_QUALITY,
    MENU_REPORTS,
    READ,
    RESOURCE_DATA_ISSUE,
    RESOURCE_REPORT,
    SIGN,
    WRITE,
)
from app.services import data_issues as issues
from app.services.errors import ForbiddenError, NotFoundError
from app.services.personnel.people import get_person
from app.services.reports import quality as svc
from app.services.reports import quarterly
from models.data_quality import ISSUE_STATUSES
from views import kit
from views.forms import VNForm
from views.kit import Chart, Column, ListView, Page, link, moment, render_rows, small

__all__ = ["DataIssuesView", "QualityView", "register"]


def _pct(value) -> Markup | str:
    return "—" if value is None else Markup("%s&nbsp;%%") % f"{value:.1f}".replace(".", ",")


def _fix_url(person_id: int, key: str) -> str:
    rule = svc.rule(key)
    if rule.section:
        return url_for("PeopleView.edit", pk=person_id, section=rule.section)
    return url_for("PeopleView.show", pk=person_id)


def _criterion_column(key: str, label) -> Column:
    """A criterion's share of files passing all its rules."""
    return Column(label, lambda r: _pct(r.criterion_pct(key)), css=f"text-right col-{key}")


def ranking_chart(table) -> Chart:
    """The share of files passing every rule, per row of the table (the units in their ranking's order)."""
    rows = [(_("%(name)s (trực thuộc trực tiếp)", name=r.name) if r.direct else r.name, [r.score])
            for r in table.rows if r.people]
    return Chart("quality-ranking", _("Tỷ lệ hồ sơ đạt mọi tiêu chí theo đơn vị"), rows,
                 [_("Hồ sơ đạt mọi tiêu chí")], percent=True, label_header=_("Đơn vị"))


def criteria_chart(summary) -> Chart:
    """One unit: the share of its files passing each criterion, and every rule."""
    rows = [(label, [summary.criterion_pct(key)]) for key, label in svc.CRITERIA.items()]
    rows.append((_("Đạt mọi tiêu chí"), [summary.score]))
    return Chart("quality-criteria", _("Tỷ lệ hồ sơ đạt từng tiêu chí"), rows if summary.people else [],
                 [_("Tỷ lệ hồ sơ đạt")], percent=True, label_header=_("Tiêu chí"))


def quarterly_chart(reports) -> Chart:
    """The unit's submitted quarterly reports (their signed figures): the share passing every rule, per quarter."""
    rows = [(f"{r.quarter}/{r.year}", [r.figures.get("score")]) for r in sorted(reports, key=lambda r: (r.year,
                                                                                                         r.quarter))]
    return Chart("quality-quarters", _("Tỷ lệ hồ sơ đạt mọi tiêu chí theo các báo cáo quý đã gửi"), rows,
                 [_("Hồ sơ đạt mọi tiêu chí")], kind="column", percent=True, label_header=_("Quý"))


class RuleFilterForm(VNForm):
    """One rule, or every rule (``?rule=<key>``)."""

    rule = SelectField(_l("Tiêu chí"), validate_choice=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule.choices = [("", _("Tất cả các tiêu chí"))] + [
            (r.key, f"{svc.CRITERIA[r.criterion]} — {r.label}") for r in svc.RULES]


class QuarterlyForm(VNForm):
    """HN-21.6: the head's signature on the quarter's report."""

    passphrase = PasswordField(_l("Mật khẩu chứng thư số"), render_kw={"autocomplete": "off"})


class QualityView(ListView):
    """The quality figures of the units in scope, and the people of one unit failing the rules."""

    route_base = "/reports/quality"
    class_permission_name = RESOURCE_REPORT
    base_permissions = ["can_" + READ, "can_" + SIGN]
    method_permission_name = {"index": READ, "unit": READ, "quarterly": SIGN, "quarterly_pdf": READ}
    list_template = "reports/quality.html"
    table_id = "quality-table"
    row_class = "quality-row"
    empty_message = _l("Không có đơn vị nào trong phạm vi của bạn.")
    refuse_bad_filters = True

    def _unit_columns(self):
        def name(r):
            if r.direct:
                return Markup("<em>%s</em>") % _("%(name)s (trực thuộc trực tiếp)", name=r.name)
            text = (Markup('<a href="%s" class="drill-link">%s</a>') % (url_for("QualityView.index", unit=r.unit_id),
                                                                         r.name)) if r.drillable else r.name
            return text + Markup(' <a href="%s" class="people-link small">%s</a>') % (
                url_for("QualityView.unit", pk=r.unit_id), _("(danh sách hồ sơ cần sửa)"))

        return [Column(_l("Xếp hạng"), lambda r: r.rank or "—", css="text-right col-rank"),
                Column(_l("Đơn vị"), name, css="col-name"),
                Column(_l("Số hồ sơ"), lambda r: r.people, css="text-right col-people"),
                Column(_l("Hồ sơ đạt mọi tiêu chí"), lambda r: _pct(r.score) + small(r.clean),
                       css="text-right col-score"),
                *[_criterion_column(key, label) for key, label in svc.CRITERIA.items()],
                Column(_l("Phản ánh chưa xử lý"), lambda r: r.open_issues, css="text-right col-issues"),
                Column(_l("Đề nghị chờ duyệt từ"), lambda r: moment(r.oldest_pending), css="col-pending")]

    def list_columns(self):
        return self._unit_columns()

    def row_attrs(self, r) -> dict:
        return {"class": self.row_class + (" direct" if r.direct else ""), "data-unit": r.unit_id}

    @expose("/")
    @has_access
    def index(self):
        """The units ranked by quality (``?unit=<id>`` drills down)."""
        raw = request.args.get("unit", "").strip()
        unit_id = parse_int(raw) if raw else None
        if raw and unit_id is None:
            abort(404, description=_("Không tìm thấy đơn vị trong phạm vi của bạn."))
        table = kit.found(svc.quality_table, g.user, unit_id)
        audit.log_access("report", object_type="DataQuality", object_id=unit_id, org_unit_id=unit_id)
        computed = None
        if table.computed_at is not None:
            computed = _("Số liệu được tính lúc %(time)s và tính lại sau mỗi %(minutes)s phút.",
                         time=moment(table.computed_at),
                         minutes=max(1, round(current_app.config["QUALITY_CACHE_SECONDS"] / 60)))
        return self.render_list(
            Page(table.rows), table=table,
            title=(_("Chất lượng dữ liệu: %(unit)s", unit=table.parent.name) if unit_id is not None
                   else _("Chất lượng dữ liệu theo đơn vị")),
            intro=_("Số liệu tính đến ngày %(day)s: tỷ lệ hồ sơ đang công tác đạt từng tiêu chí Đúng – Đủ – Sạch – "
                    "Sống; các đơn vị được xếp hạng theo tỷ lệ hồ sơ đạt mọi tiêu chí.",
                    day=table.day.strftime("%d/%m/%Y")),
            foot_html=table.total and render_rows([table.total], self._unit_columns()[2:], lambda r: {
                "class": "quality-total active", "id": "quality-total"}),
            top_url=url_for("QualityView.index"), charts=[ranking_chart(table)], computed=computed)

    @expose("/unit/<int:pk>/quarterly", methods=["POST"])
    @has_access
    def quarterly(self, pk):
        """HN-21.6: the head signs the unit's figures of the current quarter and sends them to Sở Nội vụ."""
        form = QuarterlyForm()
        year, quarter = quarterly.quarter_of(scope.today())
        return kit.post_action(form, lambda: quarterly.submit_quarterly(g.user, pk, year, quarter,
                                                                          form.passphrase.data),
                               done=_("Đã ký số và gửi báo cáo chất lượng dữ liệu quý %(q)s năm %(y)s.", q=quarter,
                                      y=year), back=url_for("QualityView.unit", pk=pk))

    @expose("/report/<int:report_id>")
    @has_access
    def quarterly_pdf(self, report_id):
        """A submitted quarterly report: its signed PDF."""
        from flask import make_response

        report = kit.found(quarterly.open_report, g.user, report_id)
        resp = make_response(report.pdf)
        resp.headers["Content-Type"] = "application/pdf"
        resp.headers["Content-Disposition"] = (f'attachment; filename="bao-cao-chat-luong-du-lieu-'
                                               f'{report.year}-q{report.quarter}-{report.org_unit_id}.pdf"')
        resp.headers["Cache-Control"] = "no-store, max-age=0"
        return resp

    @expose("/unit/<int:pk>")
    @has_access
    def unit(self, pk):
        """One unit: counts per rule, and the people failing them with links to fix."""
        filters = RuleFilterForm(request.args, meta={"csrf": False})
        if request.args.get("rule") and not filters.validate():
            abort(400, description=_("Tiêu chí không hợp lệ."))
        rule_key = filters.rule.data or None
        offset = int_arg("offset", 0, lo=0)
        found = kit.found(svc.unit_page, g.user, pk, rule_key, offset=offset)
        unit, summary, rows, more = found.unit, found.summary, found.people, found.more
        audit.log_access("report", object_type="DataQuality", object_id=unit.id, org_unit_id=unit.id,
                         detail={"rule": rule_key})
        columns = [
            Column(_l("Họ và tên"), lambda r: link(url_for("PeopleView.show", pk=r.person_id), r.full_name),
                   css="col-name"),
            Column(_l("Đơn vị"), lambda r: r.unit_name),
            Column(_l("Tiêu chí chưa đạt"), lambda r: Markup("<br>").join(
                Markup('<span class="failed-rule" data-rule="%s">%s</span> <a class="fix-link" href="%s">%s</a>') % (
                    k, svc.rule(k).label, _fix_url(r.person_id, k), _("Sửa")) for k in r.failed), css="col-rules"),
        ]
        page = kit.offset_page(rows, more, offset)
        counts = [(svc.CRITERIA[c], [(r, summary.counts[r.key]) for r in svc.RULES if r.criterion == c])
                  for c in svc.CRITERIA]
        quarterly_due = quarterly.due_date(*quarterly.quarter_of(scope.today()))
        can_sign = self.appbuilder.sm.has_access("can_" + SIGN, self.class_permission_name)
        reports = quarterly.reports_of(g.user, unit.id) if quarterly_due is not None else []
        return self.render_template(
            "reports/quality_unit.html", view=self, unit=unit, summary=summary, counts=counts, filters=filters,
            reports=reports, criteria_chart=criteria_chart(summary),
            quarterly_chart=quarterly_chart(reports) if reports else None,
            quarterly_due=quarterly_due, quarterly_form=QuarterlyForm(formdata=None) if can_sign else None,
            current_quarter=quarterly.quarter_of(scope.today()),
            rule_key=rule_key, page=page, headers=[c.label for c in columns], pct=_pct,
            rows_html=render_rows(rows, columns, lambda r: {"class": "failing-person", "data-person": r.person_id}),
            title=_("Hồ sơ cần hoàn thiện: %(unit)s", unit=unit.name))


# --------------------------------------------------------------------------- the data-issue register


class IssueStatusForm(VNForm):
    """Open issues, or the closed ones (``?status=``)."""

    status = SelectField(_l("Tình trạng"), choices=list(ISSUE_STATUSES.items()), validate_choice=True)


class IssueForm(VNForm):
    """Báo dữ liệu chưa đúng: which item of the form, what is wrong."""

    item = SelectField(_l("Mục trong sơ yếu lý lịch"), validate_choice=False,
                       description=_l("Chọn cả mục hoặc một trường cụ thể của mục."))
    description = TextAreaField(_l("Nội dung chưa đúng, chưa rõ hoặc mâu thuẫn"),
                                description=_l("Nêu rõ dữ liệu nào chưa đúng và căn cứ (giấy tờ, quyết định)."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.item.choices = [("", _("— Chọn mục —"))] + issues.item_choices()


class CloseForm(VNForm):
    """Resolve or reject an issue: what was done, or why the data is right."""

    resolution = TextAreaField(_l("Kết quả xử lý"))


class DataIssuesView(ListView):
    """The register of data issues (HN-17.4) of the files in scope."""

    route_base = "/data-issues"
    class_permission_name = RESOURCE_DATA_ISSUE
    method_permission_name = {"index": READ, "new": WRITE, "resolve": WRITE, "reject": WRITE}
    base_permissions = ["can_" + READ, "can_" + WRITE]
    list_title = _l("Phản ánh dữ liệu chưa đúng")
    list_intro = _l("Các phản ánh về dữ liệu chưa rõ, chưa đúng hoặc mâu thuẫn trong hồ sơ thuộc phạm vi của bạn. "
                    "Cán bộ tổ chức cán bộ của đơn vị quản lý hồ sơ xác minh, sửa hồ sơ rồi ghi kết quả xử lý.")
    table_id = "data-issues"
    row_class = "data-issue"
    empty_message = _l("Không có phản ánh nào.")
    filter_form = IssueStatusForm
    filter_fields = ("status",)
    filter_width = 3
    refuse_bad_filters = True

    def list_page(self, filters) -> Page:
        status = (filters.status.data if filters is not None else None) or "open"
        offset = int_arg("offset", 0, lo=0)
        return kit.offset_page(*issues.list_issues(g.user, status, offset=offset), offset)

    def row_attrs(self, row) -> dict:
        return {"class": self.row_class, "data-issue": row.id, "data-status": row.status}

    def page_columns(self, page, context):
        def act(r):
            if r.status != "open":
                return Markup("%s%s") % (kit.status_label(r.status, ISSUE_STATUSES, {
                    "resolved": "success", "rejected": "default"}), small(r.resolution))
            if not r.writable:
                return kit.status_label(r.status, ISSUE_STATUSES, {"open": "warning"})
            out = []
            for action, label, css in (("resolve", _("Đã xử lý"), "btn btn-success btn-sm"),
                                        ("reject", _("Không chấp nhận"), "btn btn-default btn-sm")):
                mine = context.get("active") == (r.id, action)
                form = context["posted"] if mine else CloseForm(formdata=None, prefix=f"{action}{r.id}")
                out.append(kit.row_form(url_for(f"DataIssuesView.{action}", issue_id=r.id), form, label,
                                        errors=context["errors"] if mine else None, css=css,
                                        form_id=f"{action}-{r.id}"))
            return Markup("").join(out)

        return [
            Column(_l("Ngày báo"), lambda r: moment(r.reported_at)),
            Column(_l("Hồ sơ"), lambda r: link(url_for("PeopleView.show", pk=r.person_id), r.person_name)
                   + small(r.unit_name)),
            Column(_l("Mục"), lambda r: issues.item_label(r.section, r.field)),
            Column(_l("Nội dung"), lambda r: r.description),
            Column(_l("Người báo"), lambda r: r.reporter),
            Column(_l("Xử lý"), act, css="col-act"),
        ]

    @expose("/")
    @has_access
    def index(self):
        """Open issues of the files in scope (``?status=resolved|rejected``: the closed ones)."""
        return self.render_list()

    @expose("/new/<int:person_id>", methods=["GET", "POST"])
    @has_access
    def new(self, person_id):
        """Báo dữ liệu chưa đúng về một hồ sơ."""
        person = kit.found(get_person, g.user, person_id)
        form = IssueForm()
        back = url_for("PeopleView.show", pk=person.id)
        return kit.service_form(
            self, form, lambda: issues.report_issue(g.user, person.id, form.item.data, form.description.data),
            title=_("Báo dữ liệu chưa đúng"), subtitle=person.full_name,
            intro=_("Phản ánh được gửi ngay đến người có hồ sơ và cán bộ tổ chức cán bộ của đơn vị quản lý hồ sơ."),
            done=_("Đã gửi phản ánh; đơn vị quản lý hồ sơ sẽ xác minh và xử lý."), back=back, back_url=back,
            submit_label=_("Gửi phản ánh"), form_id="data-issue-form")

    def _close(self, issue_id, action: str, call):
        try:
            issue = issues.checked_for_closing(g.user, issue_id)
        except NotFoundError as exc:
            abort(404, description=" ".join(exc.messages))
        except ForbiddenError as exc:
            abort(403, description=" ".join(exc.messages))
        except issues.IssueClosed as exc:
            abort(409, description=" ".join(exc.messages))
        form = CloseForm(prefix=f"{action}{issue.id}")

        def done():
            call(g.user, issue.id, form.resolution.data)
            flash(_("Đã ghi kết quả xử lý phản ánh."), "success")
            return redirect(url_for("DataIssuesView.index"))

        return kit.attempt(form, done, lambda errors: self.render_list(
            active=(issue.id, action), posted=form, errors=errors))

    @expose("/<int:issue_id>/resolve", methods=["POST"])
    @has_access
    def resolve(self, issue_id):
        """Đã xử lý: the data was corrected or explained."""
        return self._close(issue_id, "resolve", issues.resolve_issue)

    @expose("/<int:issue_id>/reject", methods=["POST"])
    @has_access
    def reject(self, issue_id):
        """Không chấp nhận: the data is right."""
        return self._close(issue_id, "reject", issues.reject_issue)


def register(appbuilder) -> None:
    """Menu "Báo cáo" → "Chất lượng dữ liệu"; "Hồ sơ" → "Phản ánh dữ liệu chưa đúng"."""
    appbuilder.add_view(QualityView, MENU_QUALITY, label=_l("Chất lượng dữ liệu"), icon="fa-check-square-o",
                        category=MENU_REPORTS, category_label=_l("Báo cáo"), category_icon="fa-bar-chart")
    appbuilder.add_view(DataIssuesView, MENU_DATA_ISSUES, label=_l("Phản ánh dữ liệu chưa đúng"), icon="fa-flag",
                        category=MENU_PERSONNEL)
