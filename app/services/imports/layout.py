"""The layouts an import reads (issue 19, items 1–2): the import template generated from the SYLL registry, and
the legacy 2C-BNV/2008 sheet.

**The template** (:func:`template_layout`, written by :func:`write_template`) is derived from
``app/services/personnel/syll.py`` so it never drifts from the form: a sheet "Thông tin chung" with the person's
scalar items (one row per person, keyed by the CCCD, plus the category), then one sheet per repeating section
("32.1 Đào tạo chuyên môn" …), each row keyed by the CCCD of its person. Headers are the registry's Vietnamese
labels (a required item is marked "*"); coded columns get a drop-down list from a hidden sheet of the code lists.
A CSV upload is the "Thông tin chung" sheet alone.

**The 2C-BNV/2008 layout** (:func:`legacy_layout`, domain.md §1.3): one sheet, one row per person, one column per
item of the old form that has a place in TT 06/2023 — see :func:`legacy_layout` for the columns and what each fills. Its
repeating items (27 đào tạo, 28 công tác, 30 gia đình, 31 lương) were free text on paper: they are not read; the
TT 06 sections are entered afterwards (the completeness figure shows what is missing).

Headers are matched accent-, case- and punctuation-blind (``code_lists.lookup_key``): the generated header, the
label alone, or the registry field name ("birth_date") all name a column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _

from app.services import code_lists
from app.services.code_lists import lookup_key
from app.services.personnel.people import covered_categories
from app.services.personnel.syll import SECTIONS, Field, Section, section

__all__ = [
    "CATEGORY",
    "CCCD",
    "FULL_NAME",
    "HOMETOWN",
    "ID_NUMBER",
    "PERSON_SHEET",
    "Col",
    "SheetSpec",
    "category_choices",
    "code_choices",
    "person_title",
    "legacy_layout",
    "match_columns",
    "section_sheet_title",
    "template_layout",
]

#: Key of the person sheet (the scalar items), and the special column names.
PERSON_SHEET = "person"
CCCD = "cccd"
CATEGORY = "category"
FULL_NAME = "full_name"
HOMETOWN = "hometown"
ID_NUMBER = "id_number"


@dataclass(frozen=True)
class Col:
    """One column of a layout: its header and what it fills (a registry field of ``section``, or a special one)."""

    header: str
    name: str
    section: str | None = None
    aliases: tuple[str, ...] = ()
    required: bool = False

    def field(self) -> Field | None:
        """The registry field this column fills (None for special columns)."""
        if self.section is None:
            return None
        return section(self.section).field(self.name)


@dataclass(frozen=True)
class SheetSpec:
    """One sheet of a layout: the person sheet or a repeating section's."""

    key: str
    title: str
    columns: tuple[Col, ...]


_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


def section_sheet_title(sec: Section) -> str:
    """A section's sheet name: its item number and label, at most 31 characters (Excel's limit)."""
    return _BAD_TITLE.sub(" ", f"{sec.items[0]} {sec.label}")[:31].strip()


def _col(sec: Section, f: Field) -> Col:
    return Col(str(f.label) + (" *" if f.required else ""), f.name, sec.key, (str(f.label), f.name),
               f.required)


def person_title() -> str:
    """Name of the person sheet."""
    return _("Thông tin chung")


def template_layout() -> list[SheetSpec]:
    """The template's sheets, from the registry: the person sheet, then one per repeating section (form order)."""
    cccd_field = section("documents").field("cccd")
    person = [Col(str(cccd_field.label) + " *", CCCD, "documents", (str(cccd_field.label), "cccd", _("CCCD")), True),
              Col(_("Đối tượng"), CATEGORY, None, ("category",))]
    for sec in SECTIONS:
        if sec.repeating or not sec.fields:
            continue
        person += [_col(sec, f) for f in sec.fields if f.name != "cccd"]
    sheets = [SheetSpec(PERSON_SHEET, person_title(), tuple(person))]
    for sec in SECTIONS:
        if sec.repeating:
            cols = [Col(str(cccd_field.label) + " *", CCCD, None, (str(cccd_field.label), "cccd", _("CCCD")), True)]
            cols += [_col(sec, f) for f in sec.fields]
            sheets.append(SheetSpec(sec.key, section_sheet_title(sec), tuple(cols)))
    return sheets


def _legacy(header: str, name: str, sec: str | None = None, *aliases: str, required: bool = False) -> Col:
    return Col(header, name, sec, aliases, required)


def legacy_layout() -> SheetSpec:
    """The 2C-BNV/2008 sheet (domain.md §1.3): item numbers of the old form in the headers.

    Special columns: "1. Họ và tên khai sinh" is split into họ, tên đệm, tên (``app.text.split_name``); "5. Quê
    quán" ("xã, huyện, tỉnh") gives the commune (first part), the district (middle) and the province (last part,
    matched on the province list); "25. Số CMND/CCCD" is the CCCD when it has 12 digits, else the former CMND (the
    CCCD then comes from the extra column "Số CCCD", required: files are keyed by it since TT 06/2023)."""
    return SheetSpec(PERSON_SHEET, _("Mẫu 2C-BNV-2008"), (
        _legacy(_("Số CCCD"), CCCD, None, "cccd", _("Số căn cước"), _("Số định danh cá nhân")),
        _legacy(_("Đối tượng"), CATEGORY, None, "category"),
        _legacy(_("1. Họ và tên khai sinh"), FULL_NAME, None, _("Họ và tên"), _("Họ tên"), required=True),
        _legacy(_("2. Tên gọi khác"), "other_names", "identity", _("Tên gọi khác")),
        _legacy(_("3. Sinh ngày"), "birth_date", "identity", _("Ngày sinh"), required=True),
        _legacy(_("3. Giới tính"), "gender", "identity", _("Giới tính"), _("Nam/Nữ"), required=True),
        _legacy(_("4. Nơi sinh"), "birthplace", "identity", _("Nơi sinh")),
        _legacy(_("5. Quê quán"), HOMETOWN, None, _("Quê quán")),
        _legacy(_("6. Dân tộc"), "ethnicity", "identity", _("Dân tộc")),
        _legacy(_("7. Tôn giáo"), "religion", "identity", _("Tôn giáo")),
        _legacy(_("9. Nơi ở hiện nay"), "residence", "documents", _("Nơi ở hiện nay"), _("Chỗ ở hiện nay")),
        _legacy(_("10. Nghề nghiệp khi được tuyển dụng"), "previous_occupation", "background",
                _("Nghề nghiệp khi được tuyển dụng")),
        _legacy(_("11. Ngày tuyển dụng"), "recruited_on", "background", _("Ngày tuyển dụng")),
        _legacy(_("11. Cơ quan tuyển dụng"), "recruiting_unit", "background", _("Cơ quan tuyển dụng")),
        _legacy(_("12. Chức vụ hiện tại"), "position", "positions", _("Chức vụ hiện tại"), _("Chức vụ")),
        _legacy(_("13. Công việc chính được giao"), "main_duties", "positions", _("Công việc chính được giao")),
        _legacy(_("14. Mã ngạch"), "rank_code", "salary", _("Ngạch"), _("Mã ngạch"), _("Ngạch công chức")),
        _legacy(_("14. Bậc lương"), "salary_step", "salary", _("Bậc lương"), _("Bậc")),
        _legacy(_("14. Hệ số lương"), "salary_coefficient", "salary", _("Hệ số lương"), _("Hệ số")),
        _legacy(_("14. Ngày hưởng"), "salary_since", "salary", _("Ngày hưởng")),
        _legacy(_("14. Phụ cấp chức vụ"), "allowance_position", "salary", _("Phụ cấp chức vụ")),
        _legacy(_("14. Phụ cấp khác"), "allowance_other", "salary", _("Phụ cấp khác")),
        _legacy(_("15.1. Trình độ giáo dục phổ thông"), "general_education", "education",
                _("Trình độ giáo dục phổ thông")),
        _legacy(_("15.2. Trình độ chuyên môn cao nhất"), "highest_qualification", "education",
                _("Trình độ chuyên môn cao nhất"), _("Trình độ chuyên môn")),
        _legacy(_("15.2. Chuyên ngành"), "qualification_major", "education", _("Chuyên ngành")),
        _legacy(_("16. Ngày vào Đảng"), "party_joined_on", "political", _("Ngày vào Đảng")),
        _legacy(_("16. Ngày chính thức"), "party_official_on", "political", _("Ngày chính thức")),
        _legacy(_("17. Ngày tham gia tổ chức chính trị - xã hội"), "first_org_joined_on", "political",
                _("Ngày tham gia tổ chức chính trị - xã hội")),
        _legacy(_("18. Ngày nhập ngũ"), "enlisted_on", "political", _("Ngày nhập ngũ")),
        _legacy(_("18. Ngày xuất ngũ"), "discharged_on", "political", _("Ngày xuất ngũ")),
        _legacy(_("18. Quân hàm cao nhất"), "military_rank", "political", _("Quân hàm cao nhất")),
        _legacy(_("19. Danh hiệu được phong tặng cao nhất"), "state_honours", "education",
                _("Danh hiệu được phong tặng cao nhất")),
        _legacy(_("20. Sở trường công tác"), "strengths", "positions", _("Sở trường công tác")),
        _legacy(_("23. Tình trạng sức khỏe"), "health", "health", _("Tình trạng sức khỏe"), _("Sức khỏe")),
        _legacy(_("23. Chiều cao"), "height_cm", "health", _("Chiều cao")),
        _legacy(_("23. Cân nặng"), "weight_kg", "health", _("Cân nặng")),
        _legacy(_("23. Nhóm máu"), "blood_group", "health", _("Nhóm máu")),
        _legacy(_("24. Đối tượng chính sách"), "policy_category", "political", _("Thương binh hạng, gia đình "
                                                                                "chính sách"),
                _("Đối tượng chính sách")),
        _legacy(_("25. Số CMND/CCCD"), ID_NUMBER, None, _("Số CMND"), _("Số chứng minh nhân dân")),
        _legacy(_("25. Ngày cấp"), "cccd_issued_on", "documents", _("Ngày cấp")),
        _legacy(_("26. Số sổ BHXH"), "social_insurance_no", "documents", _("Số sổ BHXH")),
    ))


def _header_key(text: str) -> str:
    """A header's matching key: without the required mark, accent- and punctuation-blind."""
    return lookup_key(re.sub(r"\s*\*\s*$", "", str(text or "")))


def match_columns(spec: SheetSpec, headers: list[str | None]) -> tuple[dict[int, Col], list[str]]:
    """Map a sheet's header row onto ``spec``: ({column index: Col}, headers not recognised)."""
    keys: dict[str, Col] = {}
    for col in spec.columns:
        for name in (col.header, *col.aliases):
            keys.setdefault(_header_key(name), col)
    found: dict[int, Col] = {}
    unknown: list[str] = []
    taken: set[tuple] = set()
    for i, header in enumerate(headers):
        if header is None or not str(header).strip():
            continue
        col = keys.get(_header_key(header))
        if col is None or (col.section, col.name) in taken:
            unknown.append(str(header))
            continue
        taken.add((col.section, col.name))
        found[i] = col
    return found, unknown


def code_choices(f: Field) -> list[str]:
    """The labels a coded column's drop-down offers (the list's entries valid today)."""
    if f.code_list is None:
        return []
    return [name for _code, name in code_lists.choices(f.code_list)]


def category_choices() -> list[str]:
    """Labels of the categories the city covers."""
    return [str(label) for label in covered_categories().values()]
