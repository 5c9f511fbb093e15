"""The import template workbook (issue 19, item 1), written from the layout (``layout.template_layout``), so it
follows the SYLL registry: an instructions sheet, the person sheet, one sheet per repeating section, and a hidden
sheet of the code lists that the coded columns' drop-downs read.

Written with XlsxWriter in constant-memory mode; every cell is text (the columns are formatted "@", so a CCCD keeps
its leading zeros and a date stays as typed), never a formula.
"""

from __future__ import annotations

import xlsxwriter
from flask_babel import gettext as _
from xlsxwriter.utility import xl_col_to_name

from app.services.imports.layout import (
    CATEGORY,
    category_choices,
    code_choices,
    template_layout,
)

__all__ = ["CODES_SHEET", "instructions", "type_hints", "write_template"]

#: The hidden sheet of code lists.
CODES_SHEET = "DanhMuc"
#: Rows a drop-down covers (data rows of a sheet).
VALIDATION_ROWS = 200_000

def type_hints() -> dict[str, str]:
    """The note on a column's header, by field type (how to write the value)."""
    return {
        "date": _("ngày/tháng/năm, ví dụ 05/03/1980"),
        "pdate": _("ngày/tháng/năm, tháng/năm hoặc năm"),
        "month": _("tháng/năm (ví dụ 03/2005) hoặc năm"),
        "int": _("số nguyên"),
        "year": _("năm, ví dụ 2015"),
        "decimal": _("số, dấu phẩy thập phân, ví dụ 4,65"),
        "money": _("số tiền (đồng)"),
        "code": _("chọn trong danh sách"),
        "bool": _("Có hoặc Không"),
    }


def instructions() -> list[str]:
    """The lines of the instructions sheet."""
    return [
        _("MẪU NHẬP HỒ SƠ CÁN BỘ, CÔNG CHỨC, VIÊN CHỨC (theo Sơ yếu lý lịch Thông tư 06/2023/TT-BNV)"),
        "",
        _("1. Trang “Thông tin chung”: mỗi dòng một người; cột “Số CCCD” là khóa, bắt buộc (12 chữ số)."),
        _("2. Mỗi mục có nhiều dòng (đào tạo, quá trình công tác, quan hệ gia đình, lương …) có một trang riêng; mỗi "
          "dòng ghi Số CCCD của người đó."),
        _("3. Cột có dấu * là bắt buộc khi khai mục đó; một mục để trống hoàn toàn thì bỏ qua (hồ sơ chưa đủ)."),
        _("4. Ngày ghi ngày/tháng/năm (05/03/1980); “Sinh ngày” có thể chỉ ghi tháng/năm hoặc năm; thời gian "
          "Từ–Đến ghi tháng/năm (03/2005) hoặc năm; số thập phân dùng dấu phẩy (4,65)."),
        _("5. Cột có danh sách: chọn trong danh sách, hoặc ghi mã, tên hay cách viết khác của danh mục."),
        _("6. Không dùng công thức; mỗi ô tối đa 4.000 ký tự."),
        _("7. Người đã có hồ sơ (trùng Số CCCD trong phạm vi của bạn): các thay đổi thành một đề nghị thay đổi chờ "
          "phê duyệt, không ghi đè hồ sơ đã duyệt."),
        _("8. Tải tệp lên tại Nhập dữ liệu → Nhập hồ sơ; hệ thống kiểm tra thử trước, không ghi gì vào hồ sơ cho đến "
          "khi bạn bấm “Ghi vào hồ sơ”."),
        _("9. Chữ tiếng Việt gõ bằng bảng mã TCVN3 (ABC) hoặc VNI được tự động chuyển sang Unicode."),
    ]


def _sanitize(title: str) -> str:
    return title.replace("'", "")


def write_template(path: str) -> None:
    """Write the template workbook to ``path``."""
    sheets = template_layout()
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False,
                                          "strings_to_numbers": False, "strings_to_urls": False})
    try:
        bold = workbook.add_format({"bold": True})
        text = workbook.add_format({"num_format": "@"})
        head = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7",
                                    "border": 1})
        head_required = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top",
                                             "bg_color": "#FCE4D6", "border": 1})
        guide = workbook.add_worksheet(_("Hướng dẫn"))
        guide.set_column(0, 0, 120)
        for row, line in enumerate(instructions()):
            guide.write_string(row, 0, line, bold if row == 0 else None)
        # The code lists: one column per list used, filled before the sheets that point at it.
        lists: dict[str, list[str]] = {}
        for spec in sheets:
            for col in spec.columns:
                f = col.field()
                if col.name == CATEGORY:
                    lists.setdefault(CATEGORY, category_choices())
                elif f is not None and f.type == "code":
                    lists.setdefault(f.code_list, code_choices(f))
                elif f is not None and f.type == "bool":
                    lists.setdefault("__bool__", [_("Có"), _("Không")])
        ranges: dict[str, str] = {}
        hints = type_hints()
        written = []
        for spec in sheets:
            ws = workbook.add_worksheet(spec.title)
            written.append(ws)
            for i, col in enumerate(spec.columns):
                f = col.field()
                ws.set_column(i, i, 28 if i else 16, text)
                ws.write_string(0, i, col.header, head_required if col.required else head)
                hint = hints.get(f.type) if f is not None else None
                if hint:
                    ws.write_comment(0, i, hint)
            ws.freeze_panes(1, 1)
        codes = workbook.add_worksheet(CODES_SHEET)
        for i, (kind, values) in enumerate(lists.items()):
            codes.write_string(0, i, kind)
            for r, value in enumerate(values, start=1):
                codes.write_string(r, i, value)
            letter = xl_col_to_name(i)
            ranges[kind] = f"={CODES_SHEET}!${letter}$2:${letter}${max(2, len(values) + 1)}"
        codes.hide()
        for spec, ws in zip(sheets, written, strict=True):
            for i, col in enumerate(spec.columns):
                f = col.field()
                kind = CATEGORY if col.name == CATEGORY else (
                    f.code_list if f is not None and f.type == "code" else (
                        "__bool__" if f is not None and f.type == "bool" else None))
                if kind in ranges:
                    ws.data_validation(1, i, VALIDATION_ROWS, i, {
                        "validate": "list", "source": ranges[kind], "error_type": "warning",
                        "error_title": _("Giá trị ngoài danh sách"),
                        "error_message": _("Giá trị này không có trong danh sách; hệ thống sẽ thử khớp theo mã, tên "
                                           "hoặc cách viết khác.")})
        guide.activate()
    finally:
        workbook.close()
