"""National code lists (danh mục dùng chung) as plain data: entries, aliases and salary tables.

No database here (``app/services/code_lists.py`` loads it, ``flask code-lists load``). Each list carries
its legal source; an entry whose code or pay group is not confirmed against the official text says
"(cần đối chiếu)" in its own source (domain.md §2, ⚠️ rows). A code that changed meaning is two entries
with the same code and different dates (ngạch 01.004 Cán sự: loại B, then A0).

Codes that no instrument publishes (giới tính, tôn giáo, trình độ …) are assigned here and say so.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.seeds.dvhc import NEW_PROVINCES, OLD_PROVINCES
from app.text import sort_key

__all__ = [
    "CODE_LISTS",
    "CodeEntry",
    "CodeList",
    "RANK_REGROUPED_FROM",
    "SALARY_SOURCE",
    "SALARY_STEPS",
    "SalaryRow",
    "code_lists",
]


@dataclass(frozen=True)
class CodeEntry:
    """One entry: ``source``/dates left None inherit the list's."""

    code: str
    name: str
    extra: dict | None = None
    sort_order: int | None = None  # None: the entry's position in the list
    valid_from: date | None = None
    valid_to: date | None = None
    source: str | None = None
    parent_code: str | None = None


@dataclass(frozen=True)
class CodeList:
    """One national list: its kind key, Vietnamese label, legal source, entries and legacy spellings."""

    kind: str
    label: str
    source: str
    entries: tuple[CodeEntry, ...]
    aliases: tuple[tuple[str, str], ...] = ()  # (alias as written, code)
    scheme: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None


@dataclass(frozen=True)
class SalaryRow:
    """One salary coefficient: pay group × bậc."""

    pay_group: str
    step: int
    coefficient: Decimal
    interval_months: int
    valid_from: date | None
    valid_to: date | None
    source: str


def _simple(rows: list[tuple[str, str]] | list[tuple[str, str, dict | None]]) -> tuple[CodeEntry, ...]:
    """Entries from (code, name[, extra]) tuples, in list order."""
    return tuple(CodeEntry(r[0], r[1], r[2] if len(r) > 2 else None) for r in rows)


# --------------------------------------------------------------------------- giới tính

GENDER = CodeList(
    "gender", "Giới tính", "Mẫu Sơ yếu lý lịch TT 06/2023/TT-BNV (mục 1); mã do hệ thống gán",
    _simple([("nam", "Nam"), ("nu", "Nữ")]),
)

# --------------------------------------------------------------------------- tỉnh, thành phố


def _provinces() -> CodeList:
    """The 63 provinces before 01/07/2025 and the 34 after, both with their dates (app/seeds/dvhc.py)."""
    entries = []
    for era, units in (("pre2025", OLD_PROVINCES), ("2025", NEW_PROVINCES)):
        for unit in units.values():
            entries.append(CodeEntry(
                unit.code, unit.name,
                {"era": era, "short_name": unit.short_name, "type": unit.kind},
                sort_order=int(unit.code), valid_from=unit.valid_from, valid_to=unit.valid_to, source=unit.source,
            ))
    return CodeList(
        "province", "Tỉnh, thành phố", "QĐ 124/2004/QĐ-TTg (63 tỉnh, đến 30/6/2025); QĐ 19/2025/QĐ-TTg (34 tỉnh)",
        tuple(entries),
        aliases=(("TP HCM", "79"), ("TP.HCM", "79"), ("HCM", "79"), ("TP. Hồ Chí Minh", "79"), ("Sài Gòn", "79"),
                 ("TP. Hà Nội", "01"), ("BR-VT", "77")),
        scheme="GSO",
    )


# --------------------------------------------------------------------------- dân tộc (QĐ 121-TCTK/PPCĐ)

_ETHNICITIES = [
    "Kinh", "Tày", "Thái", "Hoa", "Khơ-me", "Mường", "Nùng", "HMông", "Dao", "Gia-rai", "Ngái", "Ê-đê",
    "Ba-na", "Xơ-đăng", "Sán Chay", "Cơ-ho", "Chăm", "Sán Dìu", "Hrê", "Mnông", "Ra-glai", "Xtiêng",
    "Bru-Vân Kiều", "Thổ", "Giáy", "Cơ-tu", "Gié-Triêng", "Mạ", "Khơ-mú", "Co", "Tà-ôi", "Chơ-ro", "Kháng",
    "Xinh-mun", "Hà Nhì", "Chu-ru", "Lào", "La Chí", "La Ha", "Phù Lá", "La Hủ", "Lự", "Lô Lô", "Chứt",
    "Mảng", "Pà Thẻn", "Cơ Lao", "Cống", "Bố Y", "Si La", "Pu Péo", "Brâu", "Ơ Đu", "Rơ-măm",
    "Người nước ngoài",
]

ETHNICITY = CodeList(
    "ethnicity", "Dân tộc", "QĐ 121-TCTK/PPCĐ ngày 02/3/1979 (Tổng cục Thống kê)",
    tuple(
        CodeEntry(f"{i:02d}", name, {"minority": 2 <= i <= 54}) for i, name in enumerate(_ETHNICITIES, start=1)
    ),
    aliases=(
        ("Việt", "01"), ("Hán", "04"),
        ("Khmer", "05"), ("Khơ Me", "05"),
        ("H'Mông", "08"), ("Mông", "08"), ("Mèo", "08"),
        ("Gia Rai", "10"), ("Jrai", "10"), ("Jarai", "10"),
        ("Ê Đê", "12"), ("Rhade", "12"),
        ("Ba Na", "13"), ("Bahnar", "13"),
        ("Xơ Đăng", "14"), ("Xê Đăng", "14"), ("Sedang", "14"), ("Ca Dong", "14"),
        ("Cao Lan", "15"), ("Sán Chỉ", "15"),
        ("Kơ Ho", "16"), ("K'Ho", "16"),
        ("M'Nông", "20"), ("Mơ Nông", "20"),
        ("Raglai", "21"),
        ("Stiêng", "22"),
        ("Bru", "23"), ("Vân Kiều", "23"),
        ("Nhắng", "25"),
        ("Cơ Tu", "26"), ("Katu", "26"), ("Ca Tu", "26"),
        ("Giẻ-Triêng", "27"),
        ("Khmu", "29"), ("Khơ Mú", "29"),
        ("Cor", "30"),
        ("Tà Ôi", "31"), ("Pa Cô", "31"),
        ("Chơ Ro", "32"), ("Châu Ro", "32"),
        ("Xinh Mun", "34"),
        ("Chu Ru", "36"),
        ("Pà Hưng", "46"),
        ("Rơ Măm", "54"),
        ("Nước ngoài", "55"),
    ),
    scheme="QD121",
)

# --------------------------------------------------------------------------- tôn giáo

_RELIGIONS = [
    "Không", "Công giáo", "Phật giáo", "Tin lành", "Cao Đài", "Phật giáo Hòa Hảo", "Hồi giáo", "Tôn giáo Baha'i",
    "Tịnh độ Cư sỹ Phật hội Việt Nam", "Đạo Tứ Ân Hiếu nghĩa", "Bửu Sơn Kỳ Hương",
    "Giáo hội Phật đường Nam Tông Minh Sư đạo", "Hội thánh Minh Lý đạo – Tam Tông Miếu", "Chăm Bà la môn",
    "Giáo hội Các thánh hữu Ngày sau của Chúa Giê-su Ky-tô (Mormon)", "Phật giáo Hiếu Nghĩa Tà Lơn",
    "Giáo hội Cơ đốc Phục lâm Việt Nam",
]

RELIGION = CodeList(
    "religion", "Tôn giáo", "Danh mục 16 tôn giáo theo Tổng điều tra dân số 2019; mã do hệ thống gán",
    tuple(CodeEntry(f"{i:02d}", name) for i, name in enumerate(_RELIGIONS)),
    aliases=(
        ("Không tôn giáo", "00"), ("Thiên Chúa giáo", "01"), ("Đạo Thiên Chúa", "01"), ("Đạo Phật", "02"),
        ("Đạo Tin lành", "03"), ("Đạo Cao Đài", "04"), ("Hòa Hảo", "05"), ("Islam", "06"), ("Baha'i", "07"),
        ("Bà la môn", "13"), ("Mormon", "14"), ("Cơ đốc Phục lâm", "16"),
    ),
)

# --------------------------------------------------------------------------- ngạch công chức, CDNN viên chức

#: TT 02/2021/TT-BNV regrouped Cán sự (01.004: B -> A0) and Nhân viên (01.005: C1 -> B); in force from
#: 01/08/2021 (issued 11/06/2021).
RANK_REGROUPED_FROM = date(2021, 8, 1)
_BEFORE_REGROUP = date(2021, 7, 31)
_CHECK = " (cần đối chiếu)"
_TT02 = "TT 02/2021/TT-BNV"


def _rank(code, name, group, category, equiv, source, check=False, valid_from=None, valid_to=None) -> CodeEntry:
    extra = {"pay_group": group, "category": category, "equiv": equiv}
    return CodeEntry(code, name, extra, valid_from=valid_from, valid_to=valid_to,
                     source=source + (_CHECK if check else ""))


_CC, _VC = "cong_chuc", "vien_chuc"
_BGD = "TT 01–04/2021/TT-BGDĐT"

RANK = CodeList(
    "rank", "Ngạch, chức danh nghề nghiệp",
    "Mã số ngạch công chức và chức danh nghề nghiệp viên chức theo các thông tư của bộ quản lý ngành "
    "(TT 02/2021/TT-BNV, TT 77/2019/TT-BTC, TT 01–04/2021/TT-BGDĐT, TT 40/2020/TT-BGDĐT …); "
    "hệ số theo NĐ 204/2004/NĐ-CP",
    (
        _rank("01.001", "Chuyên viên cao cấp", "A3.1", _CC, "CVCC", _TT02),
        _rank("01.002", "Chuyên viên chính", "A2.1", _CC, "CVC", _TT02),
        _rank("01.003", "Chuyên viên", "A1", _CC, "CV", _TT02),
        _rank("01.004", "Cán sự", "B", _CC, "CS", "TT 11/2014/TT-BNV", check=True, valid_to=_BEFORE_REGROUP),
        _rank("01.004", "Cán sự", "A0", _CC, "CS", _TT02, valid_from=RANK_REGROUPED_FROM),
        _rank("01.005", "Nhân viên", "C1", _CC, "NV", "TT 11/2014/TT-BNV", check=True, valid_to=_BEFORE_REGROUP),
        _rank("01.005", "Nhân viên", "B", _CC, "NV", _TT02, valid_from=RANK_REGROUPED_FROM),
        _rank("02.006", "Văn thư viên chính", "A2.1", _CC, "CVC", _TT02),
        _rank("02.007", "Văn thư viên", "A1", _CC, "CV", _TT02),
        _rank("02.008", "Văn thư viên trung cấp", "B", _CC, "CS", _TT02),
        _rank("04.023", "Thanh tra viên cao cấp", "A3.1", _CC, "CVCC", "Ngạch thanh tra", check=True),
        _rank("04.024", "Thanh tra viên chính", "A2.1", _CC, "CVC", "Ngạch thanh tra", check=True),
        _rank("04.025", "Thanh tra viên", "A1", _CC, "CV", "Ngạch thanh tra", check=True),
        _rank("06.029", "Kế toán viên cao cấp", "A3.1", _CC, "CVCC", "TT 77/2019/TT-BTC; nhóm A3.1", check=True),
        _rank("06.030", "Kế toán viên chính", "A2.1", _CC, "CVC", "TT 77/2019/TT-BTC; nhóm A2.1", check=True),
        _rank("06.031", "Kế toán viên", "A1", _CC, "CV", "TT 77/2019/TT-BTC"),
        _rank("06.032", "Kế toán viên trung cấp", "B", _CC, "CS", "TT 77/2019/TT-BTC (sửa đổi TT 29/2022/TT-BTC)"),
        _rank("V.07.01.01", "Giảng viên cao cấp (hạng I)", "A3.1", _VC, "CVCC", "TT 40/2020/TT-BGDĐT"),
        _rank("V.07.01.02", "Giảng viên chính (hạng II)", "A2.1", _VC, "CVC", "TT 40/2020/TT-BGDĐT"),
        _rank("V.07.01.03", "Giảng viên (hạng III)", "A1", _VC, "CV", "TT 40/2020/TT-BGDĐT"),
        _rank("V.07.05.13", "Giáo viên trung học phổ thông hạng I", "A2.1", _VC, "CVC", "TT 04/2021/TT-BGDĐT",
              check=True),
        _rank("V.07.05.14", "Giáo viên trung học phổ thông hạng II", "A2.2", _VC, "CVC", "TT 04/2021/TT-BGDĐT",
              check=True),
        _rank("V.07.05.15", "Giáo viên trung học phổ thông hạng III", "A1", _VC, "CV", "TT 04/2021/TT-BGDĐT",
              check=True),
        _rank("V.07.04.30", "Giáo viên trung học cơ sở hạng I", "A2.1", _VC, "CVC", "TT 03/2021/TT-BGDĐT",
              check=True),
        _rank("V.07.04.31", "Giáo viên trung học cơ sở hạng II", "A2.2", _VC, "CVC", "TT 03/2021/TT-BGDĐT",
              check=True),
        _rank("V.07.04.32", "Giáo viên trung học cơ sở hạng III", "A1", _VC, "CV", "TT 03/2021/TT-BGDĐT",
              check=True),
        _rank("V.07.03.27", "Giáo viên tiểu học hạng I", "A2.1", _VC, "CVC", "TT 02/2021/TT-BGDĐT", check=True),
        _rank("V.07.03.28", "Giáo viên tiểu học hạng II", "A2.2", _VC, "CVC", "TT 02/2021/TT-BGDĐT", check=True),
        _rank("V.07.03.29", "Giáo viên tiểu học hạng III", "A1", _VC, "CV", "TT 02/2021/TT-BGDĐT", check=True),
        _rank("V.07.02.24", "Giáo viên mầm non hạng I", "A2.2", _VC, "CVC", "TT 01/2021/TT-BGDĐT", check=True),
        _rank("V.07.02.25", "Giáo viên mầm non hạng II", "A1", _VC, "CV", "TT 01/2021/TT-BGDĐT", check=True),
        _rank("V.07.02.26", "Giáo viên mầm non hạng III", "A0", _VC, "CS", "TT 01/2021/TT-BGDĐT", check=True),
        _rank("V.08.01.01", "Bác sĩ cao cấp (hạng I)", "A3.1", _VC, "CVCC", "TTLT 10/2015/TTLT-BYT-BNV", check=True),
        _rank("V.08.01.02", "Bác sĩ chính (hạng II)", "A2.1", _VC, "CVC", "TTLT 10/2015/TTLT-BYT-BNV", check=True),
        _rank("V.08.01.03", "Bác sĩ (hạng III)", "A1", _VC, "CV", "TTLT 10/2015/TTLT-BYT-BNV", check=True),
    ),
)

# --------------------------------------------------------------------------- trình độ

QUALIFICATION = CodeList(
    "qualification", "Trình độ chuyên môn",
    "Mẫu BM02/BNV (TT 11/2012/TT-BNV), cột 12–17; Luật Giáo dục 2019; mã do hệ thống gán",
    _simple([
        ("TSKH", "Tiến sĩ khoa học", {"bm02": 12}),
        ("TS", "Tiến sĩ", {"bm02": 12}),
        ("ThS", "Thạc sĩ", {"bm02": 13}),
        ("DH", "Đại học", {"bm02": 14}),
        ("CD", "Cao đẳng", {"bm02": 15}),
        ("TC", "Trung cấp", {"bm02": 16}),
        ("SC", "Sơ cấp", {"bm02": 17}),
        ("CQDT", "Chưa qua đào tạo", {"bm02": None}),
    ]),
    aliases=(
        ("Tiến sỹ khoa học", "TSKH"), ("Tiến sỹ", "TS"), ("Thạc sỹ", "ThS"), ("Cử nhân", "DH"), ("Kỹ sư", "DH"),
        ("Kiến trúc sư", "DH"), ("Cao đẳng nghề", "CD"), ("Trung cấp chuyên nghiệp", "TC"),
        ("Trung học chuyên nghiệp", "TC"), ("Trung cấp nghề", "TC"), ("Sơ cấp nghề", "SC"),
    ),
)


def _general_education() -> tuple[CodeEntry, ...]:
    """Lớp đã học xong / hệ (12 năm, or the 10-year system of the North before 1981)."""
    rows = []
    for system, grades, levels in ((12, range(12, 4, -1), (12, 9)), (10, range(10, 3, -1), (10, 7))):
        for grade in grades:
            level = "THPT" if grade >= levels[0] else "THCS" if grade >= levels[1] else "TH"
            code = f"{grade}/{system}"
            rows.append(CodeEntry(code, code, {"grade": grade, "system": system, "level": level}))
    return tuple(rows)


GENERAL_EDUCATION = CodeList(
    "general_education", "Trình độ giáo dục phổ thông",
    "Mẫu Sơ yếu lý lịch TT 06/2023/TT-BNV (mục 19: đã tốt nghiệp lớp mấy/thuộc hệ nào); mã do hệ thống gán",
    _general_education(),
    aliases=(("Tốt nghiệp THPT", "12/12"), ("THPT", "12/12"), ("Phổ thông trung học", "12/12"),
             ("Tốt nghiệp THCS", "9/12"), ("THCS", "9/12"), ("Tiểu học", "5/12")),
)

ACADEMIC_TITLE = CodeList(
    "academic_title", "Học hàm", "Luật Giáo dục đại học (chức danh giáo sư, phó giáo sư); mã do hệ thống gán",
    _simple([("GS", "Giáo sư"), ("PGS", "Phó giáo sư")]),
)

POLITICAL_LEVEL = CodeList(
    "political_level", "Lý luận chính trị", "Mẫu BM02/BNV (TT 11/2012/TT-BNV), cột 18–21; mã do hệ thống gán",
    _simple([("CN", "Cử nhân", {"bm02": 18}), ("CC", "Cao cấp", {"bm02": 19}), ("TC", "Trung cấp", {"bm02": 20}),
             ("SC", "Sơ cấp", {"bm02": 21})]),
    aliases=(("Cử nhân chính trị", "CN"), ("Cao cấp lý luận chính trị", "CC"),
             ("Trung cấp lý luận chính trị", "TC"), ("Sơ cấp lý luận chính trị", "SC")),
)

MANAGEMENT_LEVEL = CodeList(
    "management_level", "Quản lý nhà nước",
    "Mẫu BM02/BNV (TT 11/2012/TT-BNV), cột 29–31; Mẫu 2C-BNV/2008 mục 15.4; mã do hệ thống gán",
    _simple([
        ("CVCC", "Chuyên viên cao cấp và tương đương", {"bm02": 29}),
        ("CVC", "Chuyên viên chính và tương đương", {"bm02": 30}),
        ("CV", "Chuyên viên và tương đương", {"bm02": 31}),
        ("CS", "Cán sự và tương đương", {"bm02": None}),
    ]),
    aliases=(("Chuyên viên cao cấp", "CVCC"), ("Chuyên viên chính", "CVC"), ("Chuyên viên", "CV"),
             ("Cán sự", "CS")),
)

TRAINING_MODE = CodeList(
    "training_mode", "Hình thức đào tạo",
    "Luật Giáo dục đại học 2012 (sửa đổi 2018), Điều 6: chính quy, vừa làm vừa học, đào tạo từ xa; "
    "tại chức là tên cũ; mã do hệ thống gán",
    _simple([
        ("CQ", "Chính quy", None),
        ("VLVH", "Vừa làm vừa học", None),
        ("TX", "Đào tạo từ xa", None),
        ("LT", "Liên thông", None),
        ("TC", "Tại chức (tên cũ)", {"legacy": True}),
    ]),
    aliases=(("Chính quy tập trung", "CQ"), ("Vừa học vừa làm", "VLVH"), ("Từ xa", "TX"), ("Tại chức", "TC")),
)

# --------------------------------------------------------------------------- đánh giá, thi đua, kỷ luật

RATING = CodeList(
    "rating", "Xếp loại chất lượng",
    "NĐ 90/2020/NĐ-CP (trước đó NĐ 56/2015/NĐ-CP) về đánh giá, xếp loại chất lượng CBCCVC; mã do hệ thống gán",
    _simple([
        ("HTXS", "Hoàn thành xuất sắc nhiệm vụ"),
        ("HTT", "Hoàn thành tốt nhiệm vụ"),
        ("HT", "Hoàn thành nhiệm vụ"),
        ("KHT", "Không hoàn thành nhiệm vụ"),
    ]),
    aliases=(("Hoàn thành nhiệm vụ nhưng còn hạn chế về năng lực", "HT"),),
)

EMULATION = CodeList(
    "emulation", "Danh hiệu thi đua",
    "Luật Thi đua, khen thưởng số 06/2022/QH15, Điều 23 (danh hiệu thi đua cá nhân); mã do hệ thống gán",
    _simple([
        ("LDTT", "Lao động tiên tiến"),
        ("CSTDCS", "Chiến sĩ thi đua cơ sở"),
        ("CSTDCB", "Chiến sĩ thi đua bộ, ban, ngành, tỉnh"),
        ("CSTDTQ", "Chiến sĩ thi đua toàn quốc"),
        ("KXL", "Không xét, không đạt danh hiệu"),
    ]),
    aliases=(("Chiến sĩ thi đua cấp bộ, ban, ngành, tỉnh", "CSTDCB"), ("Chiến sĩ thi đua cấp tỉnh", "CSTDCB"),
             ("Chiến sĩ thi đua cấp cơ sở", "CSTDCS"), ("Không xét", "KXL"), ("Không đạt", "KXL")),
)

DISCIPLINE_FORM = CodeList(
    "discipline_form", "Hình thức kỷ luật",
    "Luật Cán bộ, công chức 2008 (sửa đổi 2019) Điều 78–79, Luật Viên chức Điều 52; NĐ 112/2020/NĐ-CP; "
    "kỷ luật Đảng: Quy định 69-QĐ/TW (2022); mã do hệ thống gán",
    _simple([
        ("KT", "Khiển trách", {"body": "state"}),
        ("CC", "Cảnh cáo", {"body": "state"}),
        ("HBL", "Hạ bậc lương", {"body": "state"}),
        ("GCV", "Giáng chức", {"body": "state"}),
        ("CCV", "Cách chức", {"body": "state"}),
        ("BN", "Bãi nhiệm", {"body": "state"}),
        ("BTV", "Buộc thôi việc", {"body": "state"}),
        ("KTD", "Khiển trách (Đảng)", {"body": "party"}),
        ("CCD", "Cảnh cáo (Đảng)", {"body": "party"}),
        ("CCVD", "Cách chức (Đảng)", {"body": "party"}),
        ("KTRD", "Khai trừ (Đảng)", {"body": "party"}),
    ]),
    aliases=(("Khai trừ", "KTRD"), ("Khai trừ ra khỏi Đảng", "KTRD")),
)

# --------------------------------------------------------------------------- gia đình, sức khỏe, chính sách

RELATION = CodeList(
    "relation", "Quan hệ gia đình",
    "Mẫu Sơ yếu lý lịch TT 06/2023/TT-BNV (mục 36.1 bản thân, 36.2 bên vợ/chồng); mã do hệ thống gán",
    _simple([
        ("CHA", "Cha", {"side": "own"}),
        ("ME", "Mẹ", {"side": "own"}),
        ("VO", "Vợ", {"side": "own"}),
        ("CHONG", "Chồng", {"side": "own"}),
        ("CON", "Con", {"side": "own"}),
        ("ANH", "Anh ruột", {"side": "own"}),
        ("CHI", "Chị ruột", {"side": "own"}),
        ("EM", "Em ruột", {"side": "own"}),
        ("CHA_NUOI", "Cha nuôi", {"side": "own"}),
        ("ME_NUOI", "Mẹ nuôi", {"side": "own"}),
        ("CHA_VO_CHONG", "Cha vợ (chồng)", {"side": "spouse"}),
        ("ME_VO_CHONG", "Mẹ vợ (chồng)", {"side": "spouse"}),
        ("ANH_CHI_EM_VO_CHONG", "Anh, chị, em ruột của vợ (chồng)", {"side": "spouse"}),
        ("KHAC", "Quan hệ khác", {"side": "both"}),
    ]),
    aliases=(
        ("Bố", "CHA"), ("Ba", "CHA"), ("Bố đẻ", "CHA"), ("Cha đẻ", "CHA"), ("Mẹ đẻ", "ME"), ("Má", "ME"),
        ("Con trai", "CON"), ("Con gái", "CON"), ("Con đẻ", "CON"),
        ("Anh trai", "ANH"), ("Chị gái", "CHI"), ("Em trai", "EM"), ("Em gái", "EM"),
        ("Bố vợ", "CHA_VO_CHONG"), ("Bố chồng", "CHA_VO_CHONG"), ("Cha vợ", "CHA_VO_CHONG"),
        ("Cha chồng", "CHA_VO_CHONG"), ("Mẹ vợ", "ME_VO_CHONG"), ("Mẹ chồng", "ME_VO_CHONG"),
        ("Anh vợ", "ANH_CHI_EM_VO_CHONG"), ("Chị vợ", "ANH_CHI_EM_VO_CHONG"), ("Em vợ", "ANH_CHI_EM_VO_CHONG"),
        ("Anh chồng", "ANH_CHI_EM_VO_CHONG"), ("Chị chồng", "ANH_CHI_EM_VO_CHONG"),
        ("Em chồng", "ANH_CHI_EM_VO_CHONG"),
    ),
)

ALLOWANCE_TYPE = CodeList(
    "allowance_type", "Loại phụ cấp",
    "NĐ 204/2004/NĐ-CP Điều 5 (phụ cấp chức vụ lãnh đạo), Điều 6 (các chế độ phụ cấp); "
    "phụ cấp công vụ: NĐ 34/2012/NĐ-CP; mã do hệ thống gán",
    _simple([
        ("CV", "Phụ cấp chức vụ lãnh đạo"),
        ("KN", "Phụ cấp kiêm nhiệm chức danh lãnh đạo"),
        ("TNVK", "Phụ cấp thâm niên vượt khung"),
        ("TNN", "Phụ cấp thâm niên nghề"),
        ("KV", "Phụ cấp khu vực"),
        ("DB", "Phụ cấp đặc biệt"),
        ("TH", "Phụ cấp thu hút"),
        ("LD", "Phụ cấp lưu động"),
        ("DH", "Phụ cấp độc hại, nguy hiểm"),
        ("UDN", "Phụ cấp ưu đãi theo nghề"),
        ("TN", "Phụ cấp trách nhiệm theo nghề"),
        ("TNCV", "Phụ cấp trách nhiệm công việc"),
        ("QPAN", "Phụ cấp phục vụ quốc phòng, an ninh"),
        ("CVU", "Phụ cấp công vụ"),
        ("KHAC", "Phụ cấp khác"),
    ]),
    aliases=(("Phụ cấp chức vụ", "CV"), ("Phụ cấp kiêm nhiệm", "KN"), ("PCTNVK", "TNVK"),
             ("Thâm niên vượt khung", "TNVK"), ("Ưu đãi nghề", "UDN")),
)

BLOOD_GROUP = CodeList(
    "blood_group", "Nhóm máu", "Hệ nhóm máu ABO (Mẫu Sơ yếu lý lịch TT 06/2023/TT-BNV, mục 31)",
    _simple([("O", "O"), ("A", "A"), ("B", "B"), ("AB", "AB")]),
)

POLICY = CodeList(
    "policy", "Đối tượng chính sách",
    "Pháp lệnh Ưu đãi người có công với cách mạng số 02/2020/UBTVQH14, Điều 3; mã do hệ thống gán",
    _simple([
        ("TB", "Thương binh"),
        ("NHCSTB", "Người hưởng chính sách như thương binh"),
        ("BB", "Bệnh binh"),
        ("CDHH", "Người hoạt động kháng chiến bị nhiễm chất độc hóa học"),
        ("TUDAY", "Người hoạt động cách mạng, kháng chiến bị địch bắt tù, đày"),
        ("AHLLVT", "Anh hùng Lực lượng vũ trang nhân dân"),
        ("AHLD", "Anh hùng Lao động trong thời kỳ kháng chiến"),
        ("VCLS", "Vợ (chồng) liệt sĩ"),
        ("CLS", "Con liệt sĩ"),
        ("CTB", "Con thương binh"),
        ("CBB", "Con bệnh binh"),
        ("CCDHH", "Con của người hoạt động kháng chiến bị nhiễm chất độc hóa học"),
        ("CNCC", "Con của người có công với cách mạng khác"),
    ]),
    aliases=(("Chất độc da cam", "CDHH"), ("Con chất độc da cam", "CCDHH"), ("Gia đình liệt sĩ", "CLS"),
             ("Con gia đình liệt sĩ", "CLS")),
)

ATTACHMENT_KIND = CodeList(
    "attachment_kind", "Loại tài liệu đính kèm", "Hồ sơ CBCCVC (tài liệu số hóa kèm theo); mã do hệ thống gán",
    _simple([
        ("quyet_dinh", "Quyết định"),
        ("van_bang", "Văn bằng"),
        ("chung_chi", "Chứng chỉ"),
        ("giay_to_tuy_than", "Giấy tờ tùy thân"),
        ("giay_khai_sinh", "Giấy khai sinh"),
        ("hop_dong", "Hợp đồng lao động"),
        ("khac", "Tài liệu khác"),
    ]),
)

# --------------------------------------------------------------------------- quốc tịch

#: CLDR territory codes that are not ISO 3166-1 countries (regions, groupings, reserved or user-assigned).
_NOT_ISO_3166 = {"AC", "CP", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}


def _nationalities() -> CodeList:
    """ISO 3166-1 alpha-2 countries with their Vietnamese names from Babel's CLDR data; Việt Nam first."""
    from babel import Locale

    names = {code: name for code, name in Locale("vi").territories.items()
             if len(code) == 2 and code.isalpha() and code.isupper() and code not in _NOT_ISO_3166}
    ordered = sorted((c for c in names if c != "VN"), key=lambda c: sort_key(names[c]))
    entries = [CodeEntry("VN", names["VN"], sort_order=0)]
    entries += [CodeEntry(code, names[code], sort_order=i) for i, code in enumerate(ordered, start=1)]
    return CodeList(
        "nationality", "Quốc tịch", "TT 07/2016/TT-BCA Phụ lục 2 (mã theo ISO 3166-1); tên theo CLDR",
        tuple(entries),
        aliases=(("Mỹ", "US"), ("Anh", "GB"), ("Úc", "AU"), ("Ô-xtrây-li-a", "AU"), ("Ý", "IT"),
                 ("Miến Điện", "MM"), ("Liên bang Nga", "RU"), ("Cộng hòa Séc", "CZ"), ("Hàn", "KR"),
                 ("CHDCND Triều Tiên", "KP"), ("CHDCND Lào", "LA"), ("Cam-pu-chia", "KH"), ("Xin-ga-po", "SG"),
                 ("Ma-lai-xi-a", "MY"), ("In-đô-nê-xi-a", "ID"), ("Phi-líp-pin", "PH"), ("Ca-na-đa", "CA"),
                 ("U-crai-na", "UA"), ("Hồng Kông", "HK"), ("Ma Cao", "MO")),
        scheme="ISO3166-1",
    )


# --------------------------------------------------------------------------- bảng lương (NĐ 204/2004/NĐ-CP)

SALARY_SOURCE = "NĐ 204/2004/NĐ-CP, Bảng 2 (công chức) và Bảng 3 (viên chức)"
_SALARY_FROM = date(2004, 10, 1)  # NĐ 204/2004/NĐ-CP applies from 01/10/2004

#: pay group -> (bậc 1 coefficient, increment, number of bậc, months between bậc)
_SALARY_GROUPS = {
    "A3.1": ("6.20", "0.36", 6, 36),
    "A3.2": ("5.75", "0.36", 6, 36),
    "A2.1": ("4.40", "0.34", 8, 36),
    "A2.2": ("4.00", "0.34", 8, 36),
    "A1": ("2.34", "0.33", 9, 36),
    "A0": ("2.10", "0.31", 10, 36),
    "B": ("1.86", "0.20", 12, 24),
    "C1": ("1.65", "0.18", 12, 24),
}


def _salary_steps() -> tuple[SalaryRow, ...]:
    rows = []
    for group, (first, increment, count, months) in _SALARY_GROUPS.items():
        for step in range(1, count + 1):
            coefficient = Decimal(first) + Decimal(increment) * (step - 1)
            rows.append(SalaryRow(group, step, coefficient, months, _SALARY_FROM, None, SALARY_SOURCE))
    for step, coefficient in enumerate(("8.80", "9.40", "10.00"), start=1):
        rows.append(SalaryRow("CGCC", step, Decimal(coefficient), 60, _SALARY_FROM, None,
                              "NĐ 204/2004/NĐ-CP, Bảng 1 (chuyên gia cao cấp)"))
    return tuple(rows)


#: Every salary coefficient: A3.1 … C1 and chuyên gia cao cấp ("CGCC").
SALARY_STEPS: tuple[SalaryRow, ...] = _salary_steps()


#: kind -> list, every list in display order.
CODE_LISTS: dict[str, CodeList] = {cl.kind: cl for cl in (
    GENDER, _provinces(), ETHNICITY, RELIGION, _nationalities(), RANK, QUALIFICATION, GENERAL_EDUCATION,
    ACADEMIC_TITLE, POLITICAL_LEVEL, MANAGEMENT_LEVEL, TRAINING_MODE, RATING, EMULATION, DISCIPLINE_FORM,
    RELATION, ALLOWANCE_TYPE, BLOOD_GROUP, POLICY, ATTACHMENT_KIND,
)}


def code_lists() -> tuple[CodeList, ...]:
    """Every list, in display order."""
    return tuple(CODE_LISTS.values())
