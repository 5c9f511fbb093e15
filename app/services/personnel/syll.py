"""The Sơ yếu lý lịch of TT 06/2023/TT-BNV as data: every form item, where it is stored, how it is edited.

One declaration drives the edit forms, validation, change sets, the diff, snapshots, completeness, masking
and (later) the PDF. A :class:`Section` is the unit a person edits at once: either scalar items stored on
``person`` (``table is None``) or one repeating table of the form (a section table, maybe narrowed by a
discriminator such as ``kind="political"``). ``tests/test_syll_items.py`` walks :data:`FORM_ITEMS`
(``domain.md`` §1.1) and fails if any item has no field.

Restricted-access levels (HN-4.3, HCM-6.2): 0 public inside the scope, 1 internal, 2 sensitive personal
data (NĐ 13/2023 Art. 2.4, ``domain.md`` §5.1), 3 specially restricted (arrest history, relatives'
criminal records, assets). Roles declare the highest level they read in clear (``roles.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

__all__ = [
    "FORM_ITEMS",
    "Field",
    "LEVEL_INTERNAL",
    "LEVEL_PUBLIC",
    "LEVEL_RESTRICTED",
    "LEVEL_SENSITIVE",
    "PHOTO_LEVEL",
    "SECTIONS",
    "Section",
    "TABS",
    "fields_for_item",
    "section",
]

LEVEL_PUBLIC = 0
LEVEL_INTERNAL = 1
LEVEL_SENSITIVE = 2
LEVEL_RESTRICTED = 3
#: The 4×6 photo (item 0) is biometric personal data (NĐ 13/2023 Art. 2.4): readers below this level get no
#: photo (no ``<img>``, 404 on its URL, an empty frame in the PDF); the person themself always sees it.
PHOTO_LEVEL = LEVEL_SENSITIVE

#: Field types: text, longtext, date (full date), pdate (partial date, with a ``<name>_precision`` column),
#: month ("YYYY-MM" or "YYYY"), int, year, decimal, money (integer đồng), code (a code list), bool.
TYPES = ("text", "longtext", "date", "pdate", "month", "int", "year", "decimal", "money", "code", "bool")


@dataclass(frozen=True)
class Field:
    """One input of the form: the column that stores it and how it is shown, checked and protected."""

    name: str
    item: str
    label: object
    type: str = "text"
    required: bool = False
    code_list: str | None = None
    level: int = LEVEL_INTERNAL
    max_length: int | None = None
    #: False for items only the agency fills (item 38, the file number).
    self_edit: bool = True
    encrypted: bool = False
    min_value: float | None = None
    max_value: float | None = None
    #: A code of any period is accepted (birthplace and hometown name the provinces of their time).
    any_period: bool = False


@dataclass(frozen=True)
class Section:
    """A group of items edited together: scalar items of ``person`` or one repeating table."""

    key: str
    items: tuple[str, ...]
    label: object
    tab: str
    fields: tuple[Field, ...]
    #: Section table name (``models.personnel.SECTION_MODELS``); None for scalar items on ``person``.
    table: str | None = None
    #: Discriminator values fixed for this section's rows (``{"kind": "political"}``).
    fixed: dict = field(default_factory=dict)
    #: Required for the file to count as complete (a repeating section: at least one row).
    required: bool = False

    @property
    def repeating(self) -> bool:
        """True for the form's tables."""
        return self.table is not None

    def field(self, name: str) -> Field:
        """The field called ``name`` (KeyError if none)."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


#: Every item of the TT 06/2023 form (domain.md §1.1), in form order, with its official label.
FORM_ITEMS: dict[str, object] = {
    "0": _l("Cơ quan quản lý, đơn vị sử dụng; Số hiệu; Mã số định danh; Ảnh"),
    "1": _l("Họ và tên khai sinh; Giới tính"),
    "2": _l("Các tên gọi khác"),
    "3": _l("Sinh ngày"),
    "4": _l("Nơi sinh"),
    "5": _l("Quê quán"),
    "6": _l("Dân tộc"),
    "7": _l("Tôn giáo"),
    "8": _l("Số CCCD; Ngày cấp; Số điện thoại liên hệ"),
    "9": _l("Số BHXH; Số thẻ BHYT"),
    "10": _l("Nơi ở hiện nay"),
    "11": _l("Thành phần gia đình xuất thân"),
    "12": _l("Nghề nghiệp trước khi được tuyển dụng"),
    "13": _l("Ngày được tuyển dụng lần đầu; Cơ quan, tổ chức, đơn vị tuyển dụng"),
    "14": _l("Ngày vào cơ quan hiện đang công tác"),
    "15": _l("Ngày vào Đảng Cộng sản Việt Nam; Ngày chính thức"),
    "16": _l("Ngày tham gia tổ chức chính trị - xã hội đầu tiên"),
    "17": _l("Ngày nhập ngũ; Ngày xuất ngũ; Quân hàm cao nhất"),
    "18": _l("Đối tượng chính sách"),
    "19": _l("Trình độ giáo dục phổ thông"),
    "20": _l("Trình độ chuyên môn cao nhất"),
    "21": _l("Học hàm"),
    "22": _l("Danh hiệu nhà nước phong tặng"),
    "23": _l("Chức vụ hiện tại; Ngày bổ nhiệm; Ngày bổ nhiệm lại"),
    "24": _l("Được quy hoạch chức danh"),
    "25": _l("Chức vụ kiêm nhiệm"),
    "26": _l("Chức vụ Đảng hiện tại"),
    "27": _l("Chức vụ Đảng kiêm nhiệm"),
    "28": _l("Công việc chính được giao"),
    "29": _l("Sở trường công tác; Công việc làm lâu nhất"),
    "30.1": _l("Ngạch, chức danh nghề nghiệp; Bậc lương; Hệ số; Ngày hưởng; Phần trăm hưởng; "
               "Phụ cấp thâm niên vượt khung"),
    "30.2": _l("Phụ cấp chức vụ; Phụ cấp kiêm nhiệm; Phụ cấp khác"),
    "30.3": _l("Vị trí việc làm; Bậc lương; Lương theo mức tiền; Ngày hưởng; Phần trăm hưởng; "
               "Phụ cấp thâm niên vượt khung"),
    "31": _l("Tình trạng sức khỏe; Chiều cao; Cân nặng; Nhóm máu"),
    "32.1": _l("Đào tạo chuyên môn"),
    "32.2": _l("Lý luận chính trị"),
    "32.3": _l("Bồi dưỡng quản lý nhà nước, chức danh nghề nghiệp, nghiệp vụ chuyên ngành"),
    "32.4": _l("Bồi dưỡng kiến thức an ninh, quốc phòng"),
    "32.5": _l("Tin học"),
    "32.6": _l("Ngoại ngữ, tiếng dân tộc"),
    "33": _l("Tóm tắt quá trình công tác"),
    "34.1": _l("Khai rõ: bị bắt, bị tù, đã khai báo cho ai, những vấn đề gì"),
    "34.2": _l("Bản thân có làm việc trong chế độ cũ"),
    "34.3": _l("Tham gia hoặc có quan hệ với các tổ chức chính trị, kinh tế, xã hội nào ở nước ngoài"),
    "35.1": _l("Khen thưởng, xếp loại chuyên môn, xếp loại thi đua"),
    "35.2": _l("Kỷ luật"),
    "36.1": _l("Quan hệ gia đình: về bản thân"),
    "36.2": _l("Quan hệ gia đình: về bên vợ (hoặc chồng)"),
    "37.1": _l("Quá trình lương của bản thân"),
    "37.2": _l("Các loại phụ cấp khác"),
    "37.3": _l("Nguồn thu nhập chính của gia đình; Nhà ở; Đất ở"),
    "38": _l("Nhận xét, đánh giá của cơ quan, tổ chức, đơn vị quản lý và sử dụng"),
}

F = Field
S, R = LEVEL_SENSITIVE, LEVEL_RESTRICTED
_PERIOD = (F("start", "", _l("Từ tháng/năm"), "month", required=True),
           F("end", "", _l("Đến tháng/năm"), "month"))


def _period(item: str) -> tuple[Field, ...]:
    return tuple(Field(f.name, item, f.label, f.type, f.required) for f in _PERIOD)


def _training(key: str, item: str, kind: str, label, extra: tuple[Field, ...], required=False) -> Section:
    return Section(key, (item,), label, "training",
                   _period(item) + (F("institution", item, _l("Tên cơ sở đào tạo"), required=True,
                                      max_length=300),) + extra,
                   table="training_record", fixed={"kind": kind}, required=required)


SECTIONS: tuple[Section, ...] = (
    #: The 4×6 photo of the header: no column of its own (``person_photo``, encrypted), edited as a file.
    Section("photo", ("0",), _l("Ảnh màu 4×6 cm"), "general", ()),
    Section("identity", ("0", "1", "2", "3", "4", "5", "6", "7"), _l("Thông tin chung"), "general", (
        F("file_number", "0", _l("Số hiệu cán bộ, công chức, viên chức"), max_length=50, self_edit=False),
        F("national_id_code", "0", _l("Mã số định danh"), max_length=50, self_edit=False),
        F("family_name", "1", _l("Họ"), required=True, level=0, max_length=100),
        F("middle_name", "1", _l("Tên đệm"), level=0, max_length=100),
        F("given_name", "1", _l("Tên"), required=True, level=0, max_length=100),
        F("gender", "1", _l("Giới tính"), "code", required=True, code_list="gender", level=0),
        F("other_names", "2", _l("Các tên gọi khác"), max_length=300),
        F("birth_date", "3", _l("Sinh ngày"), "pdate", required=True),
        F("birthplace", "4", _l("Nơi sinh"), required=True, max_length=300),
        F("birthplace_province", "4", _l("Tỉnh/thành phố nơi sinh"), "code", code_list="province", any_period=True),
        F("hometown_commune", "5", _l("Quê quán: xã/phường"), required=True, max_length=150),
        F("hometown_district", "5", _l("Quê quán: huyện/quận"), max_length=150),
        F("hometown_province", "5", _l("Quê quán: tỉnh/thành phố"), "code", required=True, code_list="province",
          any_period=True),
        F("ethnicity", "6", _l("Dân tộc"), "code", required=True, code_list="ethnicity", level=S),
        F("religion", "7", _l("Tôn giáo"), "code", required=True, code_list="religion", level=S),
    )),
    Section("documents", ("8", "9", "10"), _l("Giấy tờ, liên lạc, nơi ở"), "general", (
        F("cccd", "8", _l("Số CCCD"), required=True, level=S, encrypted=True, max_length=20),
        F("cccd_issued_on", "8", _l("Ngày cấp CCCD"), "date", required=True, level=S),
        F("old_id_number", "8", _l("Số CMND cũ (9 chữ số, nếu có)"), level=S, encrypted=True, max_length=20),
        F("phone", "8", _l("Số điện thoại liên hệ"), level=S, encrypted=True, max_length=20),
        F("social_insurance_no", "9", _l("Số sổ BHXH"), level=S, encrypted=True, max_length=20),
        F("health_insurance_no", "9", _l("Số thẻ BHYT"), level=S, encrypted=True, max_length=20),
        F("residence", "10", _l("Nơi ở hiện nay"), required=True, max_length=300),
    )),
    Section("background", ("11", "12", "13", "14"), _l("Xuất thân, tuyển dụng"), "general", (
        F("family_origin", "11", _l("Thành phần gia đình xuất thân"), max_length=100),
        F("previous_occupation", "12", _l("Nghề nghiệp trước khi được tuyển dụng"), max_length=200),
        F("recruited_on", "13", _l("Ngày được tuyển dụng lần đầu"), "date", required=True),
        F("recruiting_unit", "13", _l("Cơ quan, tổ chức, đơn vị tuyển dụng"), required=True, max_length=300),
        F("joined_agency_on", "14", _l("Ngày vào cơ quan hiện đang công tác"), "date", required=True),
    )),
    Section("political", ("15", "16", "17", "18"), _l("Đảng, đoàn thể, quân ngũ, chính sách"), "general", (
        F("party_joined_on", "15", _l("Ngày vào Đảng"), "date", level=S),
        F("party_official_on", "15", _l("Ngày chính thức"), "date", level=S),
        F("first_org_joined_on", "16", _l("Ngày tham gia tổ chức chính trị - xã hội đầu tiên"), "date"),
        F("first_org_name", "16", _l("Tên tổ chức chính trị - xã hội"), max_length=200),
        F("enlisted_on", "17", _l("Ngày nhập ngũ"), "date"),
        F("discharged_on", "17", _l("Ngày xuất ngũ"), "date"),
        F("military_rank", "17", _l("Quân hàm cao nhất"), max_length=100),
        F("policy_category", "18", _l("Đối tượng chính sách"), "code", code_list="policy", level=S),
    )),
    Section("education", ("19", "20", "21", "22"), _l("Trình độ, danh hiệu"), "qualification", (
        F("general_education", "19", _l("Trình độ giáo dục phổ thông"), "code", required=True,
          code_list="general_education"),
        F("highest_qualification", "20", _l("Trình độ chuyên môn cao nhất"), "code", required=True,
          code_list="qualification"),
        F("qualification_major", "20", _l("Chuyên ngành"), max_length=200),
        F("academic_title", "21", _l("Học hàm"), "code", code_list="academic_title"),
        F("academic_title_year", "21", _l("Năm phong học hàm"), "year"),
        F("state_honours", "22", _l("Danh hiệu nhà nước phong tặng"), max_length=300),
    )),
    Section("positions", ("23", "24", "25", "26", "27", "28", "29"), _l("Chức vụ, công việc"), "qualification", (
        F("position", "23", _l("Chức vụ hiện tại"), level=0, max_length=200),
        F("position_appointed_on", "23", _l("Ngày bổ nhiệm/phê chuẩn"), "date"),
        F("position_reappointed_on", "23", _l("Ngày bổ nhiệm lại/phê chuẩn nhiệm kỳ tiếp theo"), "date"),
        F("planned_position", "24", _l("Được quy hoạch chức danh"), max_length=200, self_edit=False),
        F("concurrent_positions", "25", _l("Chức vụ kiêm nhiệm"), max_length=300),
        F("party_position", "26", _l("Chức vụ Đảng hiện tại"), level=S, max_length=200),
        F("party_concurrent_positions", "27", _l("Chức vụ Đảng kiêm nhiệm"), level=S, max_length=300),
        F("main_duties", "28", _l("Công việc chính được giao"), "longtext", required=True, max_length=2000),
        F("strengths", "29", _l("Sở trường công tác"), max_length=300),
        F("longest_job", "29", _l("Công việc làm lâu nhất"), max_length=300),
    )),
    Section("salary", ("30.1", "30.2", "30.3"), _l("Ngạch, lương, phụ cấp hiện hưởng"), "salary", (
        F("rank_code", "30.1", _l("Ngạch/chức danh nghề nghiệp"), "code", code_list="rank"),
        F("rank_appointed_on", "30.1", _l("Ngày bổ nhiệm ngạch/chức danh nghề nghiệp"), "date"),
        F("salary_step", "30.1", _l("Bậc lương"), "int", min_value=1, max_value=20),
        F("salary_coefficient", "30.1", _l("Hệ số lương"), "decimal", min_value=0, max_value=20),
        F("salary_since", "30.1", _l("Ngày hưởng"), "date"),
        F("salary_percent", "30.1", _l("Phần trăm hưởng (%)"), "decimal", min_value=0, max_value=100),
        F("seniority_allowance_pct", "30.1", _l("Phụ cấp thâm niên vượt khung (%)"), "decimal",
          min_value=0, max_value=100),
        F("seniority_allowance_since", "30.1", _l("Ngày hưởng phụ cấp thâm niên vượt khung"), "date"),
        F("allowance_position", "30.2", _l("Phụ cấp chức vụ (hệ số)"), "decimal", min_value=0, max_value=10),
        F("allowance_concurrent", "30.2", _l("Phụ cấp kiêm nhiệm (hệ số)"), "decimal", min_value=0, max_value=10),
        F("allowance_other", "30.2", _l("Phụ cấp khác"), max_length=300),
        F("job_position", "30.3", _l("Vị trí việc làm"), max_length=200),
        F("job_position_code", "30.3", _l("Mã số vị trí việc làm"), max_length=40),
        F("job_salary_step", "30.3", _l("Bậc lương theo vị trí việc làm"), "int", min_value=1, max_value=20),
        F("job_salary_amount", "30.3", _l("Lương theo mức tiền (đồng)"), "money", min_value=0,
          max_value=10**9),
        F("job_salary_since", "30.3", _l("Ngày hưởng lương theo vị trí việc làm"), "date"),
        F("job_salary_percent", "30.3", _l("Phần trăm hưởng theo vị trí việc làm (%)"), "decimal",
          min_value=0, max_value=100),
        F("job_seniority_pct", "30.3", _l("Phụ cấp thâm niên vượt khung theo vị trí việc làm (%)"), "decimal",
          min_value=0, max_value=100),
        F("job_seniority_since", "30.3", _l("Ngày hưởng phụ cấp thâm niên vượt khung theo vị trí việc làm"),
          "date"),
    )),
    Section("health", ("31",), _l("Sức khỏe"), "health", (
        F("health", "31", _l("Tình trạng sức khỏe"), level=S, encrypted=True, max_length=300, required=True),
        F("height_cm", "31", _l("Chiều cao (cm)"), "int", min_value=50, max_value=250),
        F("weight_kg", "31", _l("Cân nặng (kg)"), "int", min_value=20, max_value=300),
        F("blood_group", "31", _l("Nhóm máu"), "code", code_list="blood_group"),
    )),
    _training("training_professional", "32.1", "professional", FORM_ITEMS["32.1"], (
        F("major", "32.1", _l("Chuyên ngành đào tạo"), required=True, max_length=200),
        F("mode", "32.1", _l("Hình thức đào tạo"), "code", code_list="training_mode"),
        F("level", "32.1", _l("Văn bằng, trình độ"), "code", required=True, code_list="qualification"),
    ), required=True),
    _training("training_political", "32.2", "political", FORM_ITEMS["32.2"], (
        F("mode", "32.2", _l("Hình thức đào tạo"), "code", code_list="training_mode"),
        F("level", "32.2", _l("Văn bằng được cấp"), "code", required=True, code_list="political_level"),
    )),
    _training("training_management", "32.3", "management", FORM_ITEMS["32.3"], (
        F("level", "32.3", _l("Trình độ quản lý nhà nước"), "code", code_list="management_level"),
        F("certificate", "32.3", _l("Chứng chỉ được cấp"), required=True, max_length=200),
    )),
    _training("training_defence", "32.4", "defence", FORM_ITEMS["32.4"], (
        F("certificate", "32.4", _l("Chứng chỉ được cấp"), required=True, max_length=200),
    )),
    _training("training_it", "32.5", "it", FORM_ITEMS["32.5"], (
        F("certificate", "32.5", _l("Chứng chỉ được cấp"), required=True, max_length=200),
    )),
    _training("training_language", "32.6", "language", FORM_ITEMS["32.6"], (
        F("language", "32.6", _l("Tên ngoại ngữ/tiếng dân tộc"), required=True, max_length=100),
        F("certificate", "32.6", _l("Chứng chỉ được cấp"), required=True, max_length=200),
        F("score", "32.6", _l("Điểm số"), max_length=50),
    )),
    Section("work", ("33",), FORM_ITEMS["33"], "career", _period("33") + (
        F("unit_name", "33", _l("Đơn vị công tác (đảng, chính quyền, đoàn thể, tổ chức xã hội)"), required=True,
          max_length=300),
        F("title", "33", _l("Chức danh/chức vụ"), max_length=200),
    ), table="work_record", required=True),
    Section("arrest", ("34.1",), FORM_ITEMS["34.1"], "history", (
        F("arrest_history", "34.1", _l("Bị bắt, bị tù (từ ngày tháng năm nào đến ngày tháng năm nào, ở đâu), "
                                       "đã khai báo cho ai, những vấn đề gì"), "longtext", level=R,
          encrypted=True, max_length=4000),
    )),
    Section("history_old_regime", ("34.2",), FORM_ITEMS["34.2"], "history", _period("34.2") + (
        F("description", "34.2", _l("Chức danh, chức vụ, đơn vị, địa điểm đã làm việc"), "longtext",
          required=True, level=S, max_length=2000),
    ), table="history_record", fixed={"kind": "old_regime"}),
    Section("history_foreign", ("34.3",), FORM_ITEMS["34.3"], "history", _period("34.3") + (
        F("description", "34.3", _l("Tên tổ chức, địa chỉ trụ sở, công việc đã làm"), "longtext",
          required=True, level=S, max_length=2000),
    ), table="history_record", fixed={"kind": "foreign"}),
    Section("evaluations", ("35.1",), FORM_ITEMS["35.1"], "rewards", (
        F("year", "35.1", _l("Năm"), "year", required=True),
        F("rating", "35.1", _l("Xếp loại chuyên môn"), "code", code_list="rating"),
        F("emulation", "35.1", _l("Xếp loại thi đua"), "code", code_list="emulation"),
        F("award", "35.1", _l("Hình thức khen thưởng"), max_length=300),
    ), table="evaluation_record"),
    Section("discipline", ("35.2",), FORM_ITEMS["35.2"], "rewards", _period("35.2") + (
        F("form", "35.2", _l("Hình thức kỷ luật"), "code", required=True, code_list="discipline_form"),
        F("violation", "35.2", _l("Hành vi vi phạm chính"), "longtext", max_length=2000),
        F("decided_by", "35.2", _l("Cơ quan ban hành quyết định"), max_length=300),
    ), table="discipline_record"),
    *(
        Section(key, (item,), FORM_ITEMS[item], "family", (
            F("relation", item, _l("Mối quan hệ"), "code", required=True, code_list="relation"),
            F("full_name", item, _l("Họ và tên"), required=True, max_length=200),
            F("birth_year", item, _l("Năm sinh"), "year"),
            F("details", item, _l("Quê quán, nghề nghiệp, chức danh, chức vụ, đơn vị công tác, học tập, nơi ở; "
                                  "thành viên các tổ chức chính trị - xã hội"), "longtext", max_length=2000),
            F("criminal_record", item, _l("Làm việc cho chế độ cũ, tiền án, tiền sự"), "longtext", level=R,
              encrypted=True, max_length=2000),
            F("lives_abroad", item, _l("Sống ở nước ngoài"), "bool"),
        ), table="relative", fixed={"side": side}, required=(side == "own"))
        for key, item, side in (("relatives_own", "36.1", "own"), ("relatives_spouse", "36.2", "spouse"))
    ),
    Section("salary_history", ("37.1",), FORM_ITEMS["37.1"], "salary", _period("37.1") + (
        F("rank_code", "37.1", _l("Mã số ngạch/chức danh"), "code", code_list="rank"),
        F("step", "37.1", _l("Bậc lương"), "int", min_value=1, max_value=20),
        F("coefficient", "37.1", _l("Hệ số lương"), "decimal", min_value=0, max_value=20),
        F("amount", "37.1", _l("Tiền lương theo vị trí việc làm (đồng)"), "money", min_value=0, max_value=10**9),
    ), table="salary_record", required=True),
    Section("allowance_history", ("37.2",), FORM_ITEMS["37.2"], "salary", _period("37.2") + (
        F("allowance_type", "37.2", _l("Loại phụ cấp"), "code", required=True, code_list="allowance_type"),
        F("percent", "37.2", _l("Phần trăm hưởng (%)"), "decimal", min_value=0, max_value=200),
        F("coefficient", "37.2", _l("Hệ số"), "decimal", min_value=0, max_value=20),
        F("mode", "37.2", _l("Hình thức hưởng"), max_length=100),
        F("amount", "37.2", _l("Giá trị (đồng)"), "money", min_value=0, max_value=10**9),
    ), table="allowance_record"),
    Section("assets", ("37.3",), FORM_ITEMS["37.3"], "economy", (
        F("income_salary", "37.3", _l("Thu nhập từ tiền lương"), level=R, encrypted=True, max_length=300),
        F("income_other", "37.3", _l("Các nguồn thu nhập khác"), level=R, encrypted=True, max_length=300),
        F("housing_granted", "37.3", _l("Nhà ở được cấp, được thuê (loại nhà, diện tích)"), level=R,
          encrypted=True, max_length=300),
        F("housing_owned", "37.3", _l("Nhà ở tự mua, tự xây (loại nhà, diện tích, giấy chứng nhận)"), level=R,
          encrypted=True, max_length=300),
        F("land_granted", "37.3", _l("Đất ở được cấp (m²)"), level=R, encrypted=True, max_length=300),
        F("land_owned", "37.3", _l("Đất ở tự mua (m², giấy chứng nhận quyền sử dụng)"), level=R, encrypted=True,
          max_length=300),
        F("land_business", "37.3", _l("Đất sản xuất, kinh doanh"), level=R, encrypted=True, max_length=300),
    )),
    Section("assessment", ("38",), FORM_ITEMS["38"], "assessment", (
        F("agency_assessment", "38", _l("Nhận xét, đánh giá"), "longtext", max_length=4000, self_edit=False),
    )),
)

#: Tabs of the file page, in order: key -> label.
TABS: dict[str, object] = {
    "general": _l("Thông tin chung"),
    "qualification": _l("Trình độ, chức vụ"),
    "salary": _l("Lương, phụ cấp"),
    "health": _l("Sức khỏe"),
    "training": _l("Đào tạo, bồi dưỡng"),
    "career": _l("Quá trình công tác"),
    "history": _l("Lịch sử bản thân"),
    "rewards": _l("Khen thưởng, kỷ luật"),
    "family": _l("Quan hệ gia đình"),
    "economy": _l("Hoàn cảnh kinh tế"),
    "assessment": _l("Nhận xét, đánh giá"),
}

_BY_KEY = {s.key: s for s in SECTIONS}


def section(key: str) -> Section:
    """The section called ``key`` (KeyError for an unknown key — callers turn it into a 404)."""
    return _BY_KEY[key]


def fields_for_item(item: str) -> list[tuple[Section, Field]]:
    """Every (section, field) that stores part of form item ``item``."""
    return [(s, f) for s in SECTIONS for f in s.fields if f.item == item]
