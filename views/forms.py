"""Shared form pieces: the decision block, the unit picker (a search box, never a full dropdown)."""

import wtforms
from flask import url_for
from flask_appbuilder.forms import DynamicForm
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import Field, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange
from wtforms.validators import Optional as OptionalV
from wtforms.widgets import Select, TextInput, html_params

from app.extensions import db
from app.request_input import MAX_INT, parse_int
from app.services.org_units import Decision, UnitData
from models.org_units import UNIT_TYPES, OrgEvent, OrgUnit

__all__ = [
    "DateField",
    "FastSelect",
    "VNForm",
    "column_length",
    "DecisionMixin",
    "UnitFieldsMixin",
    "UnitPickerField",
    "decision_from",
    "unit_data_from",
    "field_errors",
]


class _BabelTranslations:
    """Routes WTForms' own messages through our catalog (WTForms ships no Vietnamese one)."""

    def gettext(self, string):
        from flask_babel import gettext

        return gettext(string)

    def ngettext(self, singular, plural, n):
        from flask_babel import ngettext

        return ngettext(singular, plural, n)


#: WTForms messages our forms can show, listed so that extraction puts them in the catalog.
WTFORMS_MESSAGES = (
    _l("Not a valid date value."),
    _l("Not a valid integer value."),
    _l("Not a valid choice."),
    _l("This field is required."),
    _l("Invalid Choice: could not coerce."),
    _l("The CSRF token is missing."),
    _l("The CSRF token is invalid."),
    _l("The CSRF token has expired."),
    _l("The CSRF tokens do not match."),
)


class VNForm(DynamicForm):
    """Base of our forms: WTForms' messages in Vietnamese; single selects drawn by :class:`FastSelect`."""

    class Meta:
        """Use our catalog for WTForms' built-in messages, and the fast select widget."""

        def get_translations(self, form):
            return _BabelTranslations()

        def render_field(self, field, render_kw):
            """WTForms' rendering, except that a plain single ``Select`` without option groups is drawn by
            :class:`FastSelect` (the same HTML)."""
            widget = field.widget
            if type(widget) is Select and not widget.multiple and not field.has_groups():
                widget = FAST_SELECT
            other_kw = getattr(field, "render_kw", None)
            if other_kw:
                render_kw = dict(other_kw, **render_kw)
            return widget(field, **render_kw)


PICKER_PLACEHOLDER = _l("Gõ tên hoặc mã định danh để tìm đơn vị")


class UnitPickerWidget:
    """Renders a ``<select>`` that select2 fills from the unit search endpoint (20 rows at a time)."""

    def __init__(self, multiple: bool = False, purpose: str = "read"):
        self.multiple = multiple
        self.purpose = purpose

    def __call__(self, field, **kwargs):
        ids = field.data if self.multiple else ([field.data] if field.data else [])
        ids = [i for i in ids if i]
        names = {}
        if ids:
            from flask import g

            from app.security import scope
            from app.security.permissions import ACTION_READ, RESOURCE_ORG_UNIT

            ints = [i for i in ids if isinstance(i, int)]
            visible = scope.unit_ids(getattr(g, "user", None), ACTION_READ, RESOURCE_ORG_UNIT)
            names = {u.id: u.name for u in db.session.query(OrgUnit).filter(OrgUnit.id.in_(ints),
                                                                             OrgUnit.id.in_(visible))}
        options = "".join(
            f'<option value="{i}" selected>{escape(names.get(i, i))}</option>' for i in ids
        )
        multiple = " multiple" if self.multiple else ""
        return Markup(
            f'<select id="{field.id}" name="{field.name}" class="form-control unit-picker"{multiple} '
            f'data-url="{url_for("OrgTreeView.api_search", **{"for": self.purpose})}" '
            f'data-placeholder="{escape(PICKER_PLACEHOLDER)}">'
            f"<option value=\"\"></option>{options}</select>"
        )


class UnitPickerField(Field):
    """A unit id chosen through the search box; the value is kept raw so the service reports bad ids."""

    def __init__(self, label=None, validators=None, multiple: bool = False, purpose: str = "read", **kwargs):
        """``purpose`` names the scope the picker searches (see ``views.org_units.PICKER_SCOPES``)."""
        super().__init__(label, validators, widget=UnitPickerWidget(multiple, purpose), **kwargs)
        self.multiple = multiple

    def process_formdata(self, valuelist):
        if self.multiple:
            self.data = [self._int_or_raw(v) for v in valuelist if v]
        else:
            self.data = self._int_or_raw(valuelist[0]) if valuelist and valuelist[0] else None

    def process_data(self, value):
        self.data = value if value is not None else ([] if self.multiple else None)

    @staticmethod
    def _int_or_raw(value):
        """An id in range as an int; a number out of range as 0 (no such unit); other text as typed."""
        number = parse_int(value)
        if number is not None:
            return number
        return 0 if str(value).strip().lstrip("-").isdigit() else value


class FastSelect:
    """WTForms' ``Select`` widget drawn with one f-string per option: WTForms formats each option through
    ``Markup.format`` (about 0,05 ms an option), which made a list page's filter box a fifth of its time."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        if "required" not in kwargs and "required" in getattr(field, "flags", {}):
            kwargs["required"] = True
        options = "".join(
            f'<option{" " + html_params(**extra) if extra else ""}{" selected" if selected else ""} '
            f'value="{escape(value)}">{escape(label)}</option>'
            for value, label, selected, extra in (choice if len(choice) == 4 else (*choice, None)
                                                  for choice in field.iter_choices()))
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{options}</select>")


FAST_SELECT = FastSelect()


class DateField(wtforms.DateField):
    """A day typed and shown as dd/mm/yyyy, whatever the browser's language (a native date input shows
    mm/dd/yyyy in an English browser); yyyy-mm-dd is accepted too (links, scripts)."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, format=("%d/%m/%Y", "%Y-%m-%d"), **kwargs):
        kwargs.setdefault("render_kw", {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"})
        super().__init__(label, validators, format=list(format), **kwargs)


def column_length(column) -> Length:
    """A WTForms ``Length`` validator with the length of a model's ``String`` column (``Account.last_name``):
    the form refuses, next to the field, what the database would refuse with a 500."""
    length = getattr(getattr(column, "type", None), "length", None)
    if not length:
        raise TypeError(f"{column} is not a String column with a length")
    return Length(max=length, message=_l("Tối đa %(max)s ký tự."))


class DecisionMixin:
    """The decision block every restructuring form ends with."""

    #: kit/form.html shows these fields last, under their legend.
    fieldsets = ((_l("Căn cứ quyết định"), ("decision_number", "decision_date", "effective_date", "note")),)

    decision_number = StringField(_l("Số quyết định"),
                                  validators=[OptionalV(), column_length(OrgEvent.decision_number)])
    decision_date = DateField(_l("Ngày quyết định"), validators=[OptionalV()])
    effective_date = DateField(_l("Ngày hiệu lực"), validators=[OptionalV()])
    note = TextAreaField(_l("Ghi chú"), validators=[OptionalV()])


class UnitFieldsMixin:
    """Descriptive fields of a unit."""

    name = StringField(_l("Tên đơn vị"), validators=[column_length(OrgUnit.name)])
    short_name = StringField(_l("Tên viết tắt"), validators=[OptionalV(), column_length(OrgUnit.short_name)])
    unit_type = SelectField(_l("Loại đơn vị"), choices=[("", "")] + [(k, v) for k, v in UNIT_TYPES.items()])
    ma_dinh_danh = StringField(_l("Mã định danh (QĐ 20/2020/QĐ-TTg)"),
                               validators=[OptionalV(), column_length(OrgUnit.ma_dinh_danh)])
    bien_che_quota = IntegerField(_l("Chỉ tiêu biên chế"), validators=[
        OptionalV(), NumberRange(min=0, max=MAX_INT, message=_l("Phải là số từ %(min)s đến %(max)s."))])
    address = StringField(_l("Địa chỉ"), validators=[OptionalV(), column_length(OrgUnit.address)])
    valid_from = DateField(_l("Ngày bắt đầu hoạt động"), validators=[OptionalV()])


def decision_from(form: DynamicForm) -> Decision:
    """Build the service's Decision from a form with :class:`DecisionMixin`."""
    return Decision(
        number=form.decision_number.data,
        date=form.decision_date.data,
        effective_date=form.effective_date.data,
        note=form.note.data,
    )


def unit_data_from(form: DynamicForm, parent_id=None) -> UnitData:
    """Build the service's UnitData from a form with :class:`UnitFieldsMixin`."""
    return UnitData(
        name=form.name.data,
        short_name=form.short_name.data,
        unit_type=form.unit_type.data,
        parent_id=parent_id,
        ma_dinh_danh=form.ma_dinh_danh.data,
        bien_che_quota=form.bien_che_quota.data,
        address=form.address.data,
        valid_from=form.valid_from.data,
    )


def field_errors(form: DynamicForm) -> dict[str, list[str]]:
    """Type errors WTForms found (a date that is not a date ...), translated, keyed by field.

    A missing or wrong CSRF token is reported for the whole form (``__all__``), so the form is refused.
    """
    form.validate()
    errors = {name: [str(e) for e in errs] for name, errs in form.errors.items() if name != "csrf_token"}
    if form.errors.get("csrf_token"):
        errors["__all__"] = [str(e) for e in form.errors["csrf_token"]]
    return errors
