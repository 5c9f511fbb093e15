"""The printed Sơ yếu lý lịch of TT 06/2023/TT-BNV: the form's own text, line by line, with its blanks.

This is legal text, printed exactly as the official template has it (its numbering "1)", "30.1)", "32.1-",
"34.3-Tham gia", its spelling "sức khoẻ", its missing colons "Công việc làm lâu nhất …"), so it is kept here as
constants, not as translatable messages: the Sơ yếu lý lịch is the same Vietnamese document whatever language
the screen is in. The screens keep their own labels (``app/services/personnel/syll.py``); this module only says
where each stored value goes on paper.

A line is a template: the form's words with ``{slot}`` where the form has a blank. A slot is a field of the
form declaration (its value as the screens show it) or one of the composite slots of :mod:`app.pdf.syll`
(the name in capitals, the parts of the birth date, the code of a rank …). An empty slot prints the form's
dotted blank. Data the form has no blank for (the old CMND number, the province of birth, the ``Sống ở nước
ngoài`` flag, the management level of 32.3) is not printed: it stays on the screens.

``tests/fixtures/syll_form_tt06.md`` is the repository's copy of the official text; ``tests/test_syll_pdf.py``
compares every label and heading of a rendered PDF with it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CLOSING_CERTIFY",
    "CLOSING_DATE",
    "CLOSING_PERSON",
    "FORM_NAME",
    "FORM_SOURCE",
    "HEADER",
    "Heading",
    "Line",
    "PERIOD_HEADS",
    "PHOTO_CAPTION",
    "SubItem",
    "Table",
    "Column",
    "TITLE",
    "BODY",
]

FORM_NAME = "MẪU SƠ YẾU LÝ LỊCH"
FORM_SOURCE = "(Ban hành kèm theo Thông tư số 06/2023/TT-BNV ngày 04/5/2023 của Bộ trưởng Bộ Nội vụ)"
#: The header lines above the photo ("Cơ quan, đơn vị sử dụng" is the employing agency, not a sub-unit).
HEADER = (
    "Cơ quan quản lý cán bộ, công chức, viên chức: {managing_agency}",
    "Cơ quan, đơn vị sử dụng cán bộ, công chức, viên chức: {employing_agency}",
    "Số hiệu: {file_number}",
    "Mã số định danh: {national_id_code}",
)
PHOTO_CAPTION = ("Ảnh màu", "(4 x 6 cm)")
TITLE = "SƠ YẾU LÝ LỊCH"

#: The closing blocks: the person's declaration (left) and the agency's certification (right), each as lines;
#: a line broken where the form breaks it.
#: The two columns under a table's "Tháng/năm".
PERIOD_HEADS = ("Từ", "Đến")
CLOSING_PERSON = ("Người khai", "Tôi xin cam đoan những lời\nkhai trên đây là đúng sự thật", "(Ký tên, ghi rõ họ tên)")
CLOSING_DATE = "……, Ngày … tháng … năm 20……"
CLOSING_CERTIFY = ("Xác nhận của cơ quan, đơn vị quản lý\ncán bộ, công chức, viên chức", "(Ký tên, đóng dấu)")


@dataclass(frozen=True)
class Line:
    """A line of the form: its words and ``{slot}`` blanks. ``extra``: dotted lines the form adds below when
    the line's last blank is empty (the continuation lines of "Đất sản xuất kinh doanh")."""

    template: str
    extra: int = 0


@dataclass(frozen=True)
class Heading:
    """A group heading ("30) Tiền lương", "32) QUÁ TRÌNH ĐÀO TẠO, BỒI DƯỠNG"), printed in bold."""

    text: str


@dataclass(frozen=True)
class SubItem:
    """A sub-item title ("32.1- Chuyên môn (…)") whose content follows (a table, or lines)."""

    text: str


@dataclass(frozen=True)
class Column:
    """A table column: the form's header text, the slot that fills its cells, its relative width."""

    header: str
    slot: str
    weight: float = 2.0


@dataclass(frozen=True)
class Table:
    """A table of the form: the section whose rows fill it, the "Tháng/năm" header over "Từ"/"Đến" (None when
    the table has no period), its other columns."""

    section: str
    period: str | None
    columns: tuple[Column, ...]


_TRAINING = Column("Tên cơ sở đào tạo", "institution", 3.0)
_CERTIFICATE = Column("Chứng chỉ được cấp", "certificate", 2.4)
_RELATIVES = (Column("Mối quan hệ", "kinship", 1.45), Column("Họ và tên", "full_name", 2.1),
              Column("Năm sinh", "birth_year", 0.85),
              Column("Quê quán, nghề nghiệp, chức danh, chức vụ, đơn vị công tác, học tập, nơi ở (trong, ngoài "
                     "nước); thành viên các tổ chức chính trị - xã hội (trong, ngoài nước); làm việc cho chế độ "
                     "cũ, tiền án, tiền sự (nếu có)", "relative_details", 6.0))

#: Items 1–38 in the form's order.
BODY: tuple = (
    Line("1) Họ và tên khai sinh (viết chữ in hoa): {name} Giới tính: {gender}"),
    Line("2) Các tên gọi khác: {other_names}"),
    Line("3) Sinh ngày: {birth_day} tháng {birth_month} năm {birth_year}"),
    Line("4) Nơi sinh: {birthplace}"),
    Line("5) Quê quán (xã, phường): {hometown_commune} (huyện, quận): {hometown_district} "
         "(tỉnh, TP): {hometown_province}"),
    Line("6) Dân tộc: {ethnicity}"),
    Line("7) Tôn giáo: {religion}"),
    Line("8) Số CCCD: {cccd} Ngày cấp: {cccd_issued_on} SĐT liên hệ: {phone}"),
    Line("9) Số BHXH: {social_insurance_no} Số thẻ BHYT: {health_insurance_no}"),
    Line("10) Nơi ở hiện nay: {residence}"),
    Line("11) Thành phần gia đình xuất thân: {family_origin}"),
    Line("12) Nghề nghiệp trước khi được tuyển dụng: {previous_occupation}"),
    Line("13) Ngày được tuyển dụng lần đầu: {recruited_on} Cơ quan, tổ chức, đơn vị tuyển dụng: {recruiting_unit}"),
    Line("14) Ngày vào cơ quan hiện đang công tác: {joined_agency_on}"),
    Line("15) Ngày vào Đảng Cộng sản Việt Nam: {party_joined_on} Ngày chính thức: {party_official_on}"),
    Line("16) Ngày tham gia tổ chức chính trị-xã hội đầu tiên (ngày vào Đoàn TNCSHCM, Công đoàn, Hội): "
         "{first_org}"),
    Line("17) Ngày nhập ngũ: {enlisted_on} Ngày xuất ngũ: {discharged_on} Quân hàm cao nhất: {military_rank}"),
    Line("18) Đối tượng chính sách: {policy_category}"),
    Line("19) Trình độ giáo dục phổ thông (đã tốt nghiệp lớp mấy/thuộc hệ nào): {general_education}"),
    Line("20) Trình độ chuyên môn cao nhất: {qualification}"),
    Line("21) Học hàm: {academic_title}"),
    Line("22) Danh hiệu nhà nước phong tặng: {state_honours}"),
    Line("23) Chức vụ hiện tại: {position}"),
    Line("Ngày bổ nhiệm/ngày phê chuẩn: {position_appointed_on} Ngày bổ nhiệm lại/phê chuẩn nhiệm kỳ tiếp theo: "
         "{position_reappointed_on}"),
    Line("24) Được quy hoạch chức danh: {planned_position}"),
    Line("25) Chức vụ kiêm nhiệm: {concurrent_positions}"),
    Line("26) Chức vụ Đảng hiện tại: {party_position}"),
    Line("27) Chức vụ Đảng kiêm nhiệm: {party_concurrent_positions}"),
    Line("28) Công việc chính được giao: {main_duties}"),
    Line("29) Sở trường công tác: {strengths} Công việc làm lâu nhất {longest_job}"),
    Heading("30) Tiền lương"),
    Line("30.1) Ngạch/chức danh nghề nghiệp: {rank} Mã số: {rank_no}"),
    Line("Ngày bổ nhiệm ngạch/chức danh nghề nghiệp: {rank_appointed_on}"),
    Line("Bậc lương: {salary_step} Hệ số: {salary_coefficient} Ngày hưởng: {salary_since}"),
    Line("Phần trăm hưởng: {salary_percent}%; Phụ cấp thâm niên vượt khung: {seniority_allowance_pct}%; "
         "Ngày hưởng PCTNVK: {seniority_allowance_since}"),
    Line("30.2) Phụ cấp chức vụ: {allowance_position} Phụ cấp kiêm nhiệm {allowance_concurrent} "
         "Phụ cấp khác {allowance_other}"),
    Line("30.3) Vị trí việc làm: {job_position} Mã số: {job_position_code}"),
    Line("Bậc lương {job_salary_step} Lương theo mức tiền: {job_salary_amount} vnđ. Ngày hưởng: {job_salary_since}"),
    Line("Phần trăm hưởng: {job_salary_percent}%; Phụ cấp thâm niên vượt khung: {job_seniority_pct}%; "
         "Ngày hưởng PCTNVK: {job_seniority_since}"),
    Line("31) Tình trạng sức khoẻ: {health}"),
    Line("Chiều cao: {height_cm} cm, Cân nặng: {weight_kg} kg, Nhóm máu: {blood_group}"),
    Heading("32) QUÁ TRÌNH ĐÀO TẠO, BỒI DƯỠNG"),
    SubItem("32.1- Chuyên môn (từ trung cấp trở lên cả trong nước và nước ngoài)"),
    Table("training_professional", "Tháng/năm", (
        _TRAINING, Column("Chuyên ngành đào tạo", "major", 2.4), Column("Hình thức đào tạo", "mode", 1.6),
        Column("Văn bằng, trình độ", "level", 1.8))),
    SubItem("32.2- Lý luận chính trị"),
    Table("training_political", "Tháng/năm", (
        _TRAINING, Column("Hình thức đào tạo", "mode", 1.8), Column("Văn bằng được cấp", "level", 2.2))),
    SubItem("32.3- Bồi dưỡng quản lý nhà nước/ chức danh nghề nghiệp/ nghiệp vụ chuyên ngành"),
    Table("training_management", "Tháng/năm", (_TRAINING, _CERTIFICATE)),
    SubItem("32.4- Bồi dưỡng kiến thức an ninh, quốc phòng"),
    Table("training_defence", "Tháng/năm", (_TRAINING, _CERTIFICATE)),
    SubItem("32.5- Tin học"),
    Table("training_it", "Tháng/năm", (_TRAINING, _CERTIFICATE)),
    SubItem("32.6- Ngoại ngữ/ tiếng dân tộc"),
    Table("training_language", "Tháng/năm", (
        _TRAINING, Column("Tên ngoại ngữ/ tiếng dân tộc", "language", 1.8), Column("Chứng chỉ được cấp",
                                                                                   "certificate", 2.0),
        Column("Điểm số", "score", 0.9))),
    Heading("33) TÓM TẮT QUÁ TRÌNH CÔNG TÁC"),
    Table("work", "Tháng/ năm", (
        Column("Đơn vị công tác (đảng, chính quyền, đoàn thể, tổ chức xã hội)", "unit_name", 4.0),
        Column("Chức danh/ chức vụ", "title", 2.0))),
    Heading("34) ĐẶC ĐIỂM LỊCH SỬ BẢN THÂN"),
    Line("34.1- Khai rõ: bị bắt, bị tù (từ ngày tháng năm nào đến ngày tháng năm nào, ở đâu?), đã khai báo cho "
         "ai, những vấn đề gì?: {arrest_history}"),
    SubItem("34.2- Bản thân có làm việc cho chế độ cũ"),
    Table("history_old_regime", "Tháng/ năm", (
        Column("Chức danh, chức vụ, đơn vị, địa điểm đã làm việc", "description", 6.0),)),
    SubItem("34.3-Tham gia hoặc có quan hệ với các tổ chức chính trị, kinh tế, xã hội ... ở nước ngoài"),
    Table("history_foreign", "Tháng/năm", (
        Column("Tên tổ chức, địa chỉ trụ sở, công việc đã làm", "description", 6.0),)),
    Heading("35) KHEN THƯỞNG, KỶ LUẬT"),
    SubItem("35.1- Thành tích thi đua, khen thưởng"),
    Table("evaluations", None, (
        Column("Năm", "year", 0.8), Column("Xếp loại chuyên môn", "rating", 2.2),
        Column("Xếp loại thi đua", "emulation", 2.2), Column("Hình thức khen thưởng", "award", 3.0))),
    SubItem("35.2-Kỷ luật Đảng/hành chính"),
    Table("discipline", "Tháng/năm", (
        Column("Hình thức", "form", 1.6), Column("Hành vi vi phạm chính", "violation", 2.6),
        Column("Cơ quan quyết định", "decided_by", 2.0))),
    Heading("36) QUAN HỆ GIA ĐÌNH"),
    SubItem("36.1- Về bản thân: Cha, Mẹ, Vợ (hoặc chồng), các con, anh chị em ruột"),
    Table("relatives_own", None, _RELATIVES),
    SubItem("36.2- Cha, Mẹ, anh chị em ruột (bên vợ hoặc chồng)"),
    Table("relatives_spouse", None, _RELATIVES),
    Heading("37) HOÀN CẢNH KINH TẾ GIA ĐÌNH"),
    SubItem("37.1- Quá trình lương của bản thân"),
    Table("salary_history", "Tháng/năm", (
        Column("Mã số", "rank_no", 1.5), Column("Bậc lương", "step", 0.9), Column("Hệ số lương", "coefficient", 1.0),
        Column("Tiền lương theo vị trí việc làm", "amount", 2.0))),
    SubItem("37.2- Các loại phụ cấp khác"),
    Table("allowance_history", "Tháng/năm", (
        Column("Loại phụ cấp", "allowance_type", 2.2), Column("Phần trăm hưởng", "percent", 1.1),
        Column("Hệ số", "coefficient", 0.8), Column("Hình thức hưởng", "mode", 1.4),
        Column("Giá trị (đồng)", "amount", 1.4))),
    SubItem("37.3- Nguồn thu nhập chính của gia đình hàng năm"),
    Line("- Tiền lương: {income_salary}"),
    Line("- Các nguồn khác: {income_other}"),
    Line("- Nhà ở:"),
    Line("+ Được cấp, được thuê (loại nhà): {housing_granted.kind}, tổng diện tích sử dụng: "
         "{housing_granted.area} m2."),
    Line("Giấy chứng nhận quyền sở hữu: {housing_granted.certificate}"),
    Line("+ Nhà tự mua, tự xây (loại nhà): {housing_owned.kind}, tổng diện tích sử dụng: {housing_owned.area} m2."),
    Line("Giấy chứng nhận quyền sở hữu: {housing_owned.certificate}"),
    Line("- Đất ở:"),
    Line("+ Đất được cấp: {land_granted.area} m2."),
    Line("Giấy chứng nhận quyền sử dụng: {land_granted.certificate}"),
    Line("+ Đất tự mua: {land_owned.area} m2."),
    Line("Giấy chứng nhận quyền sử dụng: {land_owned.certificate}"),
    Line("- Đất sản xuất kinh doanh: {land_business}", extra=2),
    Heading("38) NHẬN XÉT, ĐÁNH GIÁ CỦA CƠ QUAN, TỔ CHỨC, ĐƠN VỊ SỬ DỤNG"),
    Line("{agency_assessment}", extra=3),
)
