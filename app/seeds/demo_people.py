"""Demo people: a plausible full Sơ yếu lý lịch for about 200 people of the demo city (``flask seed-demo``).

Plain data and generators, no database: :func:`generate_people` turns the demo units
(``app/seeds/demo_city.py``) into :class:`PersonSpec` objects, column values of ``person`` and rows of the
section tables, which ``app/services/demo.py`` writes. Everything is drawn from one ``random.Random(seed)``
in a fixed order and dated against :data:`AS_OF`, so the same seed gives the same people on any day.

What is realistic on purpose:

- Names: family names with their real frequencies (Nguyễn ≈ 38 %), tên đệm and tên by sex, minority
  names with their ethnic group and home province, and hard cases for sorting and search (Đặng/Dương,
  compound family names, "Hoà"/"Hòa" tone placement, an Ê Đê name).
- Careers: recruitment after the degree, probation, 2–5 consecutive work periods ending in the current
  unit, appointments, promotions of ngạch / hạng, bậc raised every 36 months (24 for loại B) with the exact
  coefficient of the salary table, thâm niên vượt khung at the last bậc, a discipline delaying a raise.
- Family: parents, spouse, children and siblings whose birth years fit the person's age.

The salary table is not read here: the caller passes a :class:`SalaryScale` (the code lists in the app,
``app/seeds/code_lists.py`` data in tests).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

__all__ = [
    "AS_OF",
    "DEFAULT_SEED",
    "FAMILY_NAMES",
    "HARD_CASES",
    "LINKED_ACCOUNTS",
    "PersonSpec",
    "SalaryScale",
    "generate_people",
    "retirement_date",
]

#: The day the demo files describe ("today" of the demo): fixed, so a seed gives the same files every day.
AS_OF = date(2026, 7, 1)
DEFAULT_SEED = 2026
#: NĐ 204/2004/NĐ-CP salary tables apply from 01/10/2004; salary history (37.1) starts at the conversion.
SALARY_TABLE_FROM = date(2004, 10, 1)
#: Lương cơ sở from 01/07/2024 (NĐ 73/2024/NĐ-CP), for the income text of item 37.3.
BASE_SALARY = 2_340_000


class SalaryScale(Protocol):
    """The salary table the generator follows (pay group of a ngạch, bậc count and interval, coefficient)."""

    def group(self, rank_code: str, on: date) -> str | None:
        """Pay group (A1, A2.1 …) of ``rank_code`` on ``on``."""

    def steps(self, group: str, on: date) -> tuple[int, int]:
        """(number of bậc, months between two bậc) of ``group``."""

    def coefficient(self, group: str, step: int, on: date) -> Decimal | None:
        """Hệ số of bậc ``step`` of ``group`` on ``on``."""


@dataclass
class PersonSpec:
    """One generated file: the unit's mã định danh, the login to link, ``person`` columns, section rows."""

    unit_code: str
    person: dict
    #: Section table name (``models.personnel.SECTION_MODELS``) -> rows (column values, discriminator included).
    rows: dict[str, list[dict]] = field(default_factory=dict)
    account: str | None = None

    @property
    def full_name(self) -> str:
        """Họ, tên đệm, tên."""
        p = self.person
        return " ".join(x for x in (p["family_name"], p["middle_name"], p["given_name"]) if x)


# --------------------------------------------------------------------------- names

#: Family names with their approximate share (%) of the population; Hoàng/Huỳnh and Vũ/Võ weighted for
#: a northern city.
FAMILY_NAMES: tuple[tuple[str, float], ...] = (
    ("Nguyễn", 38.4), ("Trần", 11.0), ("Lê", 9.5), ("Phạm", 7.0), ("Hoàng", 4.3), ("Huỳnh", 0.8),
    ("Phan", 4.5), ("Vũ", 3.2), ("Võ", 0.7), ("Đặng", 2.1), ("Bùi", 2.0), ("Đỗ", 1.4), ("Hồ", 1.3),
    ("Ngô", 1.3), ("Dương", 1.0), ("Lý", 0.5), ("Đào", 0.4), ("Đinh", 0.4), ("Trịnh", 0.4), ("Lương", 0.3),
    ("Mai", 0.3), ("Cao", 0.3), ("Hà", 0.3), ("Đoàn", 0.3), ("Tạ", 0.2), ("Chu", 0.2), ("Lưu", 0.2),
    ("Kiều", 0.2), ("Phùng", 0.2), ("Triệu", 0.15), ("Tô", 0.15), ("Lâm", 0.15), ("Nghiêm", 0.1),
    ("Quách", 0.1), ("Khổng", 0.05), ("Khúc", 0.05),
)
_MIDDLE = {
    "nam": (("Văn", 30), ("Đức", 8), ("Minh", 7), ("Quốc", 5), ("Hữu", 5), ("Thanh", 4), ("Mạnh", 3),
            ("Quang", 4), ("Xuân", 3), ("Anh", 3), ("Trung", 2), ("Công", 3), ("Đình", 4), ("Ngọc", 3),
            ("Hoàng", 2), ("Duy", 2), ("Tiến", 2), ("Việt", 2), ("Bá", 2), ("Thế", 2), ("Trọng", 2),
            ("Khắc", 1), ("Đăng", 1), ("Tuấn", 1)),
    "nu": (("Thị", 45), ("Thu", 7), ("Thanh", 6), ("Ngọc", 6), ("Minh", 4), ("Thúy", 3), ("Phương", 3),
           ("Hồng", 3), ("Hải", 2), ("Mai", 2), ("Bích", 2), ("Kim", 2), ("Diệu", 1), ("Khánh", 2),
           ("Quỳnh", 1), ("Hoài", 1), ("Thị Thu", 3), ("Thị Thanh", 2), ("Thị Minh", 1), ("Lan", 1)),
}
_GIVEN = {
    "nam": ("Anh", "Dũng", "Hùng", "Hải", "Tuấn", "Minh", "Long", "Nam", "Sơn", "Thắng", "Quân", "Huy",
            "Đức", "Cường", "Trung", "Hiếu", "Hoàng", "Khánh", "Phong", "Tùng", "Thành", "Bình", "Hưng",
            "Lâm", "Quang", "Việt", "Toàn", "Thịnh", "Vinh", "Tâm", "Đạt", "Kiên", "Nghĩa", "Phúc",
            "Trường", "Hiệp", "Khoa", "Duy", "Tiến", "Hòa", "Lợi", "Chiến", "Định", "Thái", "Tú", "Quý"),
    "nu": ("Hương", "Lan", "Hà", "Linh", "Trang", "Hằng", "Thảo", "Ngọc", "Huyền", "Nga", "Mai", "Phương",
           "Thủy", "Hạnh", "Loan", "Yến", "Dung", "Hoa", "Nhung", "Oanh", "Vân", "Giang", "Hiền", "Liên",
           "Hồng", "Thúy", "Quỳnh", "Anh", "Chi", "Nhàn", "Hòa", "Tâm", "Thư", "Vy", "Uyên", "Trâm", "Duyên",
           "Lý", "My", "Thắm", "Xuân", "Nguyệt"),
}
#: Ethnic groups other than Kinh: QĐ 121-TCTK code -> (family names, home places (index in _PLACES)).
_MINORITIES = {
    "02": (("Nông", "Hoàng", "Bế", "Ma", "Lục", "Hà"), ("cao_bang", "tuyen_quang", "lang_son")),  # Tày
    "03": (("Lò", "Lường", "Cầm", "Quàng", "Hà", "Vi"), ("son_la",)),  # Thái
    "06": (("Đinh", "Bùi", "Quách", "Bạch", "Xa"), ("hoa_binh",)),  # Mường
    "07": (("Hoàng", "Nông", "Lương", "Vi", "Triệu"), ("lang_son", "cao_bang")),  # Nùng
    "09": (("Triệu", "Bàn", "Lý", "Đặng"), ("tuyen_quang",)),  # Dao
}

#: Ê Đê clan names and personal names (a man's name follows "Y", a woman's "H'").
_EDE_CLANS = ("Ênuôl", "Niê", "Mlô", "Êban", "Kpă", "Ksơr", "Adrơng", "Byă", "Buôn Yă")
_EDE_GIVEN = {"nam": ("Kông", "Bhin", "Blô", "Ju", "Thuột", "Khuê", "Dhăm", "Tlam"),
              "nu": ("Yim", "Linh", "Zawa", "Hen", "Rin", "Drim", "Bia", "Nguôn")}

# --------------------------------------------------------------------------- places (units before 01/07/2025)

#: key -> (commune, district, old GSO province code, province as written, weight). Quê quán and nơi sinh
#: refer to the units of their time (domain.md §6), so these are the pre-2025 three-level names.
_PLACES = {
    "ha_noi_1": ("Xã Cổ Loa", "Huyện Đông Anh", "01", "thành phố Hà Nội", 5),
    "ha_noi_2": ("Xã Phù Đổng", "Huyện Gia Lâm", "01", "thành phố Hà Nội", 4),
    "ha_noi_3": ("Xã Nhị Khê", "Huyện Thường Tín", "01", "thành phố Hà Nội", 3),
    "ha_noi_4": ("Xã Sơn Đồng", "Huyện Hoài Đức", "01", "thành phố Hà Nội", 3),
    "ha_noi_5": ("Xã Hương Sơn", "Huyện Mỹ Đức", "01", "thành phố Hà Nội", 2),
    "ha_noi_6": ("Xã Quảng Phú Cầu", "Huyện Ứng Hòa", "01", "thành phố Hà Nội", 2),
    "nam_dinh_1": ("Xã Xuân Ngọc", "Huyện Xuân Trường", "36", "tỉnh Nam Định", 4),
    "nam_dinh_2": ("Xã Hải Anh", "Huyện Hải Hậu", "36", "tỉnh Nam Định", 3),
    "thai_binh_1": ("Xã Đông Hợp", "Huyện Đông Hưng", "34", "tỉnh Thái Bình", 4),
    "thai_binh_2": ("Xã Thụy Hải", "Huyện Thái Thụy", "34", "tỉnh Thái Bình", 2),
    "ha_nam": ("Xã Hòa Hậu", "Huyện Lý Nhân", "35", "tỉnh Hà Nam", 3),
    "ninh_binh": ("Xã Ninh Hải", "Huyện Hoa Lư", "37", "tỉnh Ninh Bình", 3),
    "hung_yen": ("Xã Phụng Công", "Huyện Văn Giang", "33", "tỉnh Hưng Yên", 3),
    "hai_duong": ("Xã Hưng Đạo", "Huyện Tứ Kỳ", "30", "tỉnh Hải Dương", 3),
    "bac_ninh": ("Xã Song Hồ", "Huyện Thuận Thành", "27", "tỉnh Bắc Ninh", 3),
    "phu_tho": ("Xã Hy Cương", "Thành phố Việt Trì", "25", "tỉnh Phú Thọ", 2),
    "thanh_hoa": ("Xã Hoằng Lộc", "Huyện Hoằng Hóa", "38", "tỉnh Thanh Hóa", 4),
    "nghe_an_1": ("Xã Kim Liên", "Huyện Nam Đàn", "40", "tỉnh Nghệ An", 3),
    "nghe_an_2": ("Xã Quỳnh Đôi", "Huyện Quỳnh Lưu", "40", "tỉnh Nghệ An", 2),
    "ha_tinh": ("Xã Thạch Châu", "Huyện Lộc Hà", "42", "tỉnh Hà Tĩnh", 2),
    "quang_binh": ("Xã Hải Ninh", "Huyện Quảng Ninh", "44", "tỉnh Quảng Bình", 1),
    "thai_nguyen": ("Xã Tân Cương", "Thành phố Thái Nguyên", "19", "tỉnh Thái Nguyên", 2),
    "hue": ("Phường Kim Long", "Thành phố Huế", "46", "tỉnh Thừa Thiên Huế", 0),
    "cao_bang": ("Xã Trường Hà", "Huyện Hà Quảng", "04", "tỉnh Cao Bằng", 0),
    "lang_son": ("Xã Hoàng Đồng", "Thành phố Lạng Sơn", "20", "tỉnh Lạng Sơn", 0),
    "hoa_binh": ("Xã Phong Phú", "Huyện Tân Lạc", "17", "tỉnh Hòa Bình", 0),
    "son_la": ("Xã Chiềng Ngần", "Thành phố Sơn La", "14", "tỉnh Sơn La", 0),
    "tuyen_quang": ("Xã Tân Trào", "Huyện Sơn Dương", "08", "tỉnh Tuyên Quang", 0),
    "dak_lak": ("Xã Ea Tu", "Thành phố Buôn Ma Thuột", "66", "tỉnh Đắk Lắk", 0),
}
#: Places of birth inside Hà Nội (districts that existed when these people were born).
_HANOI_BIRTH = (
    ("Phường Kim Liên", "Quận Đống Đa"), ("Phường Bạch Mai", "Quận Hai Bà Trưng"),
    ("Phường Kim Mã", "Quận Ba Đình"), ("Phường Hàng Bông", "Quận Hoàn Kiếm"),
    ("Phường Phương Mai", "Quận Đống Đa"), ("Phường Đồng Nhân", "Quận Hai Bà Trưng"),
)
#: Wards of Hà Nội after 01/07/2025 with streets, for the current residence (item 10).
_WARDS = (
    ("Ô Chợ Dừa", ("Hào Nam", "Xã Đàn", "Đê La Thành")), ("Kim Liên", ("Phạm Ngọc Thạch", "Đào Duy Anh")),
    ("Láng", ("Láng", "Nguyễn Chí Thanh")), ("Cầu Giấy", ("Trần Duy Hưng", "Cầu Giấy")),
    ("Yên Hòa", ("Trung Kính", "Nguyễn Khang")), ("Thanh Xuân", ("Nguyễn Trãi", "Khương Trung")),
    ("Hoàng Mai", ("Tam Trinh", "Giải Phóng")), ("Long Biên", ("Nguyễn Văn Cừ", "Ngọc Lâm")),
    ("Ngọc Hà", ("Đội Cấn", "Liễu Giai")), ("Bạch Mai", ("Bạch Mai", "Minh Khai")),
    ("Hà Đông", ("Quang Trung", "Tô Hiệu")), ("Tây Hồ", ("Lạc Long Quân", "Âu Cơ")),
    ("Hoàn Kiếm", ("Hàng Bạc", "Hàng Đào")), ("Nghĩa Đô", ("Hoàng Quốc Việt", "Nghĩa Tân")),
)
_APARTMENTS = (("tòa CT2, khu đô thị Xa La", "Hà Đông"), ("tòa N04, khu đô thị Trung Hòa - Nhân Chính", "Yên Hòa"),
               ("tòa T5, khu đô thị Times City", "Vĩnh Tuy"), ("tòa HH1, khu đô thị Linh Đàm", "Hoàng Liệt"),
               ("tòa B2, khu đô thị Mỹ Đình II", "Từ Liêm"))

# --------------------------------------------------------------------------- profiles of units


@dataclass(frozen=True)
class _Profile:
    key: str
    category: str
    #: Ngạch / chức danh nghề nghiệp: entry rank first, then the promotions.
    ladder: tuple[str, ...]
    head: tuple[str, str]  # position title, phụ cấp chức vụ coefficient
    deputy: tuple[str, str]
    #: (institution, major) of the first degree, its length in years, (institution, major) of masters.
    degrees: tuple[tuple[str, str], ...]
    degree_years: int
    masters: tuple[tuple[str, str], ...]
    #: (unit as written in the work history, recruiting agency) of earlier jobs.
    earlier: tuple[tuple[str, str], ...]
    female: float
    #: ưu đãi nghề (%) for teachers and health staff.
    incentive: int | None = None
    staff_titles: tuple[str, ...] = ()


_LAW = (("Trường Đại học Luật Hà Nội", "Luật"), ("Học viện Hành chính Quốc gia", "Quản lý nhà nước"),
        ("Trường Đại học Nội vụ Hà Nội", "Quản trị nhân lực"), ("Trường Đại học Kinh tế Quốc dân", "Kinh tế"),
        ("Học viện Tài chính", "Tài chính - Ngân hàng"), ("Học viện Tài chính", "Kế toán"),
        ("Trường Đại học Khoa học Xã hội và Nhân văn - ĐHQG Hà Nội", "Xã hội học"),
        ("Trường Đại học Thương mại", "Quản trị kinh doanh"),
        ("Trường Đại học Bách khoa Hà Nội", "Công nghệ thông tin"),
        ("Trường Đại học Tài nguyên và Môi trường Hà Nội", "Quản lý đất đai"),
        ("Trường Đại học Xây dựng", "Xây dựng dân dụng và công nghiệp"),
        ("Học viện Báo chí và Tuyên truyền", "Chính trị học"))
_LAW_MASTERS = (("Học viện Hành chính Quốc gia", "Quản lý công"), ("Trường Đại học Luật Hà Nội", "Luật kinh tế"),
                ("Trường Đại học Kinh tế Quốc dân", "Quản lý kinh tế"),
                ("Học viện Tài chính", "Tài chính - Ngân hàng"))
_CITY_EARLIER = (
    ("Phòng Nội vụ huyện Sóc Sơn", "UBND huyện Sóc Sơn"),
    ("UBND xã Phù Đổng, huyện Gia Lâm", "UBND huyện Gia Lâm"),
    ("Phòng Tài chính - Kế hoạch huyện Đông Anh", "UBND huyện Đông Anh"),
    ("Văn phòng HĐND và UBND quận Cầu Giấy", "UBND quận Cầu Giấy"),
    ("Sở Kế hoạch và Đầu tư", "Sở Kế hoạch và Đầu tư Hà Nội"),
    ("Sở Lao động - Thương binh và Xã hội", "Sở Lao động - Thương binh và Xã hội Hà Nội"),
    ("Thanh tra thành phố Hà Nội", "Thanh tra thành phố Hà Nội"),
    ("UBND phường Kim Liên, quận Đống Đa", "UBND quận Đống Đa"),
)
_MED = (("Trường Đại học Y Hà Nội", "Bác sĩ đa khoa"), ("Học viện Quân y", "Bác sĩ đa khoa"),
        ("Trường Đại học Y Dược Thái Bình", "Bác sĩ đa khoa"),
        ("Trường Đại học Y Dược - ĐHQG Hà Nội", "Bác sĩ đa khoa"),
        ("Trường Đại học Y Dược Hải Phòng", "Bác sĩ đa khoa"))
_MED_MASTERS = (("Trường Đại học Y Hà Nội", "Nội khoa"), ("Trường Đại học Y Hà Nội", "Ngoại khoa"),
                ("Trường Đại học Y Hà Nội", "Hồi sức cấp cứu"), ("Học viện Quân y", "Ngoại khoa"))
_MED_EARLIER = (("Bệnh viện Đa khoa huyện Sóc Sơn", "Sở Y tế Hà Nội"),
                ("Trung tâm Y tế huyện Đông Anh", "Sở Y tế Hà Nội"),
                ("Bệnh viện Đa khoa Đức Giang", "Sở Y tế Hà Nội"),
                ("Bệnh viện Đa khoa Hà Đông", "Sở Y tế Hà Nội"))
_EDU_MASTERS = (("Trường Đại học Sư phạm Hà Nội", "Lý luận và phương pháp dạy học bộ môn"),
                ("Trường Đại học Giáo dục - ĐHQG Hà Nội", "Quản lý giáo dục"))

PROFILES = {
    "city": _Profile("city", "cong_chuc", ("01.003", "01.002"), ("Trưởng phòng", "0.60"),
                     ("Phó Trưởng phòng", "0.40"), _LAW, 4, _LAW_MASTERS, _CITY_EARLIER, 0.55),
    "city_sub": _Profile("city_sub", "cong_chuc", ("01.003", "01.002"), ("Trưởng phòng", "0.30"),
                         ("Phó Trưởng phòng", "0.20"), _LAW, 4, _LAW_MASTERS, _CITY_EARLIER, 0.55),
    "agency_leader": _Profile("agency_leader", "cong_chuc", ("V.08.01.03", "V.08.01.02", "01.002", "01.001"),
                              ("Giám đốc Sở", "1.00"), ("Phó Giám đốc Sở", "0.80"), _MED, 6, _MED_MASTERS,
                              _MED_EARLIER, 0.3),
    "district": _Profile("district", "cong_chuc", ("01.003", "01.002"), ("Trưởng phòng", "0.40"),
                         ("Phó Trưởng phòng", "0.25"), _LAW, 4, _LAW_MASTERS, _CITY_EARLIER, 0.55),
    "commune": _Profile("commune", "cong_chuc", ("01.003",), ("Chủ tịch UBND", "0.25"),
                        ("Phó Chủ tịch UBND", "0.20"), _LAW, 4, _LAW_MASTERS[:1], _CITY_EARLIER[:3], 0.5,
                        staff_titles=("Công chức Văn phòng - Thống kê", "Công chức Tư pháp - Hộ tịch",
                                      "Công chức Tài chính - Kế toán", "Công chức Văn hóa - Xã hội",
                                      "Công chức Địa chính - Xây dựng - Đô thị và Môi trường")),
    "hospital": _Profile("hospital", "vien_chuc", ("V.08.01.03", "V.08.01.02", "V.08.01.01"),
                         ("Trưởng khoa", "0.70"), ("Phó Trưởng khoa", "0.50"), _MED, 6, _MED_MASTERS,
                         _MED_EARLIER, 0.5, incentive=40),
    "hospital_admin": _Profile("hospital_admin", "vien_chuc", ("01.003", "01.002"), ("Trưởng phòng", "0.60"),
                               ("Phó Trưởng phòng", "0.40"), _LAW[:3], 4, _LAW_MASTERS[:1], _MED_EARLIER, 0.6),
    "thpt": _Profile("thpt", "vien_chuc", ("V.07.05.15", "V.07.05.14", "V.07.05.13"),
                     ("Tổ trưởng chuyên môn", "0.20"), ("Tổ phó chuyên môn", "0.15"), (), 4, _EDU_MASTERS,
                     (("Trường THPT Sóc Sơn", "Sở Giáo dục và Đào tạo Hà Nội"),
                      ("Trường THPT Yên Hòa", "Sở Giáo dục và Đào tạo Hà Nội"),
                      ("Trường THPT Việt Đức", "Sở Giáo dục và Đào tạo Hà Nội")), 0.7, incentive=30),
    "primary": _Profile("primary", "vien_chuc", ("V.07.03.29", "V.07.03.28"), ("Hiệu trưởng", "0.50"),
                        ("Phó Hiệu trưởng", "0.35"),
                        (("Trường Đại học Sư phạm Hà Nội", "Giáo dục Tiểu học"),
                         ("Trường Đại học Thủ đô Hà Nội", "Giáo dục Tiểu học"),
                         ("Trường Đại học Sư phạm Hà Nội 2", "Giáo dục Tiểu học")), 4, _EDU_MASTERS[1:],
                        (("Trường Tiểu học Phù Đổng", "UBND huyện Gia Lâm"),
                         ("Trường Tiểu học Kiêu Kỵ", "UBND huyện Gia Lâm")), 0.85, incentive=35),
    "thcs": _Profile("thcs", "vien_chuc", ("V.07.04.32", "V.07.04.31"), ("Hiệu trưởng", "0.55"),
                     ("Phó Hiệu trưởng", "0.45"),
                     (("Trường Đại học Sư phạm Hà Nội", "Sư phạm Toán học"),
                      ("Trường Đại học Sư phạm Hà Nội", "Sư phạm Ngữ văn"),
                      ("Trường Đại học Sư phạm Hà Nội 2", "Sư phạm Vật lý"),
                      ("Trường Đại học Ngoại ngữ - ĐHQG Hà Nội", "Sư phạm Tiếng Anh")), 4, _EDU_MASTERS,
                     (("Trường THCS Dương Xá", "UBND huyện Gia Lâm"),
                      ("Trường THCS Cổ Bi", "UBND huyện Gia Lâm")), 0.7, incentive=30),
    "lecturer": _Profile("lecturer", "vien_chuc", ("V.07.01.03", "V.07.01.02"), ("Trưởng bộ môn", "0.25"),
                         ("Phó Trưởng bộ môn", "0.15"),
                         (("Trường Đại học Y Hà Nội", "Điều dưỡng"), ("Trường Đại học Điều dưỡng Nam Định",
                                                                       "Điều dưỡng")), 4,
                         (("Trường Đại học Y Hà Nội", "Điều dưỡng"), ("Trường Đại học Thăng Long", "Điều dưỡng")),
                         _MED_EARLIER[2:], 0.75, incentive=40),
    "college_admin": _Profile("college_admin", "vien_chuc", ("01.003", "01.002"), ("Trưởng phòng", "0.45"),
                              ("Phó Trưởng phòng", "0.35"), _LAW[:4], 4, _EDU_MASTERS[1:], _CITY_EARLIER[4:6],
                              0.6),
    "archive": _Profile("archive", "vien_chuc", ("01.003", "01.002"), ("Giám đốc Trung tâm", "0.40"),
                        ("Phó Giám đốc Trung tâm", "0.30"),
                        (("Trường Đại học Khoa học Xã hội và Nhân văn - ĐHQG Hà Nội",
                          "Lưu trữ học và Quản trị văn phòng"), ("Trường Đại học Nội vụ Hà Nội", "Lưu trữ học")),
                        4, _LAW_MASTERS[:1], _CITY_EARLIER[4:], 0.65),
    "association": _Profile("association", "vien_chuc", ("01.003", "01.002"), ("Phó Chủ tịch Thường trực Hội",
                                                                                 "0.70"),
                            ("Phó Chủ tịch Hội", "0.50"),
                            (("Trường Đại học Lao động - Xã hội", "Công tác xã hội"),
                             ("Trường Đại học Khoa học Xã hội và Nhân văn - ĐHQG Hà Nội", "Xã hội học")),
                            4, _LAW_MASTERS[:1], _CITY_EARLIER[5:7], 0.6),
}

_SUBJECTS = {  # tổ chuyên môn -> (subject, degree major)
    "Tổ Toán - Tin": (("Toán học", "Sư phạm Toán học"), ("Tin học", "Sư phạm Tin học")),
    "Tổ Ngữ văn": (("Ngữ văn", "Sư phạm Ngữ văn"),),
    "Tổ Khoa học tự nhiên": (("Vật lý", "Sư phạm Vật lý"), ("Hóa học", "Sư phạm Hóa học"),
                             ("Sinh học", "Sư phạm Sinh học")),
}
_EDU_SCHOOLS = ("Trường Đại học Sư phạm Hà Nội", "Trường Đại học Sư phạm Hà Nội 2",
                "Trường Đại học Giáo dục - ĐHQG Hà Nội", "Trường Đại học Sư phạm - Đại học Thái Nguyên")

RANK_TITLES = {
    "01.001": "Chuyên viên cao cấp", "01.002": "Chuyên viên chính", "01.003": "Chuyên viên", "01.004": "Cán sự",
    "01.005": "Nhân viên", "06.030": "Kế toán viên chính", "06.031": "Kế toán viên",
    "V.08.01.01": "Bác sĩ cao cấp", "V.08.01.02": "Bác sĩ chính", "V.08.01.03": "Bác sĩ",
    "V.07.05.13": "Giáo viên", "V.07.05.14": "Giáo viên", "V.07.05.15": "Giáo viên",
    "V.07.04.30": "Giáo viên", "V.07.04.31": "Giáo viên", "V.07.04.32": "Giáo viên",
    "V.07.03.27": "Giáo viên", "V.07.03.28": "Giáo viên", "V.07.03.29": "Giáo viên",
    "V.07.01.02": "Giảng viên chính", "V.07.01.03": "Giảng viên",
}

#: Keyword of a unit's name -> (job position domain, main duties).
_DUTIES = (
    ("Tổ chức cán bộ", "tổ chức cán bộ",
     "Tham mưu công tác tổ chức bộ máy, quản lý hồ sơ cán bộ, công chức, viên chức; theo dõi nâng bậc lương, "
     "thực hiện chế độ, chính sách và cập nhật cơ sở dữ liệu cán bộ, công chức, viên chức."),
    ("Tổ chức, biên chế", "tổ chức bộ máy, biên chế",
     "Thẩm định đề án vị trí việc làm, biên chế; tổ chức bộ máy các cơ quan, đơn vị; quản lý hội, "
     "tổ chức phi chính phủ."),
    ("Công chức, viên chức", "quản lý công chức, viên chức",
     "Thẩm định hồ sơ tuyển dụng, nâng ngạch, thăng hạng; quản lý cơ sở dữ liệu cán bộ, công chức, viên chức "
     "của Thành phố."),
    ("Cải cách hành chính", "cải cách hành chính",
     "Theo dõi, đánh giá chỉ số cải cách hành chính; kiểm tra công vụ; kiểm soát thủ tục hành chính."),
    ("Thi đua", "thi đua, khen thưởng", "Hướng dẫn, theo dõi phong trào thi đua; tổng hợp kết quả thi đua."),
    ("Khen thưởng", "thi đua, khen thưởng",
     "Thẩm định hồ sơ đề nghị khen thưởng; quản lý hồ sơ khen thưởng; theo dõi hiện vật khen thưởng."),
    ("Quản lý ngân sách", "quản lý ngân sách",
     "Lập, phân bổ và theo dõi dự toán ngân sách Thành phố; thẩm tra quyết toán ngân sách."),
    ("Tài chính doanh nghiệp", "tài chính doanh nghiệp",
     "Quản lý tài chính doanh nghiệp nhà nước; thẩm định phương án sắp xếp, cổ phần hóa doanh nghiệp."),
    ("Hành chính tư pháp", "hành chính tư pháp",
     "Quản lý hộ tịch, quốc tịch, chứng thực, lý lịch tư pháp; hướng dẫn nghiệp vụ cho cấp xã."),
    ("Hành chính - Tổ chức", "hành chính, tổ chức",
     "Công tác hành chính, văn thư, tổ chức cán bộ của Văn phòng; quản lý tài sản, trang thiết bị."),
    ("Tổng hợp", "tổng hợp",
     "Tổng hợp, báo cáo tình hình kinh tế - xã hội; theo dõi việc thực hiện chỉ đạo của UBND Thành phố."),
    ("Tài chính - Kế hoạch", "tài chính, kế hoạch",
     "Quản lý ngân sách, kế hoạch đầu tư công của quận; thẩm định dự toán các đơn vị."),
    ("Nội vụ", "nội vụ",
     "Tổ chức bộ máy, công chức cấp huyện và cấp xã; thi đua, khen thưởng; văn thư, lưu trữ; tôn giáo."),
    ("Văn phòng", "văn phòng",
     "Tổng hợp, văn thư, lưu trữ; quản lý tài chính, tài sản; công tác hành chính, quản trị của cơ quan."),
    ("Khoa Nội", "bác sĩ nội khoa",
     "Khám, chẩn đoán và điều trị người bệnh nội khoa; trực chuyên môn theo lịch; hướng dẫn thực hành lâm "
     "sàng cho học viên."),
    ("Khoa Ngoại", "bác sĩ ngoại khoa",
     "Khám, chẩn đoán, phẫu thuật và điều trị người bệnh ngoại khoa; trực phẫu thuật theo lịch."),
    ("Khoa Cấp cứu", "bác sĩ cấp cứu",
     "Tiếp nhận, cấp cứu và điều trị ban đầu người bệnh; điều phối chuyển khoa; trực cấp cứu 24/24 giờ."),
    ("Phòng Đào tạo", "quản lý đào tạo",
     "Xây dựng kế hoạch đào tạo, quản lý chương trình và tiến độ đào tạo; tổ chức thi, cấp văn bằng, "
     "chứng chỉ."),
    ("Bộ môn", "giảng viên điều dưỡng",
     "Giảng dạy học phần Điều dưỡng cơ bản; hướng dẫn thực hành lâm sàng; nghiên cứu khoa học."),
    ("Lưu trữ", "lưu trữ",
     "Thu thập, chỉnh lý, bảo quản tài liệu lưu trữ lịch sử; số hóa tài liệu; phục vụ khai thác tài liệu."),
    ("Chữ thập đỏ", "công tác xã hội, nhân đạo",
     "Vận động nguồn lực nhân đạo; tổ chức hiến máu tình nguyện, trợ giúp nhân đạo và sơ cấp cứu cộng đồng."),
    ("Trường Tiểu học", "giáo viên tiểu học",
     "Giảng dạy các môn học lớp {grade}, chủ nhiệm lớp {grade}A{cls}; bồi dưỡng học sinh, phối hợp với cha mẹ "
     "học sinh."),
    ("Trường THCS", "giáo viên trung học cơ sở",
     "Giảng dạy môn {subject} khối {grade}; chủ nhiệm lớp {grade}A{cls}; bồi dưỡng học sinh giỏi."),
    ("Tổ ", "giáo viên trung học phổ thông",
     "Giảng dạy môn {subject} lớp {grade}; chủ nhiệm lớp {grade}A{cls}; bồi dưỡng học sinh giỏi cấp Thành phố."),
)
_COMMUNE_DEGREES = {
    "Công chức Văn phòng - Thống kê": ("Trường Đại học Nội vụ Hà Nội", "Quản trị văn phòng"),
    "Công chức Tư pháp - Hộ tịch": ("Trường Đại học Luật Hà Nội", "Luật"),
    "Công chức Tài chính - Kế toán": ("Học viện Tài chính", "Kế toán"),
    "Công chức Văn hóa - Xã hội": ("Trường Đại học Văn hóa Hà Nội", "Quản lý văn hóa"),
    "Công chức Địa chính - Xây dựng - Đô thị và Môi trường": ("Trường Đại học Tài nguyên và Môi trường Hà Nội",
                                                              "Quản lý đất đai"),
}
_COMMUNE_DUTIES = {
    "Công chức Văn phòng - Thống kê": "Văn phòng, thống kê, tổng hợp; tiếp nhận và trả kết quả thủ tục hành chính.",
    "Công chức Tư pháp - Hộ tịch": "Đăng ký hộ tịch, chứng thực; phổ biến, giáo dục pháp luật; hòa giải ở cơ sở.",
    "Công chức Tài chính - Kế toán": "Lập dự toán, quyết toán ngân sách phường; kế toán, quản lý tài sản công.",
    "Công chức Văn hóa - Xã hội": "Văn hóa, thông tin, thể thao; lao động, thương binh và xã hội; giảm nghèo.",
    "Công chức Địa chính - Xây dựng - Đô thị và Môi trường":
        "Quản lý đất đai, trật tự xây dựng, đô thị và môi trường trên địa bàn.",
}


# --------------------------------------------------------------------------- the fixed people

#: Logins of the demo city linked to a file: username -> (unit code prefix, họ, đệm, tên, sex, role).
#: ``annv.syt`` is the self-service user (its file is complete); ``syt.tccb`` and ``syt.thutruong`` have
#: files too, so that "nobody approves their own change" can be shown.
LINKED_ACCOUNTS = {
    "annv.syt": ("000.02.18", "Nguyễn", "Văn", "An", "nam", "staff"),
    "syt.tccb": ("000.02.18", "Lê", "Anh", "Dũng", "nam", "deputy"),
    "syt.thutruong": ("000.00.18", "Vũ", "Đức", "Thắng", "nam", "head"),
}

#: Names that are hard on purpose: (unit code prefix, họ, đệm, tên, sex, ethnicity, religion, home place).
HARD_CASES = (
    # D < Đ: "Đặng Văn Đức" sorts under Đ, after every D (Dũng, Duy, Dương).
    ("000.03.09", "Đặng", "Văn", "Đức", "nam", "01", "00", None),
    # Compound family name: split_name() finds "Tôn Nữ".
    ("002.03.03", "Tôn Nữ", "Thị", "Hà", "nu", "01", "02", "hue"),
    # Old and new tone placement: two different people whose names sort and search alike.
    ("001.03.18", "Nguyễn", "Thị", "Hoà", "nu", "01", "00", None),
    ("001.03.18", "Nguyễn", "Thị", "Hòa", "nu", "01", "00", None),
    # Ê Đê name: personal name "Moan" after the prefix "Y", clan name "Ênuôl" last. split_name() does not
    # guess ("", "", "Y Moan Ênuôl"); an officer stores the clan name as họ and "Y" as đệm, so the list
    # sorts the person under the personal name like everybody else.
    ("001.04.18", "Ênuôl", "Y", "Moan", "nam", "12", "03", "dak_lak"),
    # Two-word Chinese-origin family name.
    ("001.03.03", "Âu Dương", "Minh", "Khang", "nam", "01", "00", None),
)

#: Files in the archive: (unit code prefix, sex, status, reason text of the decision).
_ARCHIVED = (
    ("000.01.02", "nam", "retired", "nghỉ hưu"),
    ("001.03.18", "nu", "retired", "nghỉ hưu"),
    ("000.03.41", "nu", "resigned", "thôi việc"),
    ("001.02.55", "nam", "deceased", None),
)


# --------------------------------------------------------------------------- helpers


def _m(d: date) -> int:
    """Month index of a date (year × 12 + month − 1)."""
    return d.year * 12 + d.month - 1


def _ms(i: int) -> str:
    """Month index -> "YYYY-MM"."""
    return "%04d-%02d" % (i // 12, i % 12 + 1)


def _md(i: int, day: int = 1) -> date:
    """Month index -> a date in that month."""
    return date(i // 12, i % 12 + 1, day)


def _years(d: date, years: int) -> date:
    """``d`` moved by whole years (29/02 -> 28/02)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def retirement_date(birth: date, sex: str) -> date:
    """First day of the month after reaching the retirement age of NĐ 135/2020/NĐ-CP (normal conditions).

    Men: 60 years 3 months in 2021, + 3 months a year up to 62; women: 55 years 4 months in 2021, + 4 months a
    year up to 60. The age is the one of the year the person reaches it.
    """
    for year in range(birth.year + 55, birth.year + 63):
        if sex == "nam":
            months = 62 * 12 if year >= 2028 else 60 * 12 + 3 * max(1, year - 2020)
        else:
            months = 60 * 12 if year >= 2035 else 55 * 12 + 4 * max(1, year - 2020)
        reached = _m(birth) + months
        if reached // 12 == year:
            return _md(reached + 1)
    raise ValueError(birth)


def _pick(rng: random.Random, weighted):
    """One item of ``((value, weight), ...)``."""
    values = [v for v, _w in weighted]
    weights = [w for _v, w in weighted]
    return rng.choices(values, weights)[0]


@dataclass(frozen=True)
class _Unit:
    code: str
    name: str
    unit_type: str
    short_name: str | None
    parent: _Unit | None

    def ancestors(self):
        u = self.parent
        while u is not None:
            yield u
            u = u.parent

    @property
    def level2(self) -> _Unit:
        """The sở / quận / trường / hội under the city this unit belongs to (itself at that level)."""
        chain = [self, *self.ancestors()]
        return chain[-2] if len(chain) >= 2 else self

    @property
    def written(self) -> str:
        """The unit as written in a work history: "Khoa Nội tổng hợp, Bệnh viện Đa khoa Xanh Pôn"."""
        parts = [self.name]
        u = self
        while u.unit_type not in ("so_nganh", "ubnd_huyen", "dvsn", "hoi", "ubnd_xa", "ubnd_tp") and u.parent:
            u = u.parent
            if u.unit_type == "ubnd_tp":
                break
            if _core(u.name) not in ", ".join(parts):
                parts.append(u.name)
        top = self.level2
        if self.unit_type in ("ubnd_xa", "dvsn") and top.unit_type == "ubnd_huyen" and _core(top.name) not in \
                ", ".join(parts):
            parts.append(_core(top.name))
        return ", ".join(parts)

    @property
    def employer(self) -> str:
        """The agency that recruits staff of this unit (item 13)."""
        for u in (self, *self.ancestors()):
            if u.unit_type == "dvsn" and u.name.startswith("Bệnh viện"):
                return u.name  # public hospitals recruit their own viên chức
        top = self.level2
        return _city(top.name) if top.unit_type == "so_nganh" else top.name

    @property
    def issuer(self) -> str:
        """Who signs the unit's decisions and giấy khen: "Giám đốc Sở Y tế", "Chủ tịch UBND quận Ba Đình"."""
        top = self.level2
        if top.unit_type == "so_nganh":
            return ("Chánh " + top.name) if top.name.startswith("Văn phòng") else ("Giám đốc " + top.name)
        if top.unit_type == "dvsn":
            return "Hiệu trưởng " + top.name
        return "Chủ tịch " + top.name

    @property
    def decision_suffix(self) -> str:
        """"QĐ-SYT", "QĐ-UBND" … of the unit's decisions."""
        top = self.level2
        if top.unit_type in ("ubnd_huyen", "ubnd_tp") or not top.short_name:
            return "QĐ-UBND"
        return "QĐ-" + {"CĐYT HN": "CĐYT", "Hội CTĐ": "HCTĐ", "VP UBND": "VP"}.get(top.short_name, top.short_name)


def _lower1(text: str) -> str:
    """First letter in lower case, for a name inside a sentence ("Huyện Gia Lâm" -> "huyện Gia Lâm")."""
    return text[:1].lower() + text[1:]


def _core(name: str) -> str:
    return name.removeprefix("UBND ").strip()


def _city(name: str) -> str:
    return name if "Hà Nội" in name or "Thành phố" in name else f"{name} Hà Nội"


def _units(demo_units: list[dict]) -> dict[str, _Unit]:
    out: dict[str, _Unit] = {}
    for spec in demo_units:  # parents come first in DEMO_UNITS
        parent = out.get(spec["parent_code"]) if spec["parent_code"] else None
        out[spec["code"]] = _Unit(spec["code"], spec["name"], spec["unit_type"], spec.get("short_name"), parent)
    return out


def _profile_key(unit: _Unit) -> str:
    names = [u.name for u in (unit, *unit.ancestors())]
    if unit.unit_type == "hoi":
        return "association"
    if unit.unit_type == "ubnd_xa":
        return "commune"
    if unit.unit_type == "so_nganh":
        return "agency_leader"
    if any(n.startswith("Bệnh viện") for n in names):
        return "hospital" if unit.name.startswith("Khoa") else "hospital_admin"
    if any(n.startswith("Trường THPT") for n in names):
        return "thpt"
    if unit.name.startswith("Trường Tiểu học"):
        return "primary"
    if unit.name.startswith("Trường THCS"):
        return "thcs"
    if any(n.startswith("Trường Cao đẳng") for n in names):
        return "lecturer" if unit.name.startswith(("Bộ môn", "Khoa")) else "college_admin"
    if "Lưu trữ" in unit.name and unit.unit_type == "dvsn":
        return "archive"
    if unit.level2.unit_type == "ubnd_huyen":
        return "district"
    return "city_sub" if unit.parent and unit.parent.unit_type == "phong_ban" else "city"


# --------------------------------------------------------------------------- the generator


class _Gen:
    """Builds people one at a time from one random stream (the order of calls is the seed's contract)."""

    def __init__(self, scale: SalaryScale, seed: int, as_of: date):
        self.rng = random.Random(seed)
        self.scale = scale
        self.as_of = as_of
        self.cccds: set[str] = set()
        self.bhxh: set[str] = set()
        self.file_no = 0
        self.decision_no = 100

    # ----------------------------------------------------------------- small draws

    def name(self, sex: str, family: str | None = None) -> tuple[str, str, str]:
        """(họ, đệm, tên) for ``sex``; the family name drawn by frequency unless given."""
        r = self.rng
        family = family or _pick(r, FAMILY_NAMES)
        middle = _pick(r, _MIDDLE[sex])
        given = r.choice(_GIVEN[sex])
        while given in middle.split():
            given = r.choice(_GIVEN[sex])
        return family, middle, given

    def place(self, key: str | None = None) -> tuple[str, str, str, str]:
        """(commune, district, old province code, province as written) of ``key`` or of a weighted draw."""
        if key is None:
            key = _pick(self.rng, [(k, v[4]) for k, v in _PLACES.items() if v[4]])
        commune, district, code, province, _w = _PLACES[key]
        return commune, district, code, province

    def date_in(self, first: date, last: date) -> date:
        """A day between ``first`` and ``last`` (inclusive)."""
        if last <= first:
            return first
        return first + timedelta(days=self.rng.randint(0, (last - first).days))

    def cccd(self, province: str, birth: date, sex: str) -> str:
        """A unique CCCD number ``0PP G YY RRRRRR`` agreeing with the birth province, century, sex and year."""
        digit = (birth.year // 100 - 19) * 2 + (0 if sex == "nam" else 1)
        while True:
            number = "0%s%d%02d%06d" % (province, digit, birth.year % 100, self.rng.randint(0, 999_999))
            if number not in self.cccds:
                self.cccds.add(number)
                return number

    def phone(self) -> str:
        """A Vietnamese mobile number (10 digits, real network prefixes)."""
        prefix = self.rng.choice(("090", "091", "093", "094", "096", "097", "098", "086", "088", "032", "033",
                                  "035", "036", "037", "038", "039", "070", "077", "081", "083", "084", "085"))
        return prefix + "%07d" % self.rng.randint(0, 9_999_999)

    def bhxh_no(self) -> str:
        """A unique 10-digit social-insurance number issued in Hà Nội."""
        while True:
            number = "01%08d" % self.rng.randint(0, 99_999_999)
            if number not in self.bhxh:
                self.bhxh.add(number)
                return number

    def residence(self) -> str:
        """A current address in Hà Nội (wards after 01/07/2025)."""
        r = self.rng
        ward, streets = r.choice(_WARDS)
        if r.random() < 0.35:
            building, area = r.choice(_APARTMENTS)
            return f"Căn hộ {r.randint(3, 28)}{r.randint(1, 20):02d}, {building}, phường {area}, thành phố Hà Nội"
        house = r.randint(2, 150)
        if r.random() < 0.6:
            return f"Số {house}, ngõ {r.randint(5, 300)} phố {r.choice(streets)}, phường {ward}, thành phố Hà Nội"
        return f"Số {house} phố {r.choice(streets)}, phường {ward}, thành phố Hà Nội"

    # ----------------------------------------------------------------- one person

    def person(self, unit: _Unit, role: str, *, sex: str | None = None, name=None, ethnicity: str | None = None,
               religion: str | None = None, home: str | None = None, account: str | None = None,
               archive: tuple[str, str | None] | None = None, complete: bool = False) -> PersonSpec:
        """One full file in ``unit`` for ``role`` (head, deputy, staff, tap_su); keywords fix what is given.

        ``archive`` = (status, reason) puts the file in the archive; ``complete`` forbids the random gaps and
        the discipline (the linked accounts' files).
        """
        r = self.rng
        profile = PROFILES[_profile_key(unit)]
        if unit.unit_type == "so_nganh":
            role = "head" if role == "staff" else role
        tap_su = role == "tap_su"
        sex = sex or ("nu" if r.random() < profile.female else "nam")

        # Ethnicity and home place (quê quán) go together for minorities.
        if ethnicity is None:
            ethnicity = "01" if r.random() < 0.93 else r.choice(sorted(_MINORITIES))
        if home is None:
            home = r.choice(_MINORITIES[ethnicity][1]) if ethnicity in _MINORITIES else None
        commune, district, home_code, home_province = self.place(home)
        if name is None:
            family = r.choice(_MINORITIES[ethnicity][0]) if ethnicity in _MINORITIES else None
            name = self.name(sex, family)
        family, middle, given = name
        if religion is None:
            religion = _pick(r, (("00", 86), ("02", 7), ("01", 6), ("04", 1)))

        # Age by role; the career end is today, or the day the file went to the archive.
        until = self.as_of
        status = "active"
        if archive is not None:
            status = archive[0]
        ages = {"head": (42, 58), "deputy": (35, 55), "staff": (24, 57), "tap_su": (24, 28)}[role]
        if profile.degree_years == 6:
            ages = (max(ages[0], 26), ages[1])
        max_age = 60 if sex == "nam" else 56
        if status == "retired":
            birth = self.date_in(date(1963, 1, 1), date(1964, 6, 30)) if sex == "nam" else \
                self.date_in(date(1968, 1, 1), date(1969, 1, 31))
            until = retirement_date(birth, sex)
        else:
            age = r.randint(ages[0], min(ages[1], max_age))
            birth = self.date_in(_years(self.as_of, -age - 1) + timedelta(days=1), _years(self.as_of, -age))
            if status == "resigned":
                birth = _years(birth, -3)
                until = date(2025, 1, 1)
            elif status == "deceased":
                until = self.date_in(date(2025, 8, 1), date(2026, 3, 31))
        precision = "month" if birth.year < 1976 and r.random() < 0.12 else "day"
        if precision == "month":
            birth = birth.replace(day=1)

        # Military service for ~10 % of men, then the degree.
        military = sex == "nam" and not tap_su and profile.degree_years == 4 and _age(birth, until) >= 32 and \
            r.random() < 0.12
        enlisted = discharged = None
        study_start = _m(birth) + 18 * 12
        study_start = (study_start // 12) * 12 + 8  # September of the year the person turns 18
        if military:
            # Enlisted in February, discharged 18 months later, at university from the next September.
            enlisted = _md(study_start + 5, r.choice((10, 15, 20)))
            discharged = _md(study_start + 23, r.randint(1, 28))
            study_start = _m(discharged) + 1
        degree_end = study_start + profile.degree_years * 12 - 3  # June
        # Recruitment: a few months to a few years after the degree.
        if tap_su:
            recruited_m = _m(until) - r.randint(2, 10)
            if degree_end > recruited_m - 8:
                degree_end = recruited_m - 8
                study_start = degree_end - profile.degree_years * 12 + 3
        else:
            gap = r.choice((2, 3, 4, 6, 9, 12, 15, 24, 30))
            recruited_m = degree_end + gap
            if recruited_m > _m(until) - 15:
                recruited_m = _m(until) - 15
        recruited_on = _md(recruited_m, r.choice((1, 1, 1, 15, r.randint(2, 28))))

        # Ranks: entry rank, and promotions for the senior.
        ladder = list(profile.ladder)
        rank_entry = ladder[0]
        accountant = profile.key == "city" and unit.name.startswith("Văn phòng") and role == "staff" and \
            r.random() < 0.4
        if accountant:
            ladder = ["06.031", "06.030"]
            rank_entry = "06.031"
        subject = None
        degree = r.choice(profile.degrees) if profile.degrees else None
        staff_title = r.choice(profile.staff_titles) if profile.staff_titles else None
        if staff_title:
            degree = _COMMUNE_DEGREES[staff_title]
        if profile.key == "thpt":
            subject, major = r.choice(_SUBJECTS.get(unit.name, (("Toán học", "Sư phạm Toán học"),)))
            degree = (r.choice(_EDU_SCHOOLS), major)
        elif profile.key == "thcs" and degree is not None:
            subject = degree[1].removeprefix("Sư phạm ").replace("Toán học", "Toán")
        if accountant:
            degree = ("Học viện Tài chính", "Kế toán")
        if home == "dak_lak":
            degree = ("Trường Đại học Tây Nguyên", "Bác sĩ đa khoa")

        years_served = (_m(until) - recruited_m) / 12
        # Moves between agencies and appointments in the current unit.
        moves: list[int] = []
        if not tap_su:
            n_moves = 0
            if years_served >= 8:
                n_moves = _pick(r, ((0, 4), (1, 4), (2, 2)))
            if years_served >= 16:
                n_moves = _pick(r, ((0, 3), (1, 4), (2, 3), (3, 1)))
            last = _m(until) - (84 if role == "head" else 48 if role == "deputy" else 24)
            first = recruited_m + 24
            if n_moves and last > first + 24 * n_moves:
                cuts = sorted(r.sample(range(first, last), n_moves))
                for c in cuts:
                    if not moves or c - moves[-1] >= 24:
                        moves.append(c)
            if profile.key == "agency_leader":
                # From a hospital to the Sở: one move, 12 to 16 years into the career.
                moves = [min(recruited_m + r.randint(144, 192), _m(until) - 90)]
        joined_m = moves[-1] if moves else recruited_m
        appoint: list[tuple[int, str, str]] = []  # (month, title, coefficient)
        if role in ("head", "deputy"):
            d1_first = max(joined_m + 12, recruited_m + 60)
            d1_last = _m(until) - (42 if role == "head" else 6)
            if d1_last < d1_first:  # a short career: appointed late
                d1_first = d1_last = max(joined_m + 3, _m(until) - (40 if role == "head" else 12))
            d1 = r.randint(d1_first, d1_last)
            appoint.append((d1, *profile.deputy))
            if role == "head":
                d2 = r.randint(min(d1 + 36, _m(until) - 3), max(d1 + 36, _m(until) - 6))
                appoint.append((min(d2, _m(until) - 3), *profile.head))
        promotions: list[tuple[int, str]] = []
        if len(ladder) > 1 and not tap_su:
            chance = {"head": 0.9, "deputy": 0.65, "staff": 0.35}[role]
            at = recruited_m + r.randint(9 * 12, 14 * 12)
            if profile.key == "agency_leader":
                # Bác sĩ -> bác sĩ chính at the hospital, chuyên viên chính on moving to the Sở, then CVCC.
                at = recruited_m + r.randint(9 * 12, 11 * 12)
                promotions.append((min(at, moves[-1] - 12), ladder[1]))
                promotions.append((moves[-1], ladder[2]))
                promotions.append((max(moves[-1] + 24, _m(until) - 60), ladder[3]))
            elif r.random() < chance and at < _m(until) - 6:
                promotions.append((at, ladder[1]))
                if len(ladder) > 2 and role == "head" and r.random() < 0.25 and at + 72 < _m(until) - 6:
                    promotions.append((at + r.randint(72, 96), ladder[2]))
            promotions = [p for p in promotions if recruited_m < p[0] < _m(until)]

        # Discipline (rare), which delays the next bậc by 6 months.
        discipline = None
        if not complete and not tap_su and role == "staff" and years_served > 6 and r.random() < 0.025:
            d = r.randint(_m(until) - 48, _m(until) - 18)
            discipline = d

        # ---------------------------------------------------------------- salary (37.1) and 30.1
        # Probation (12 months) does not count towards the next bậc: the clock starts at the appointment.
        appointed_m = recruited_m + 12
        salary_rows, current, tnvk = self._salary(rank_entry, recruited_m, appointed_m, promotions, until,
                                                   archive is not None,
                                                   start_step=2 if profile.degree_years == 6 else 1,
                                                   discipline=discipline)
        rank_code, step, coef, since_m, rank_since_m = current

        # ---------------------------------------------------------------- work history (33)
        earlier_units = [r.choice(profile.earlier) for _ in moves]
        units_by_time = [(recruited_m, *(earlier_units[0] if earlier_units else (unit.written, unit.employer)))]
        for i, mv in enumerate(moves):
            nxt = earlier_units[i + 1] if i + 1 < len(earlier_units) else (unit.written, unit.employer)
            units_by_time.append((mv, *nxt))
        if profile.key == "agency_leader":
            # Phó Trưởng khoa at the hospital, Trưởng phòng at the Sở, then its deputy director and director.
            appoint = [(min(max(moves[-1] - 60, recruited_m + 72), moves[-1] - 12), "Phó Trưởng khoa", "0.50"),
                       (moves[-1], "Trưởng phòng Nghiệp vụ Y", "0.60")] + [
                (max(m, moves[-1] + 24 * (i + 1)), f"{t} Y tế", c) for i, (m, t, c) in enumerate(appoint)]

        def title_at(month: int) -> str:
            pos = [a for a in appoint if a[0] <= month]
            if pos:
                return pos[-1][1]
            rk = rank_entry
            for pm, pr in promotions:
                if pm <= month:
                    rk = pr
            title = staff_title or RANK_TITLES.get(rk, "Chuyên viên")
            if month < recruited_m + 12 and profile.category != "nguoi_lao_dong":
                title += " (tập sự)"
            return title

        bounds = {recruited_m, *(mv for mv in moves), *(a[0] for a in appoint)}
        if not tap_su and _m(until) > recruited_m + 12:
            bounds.add(recruited_m + 12)
        if not appoint:
            bounds.update(p for p, _rk in promotions)
        bounds = sorted(b for b in bounds if recruited_m <= b < _m(until))

        def unit_at(month: int) -> tuple[str, str]:
            current_unit = units_by_time[0][1:]
            for start, u, emp in units_by_time:
                if start <= month:
                    current_unit = (u, emp)
            return current_unit

        periods: list[list] = []
        for b in bounds:
            entry = [b, None, unit_at(b)[0], title_at(b)]
            if periods and periods[-1][2:] == entry[2:]:
                continue
            periods.append(entry)
        while len(periods) > 5:
            # At most 5 periods: fold the earliest change of title inside one unit (probation first), else
            # the earliest period into the next.
            same = next((i for i in range(len(periods) - 1) if periods[i][2] == periods[i + 1][2]), 0)
            periods[same + 1][0] = periods[same][0]
            periods.pop(same)
        pre_job = None
        if len(periods) < 2:
            # Still in probation: the contract job before recruitment is the first period.
            pre_job = r.choice((("Nhân viên hợp đồng", "Công ty Cổ phần Tư vấn Đầu tư Hà Thành"),
                                ("Nhân viên hợp đồng", "Trung tâm Phục vụ hành chính công quận Đống Đa"),
                                ("Nhân viên", "Công ty TNHH Dịch vụ Kế toán Minh An")))
            periods.insert(0, [degree_end + 1, None, pre_job[1], pre_job[0]])
        for i, p in enumerate(periods):
            nxt = periods[i + 1][0] if i + 1 < len(periods) else None
            p[1] = (nxt - 1) if nxt is not None else (_m(until) - 1 if archive else None)
        if military and len(periods) <= 3:
            # Military service and the studies after it open the summary of the career.
            periods.insert(0, [study_start, recruited_m - 1, degree[0] if degree else "Trường Đại học Luật Hà Nội",
                               "Sinh viên"])
            periods.insert(0, [_m(enlisted), _m(discharged), r.choice(("Sư đoàn 308, Quân đoàn 1",
                                                                       "Bộ Tư lệnh Thủ đô Hà Nội",
                                                                       "Lữ đoàn 201, Binh chủng Tăng - Thiết giáp")),
                               "Chiến sĩ"])
        work_rows = [{"start": _ms(s), "end": _ms(e) if e is not None else None, "unit_name": u, "title": t}
                     for s, e, u, t in periods]
        recruiting_unit = units_by_time[0][2]

        # ---------------------------------------------------------------- current position (23–30)
        position = appoint[-1][1] if appoint else None
        position_full = None
        if position:
            position_full = position if profile.key == "agency_leader" else \
                f"{position} {unit.name}" if role == "head" and profile.key in ("primary", "thcs") else \
                f"{position} {_core(unit.name)}" if profile.key == "commune" else position
        appointed_on = _md(appoint[-1][0], r.randint(1, 28)) if appoint else None
        reappointed_on = None
        if appointed_on is not None:
            terms = (_m(until) - appoint[-1][0]) // 60
            if terms >= 1 and _years(appointed_on, 5 * terms) >= until:
                terms -= 1
            if terms >= 1:
                reappointed_on = _years(appointed_on, 5 * terms)
        category = profile.category
        if tap_su:
            category = "tap_su"
        elif profile.key == "commune" and role in ("head", "deputy"):
            category = "can_bo"

        # ---------------------------------------------------------------- education and training (19–20, 32)
        training: list[dict] = []
        institution, major = degree if degree else ("Trường Đại học Luật Hà Nội", "Luật")
        level = "DH"
        if profile.key == "primary" and birth.year < 1985 and r.random() < 0.6:
            # Cao đẳng sư phạm first, then a university degree by liên thông while teaching.
            training.append(self._train("professional", study_start, study_start + 33,
                                        "Trường Cao đẳng Sư phạm Hà Nội", major=major, mode="CQ", level="CD"))
            lt = recruited_m + r.randint(36, 96)
            if lt + 30 < _m(until):
                training.append(self._train("professional", lt, lt + 30, institution, major=major, mode="LT",
                                            level="DH"))
            else:
                level = "CD"
        else:
            training.append(self._train("professional", study_start, degree_end, institution, major=major,
                                        mode="CQ", level="DH"))
        highest, highest_major = level, major
        master_chance = {"head": 0.75, "deputy": 0.5, "staff": 0.22, "tap_su": 0.05}[role]
        if profile.masters and r.random() < master_chance:
            m_inst, m_major = r.choice(profile.masters)
            ms = max(recruited_m + r.randint(24, 84), degree_end + 12)
            if ms + 24 < _m(until):
                training.append(self._train("professional", ms, ms + 23, m_inst, major=m_major,
                                            mode=r.choice(("CQ", "VLVH")), level="ThS"))
                highest, highest_major = "ThS", m_major
                ts = ms + r.randint(36, 60)
                if role == "head" and profile.key in ("hospital", "lecturer", "agency_leader") and \
                        r.random() < 0.5 and ts + 48 < _m(until):
                    training.append(self._train("professional", ts, ts + 47, m_inst, major=m_major, mode="CQ",
                                                level="TS"))
                    highest = "TS"
        foreign = None
        if highest == "ThS" and profile.key in ("city", "district") and r.random() < 0.15:
            row = training[-1]
            row["institution"] = "Trường Đại học Paris 1 Panthéon-Sorbonne (Cộng hòa Pháp)"
            row["major"] = "Chính sách công"
            row["mode"] = "CQ"
            highest_major = "Chính sách công"
            foreign = (row["start"], row["end"], "Hội Sinh viên Việt Nam tại Pháp (UEVF), Paris: hội viên, tham "
                                                 "gia sinh hoạt trong thời gian học tập.")

        # Party membership (~40 %) and political theory (32.2).
        party_chance = {"head": 0.97, "deputy": 0.9, "staff": 0.3, "tap_su": 0.05}[role]
        party_joined = party_official = None
        if r.random() < party_chance:
            pj = recruited_m + r.randint(12, 96) if role != "tap_su" else recruited_m - r.randint(6, 18)
            pj = min(pj, (appoint[0][0] - 6) if appoint else _m(until) - 14)
            pj = max(pj, _m(birth) + 18 * 12 + 6)
            party_joined = _md(pj, r.randint(1, 28))
            if _m(until) - pj > 12:
                party_official = _years(party_joined, 1)
        if party_joined is not None or r.random() < 0.1:
            base = _m(party_joined) - r.randint(2, 8) if party_joined else recruited_m + r.randint(6, 60)
            if base < _m(until) - 2:
                training.append(self._train("political", base, base + 1, self._political_school(unit),
                                            mode="VLVH", level="SC"))
        if role in ("head", "deputy") and appoint:
            tc = appoint[0][0] - r.randint(6, 30)
            tc = max(tc, recruited_m + 24)
            training.append(self._train("political", tc, tc + 17, "Trường Đào tạo cán bộ Lê Hồng Phong",
                                        mode="VLVH", level="TC"))
            if profile.key == "agency_leader":
                cc = appoint[-1][0] - r.randint(12, 36)
                training.append(self._train("political", cc, cc + 11, "Học viện Chính trị quốc gia Hồ Chí Minh",
                                            mode="VLVH", level="CC"))
        # State management / professional title training (32.3).
        if not tap_su and r.random() < 0.85:
            mg = recruited_m + r.randint(12, 48)
            if mg < _m(until) - 1:
                training.append(self._management(profile, rank_entry, mg))
            for pm, pr in promotions:
                if pm - 8 > recruited_m:
                    training.append(self._management(profile, pr, pm - r.randint(4, 8)))
        if appoint:
            lm = appoint[0][0] - r.randint(2, 12)
            training.append(self._train("management", lm, lm + 1, "Trường Đào tạo cán bộ Lê Hồng Phong",
                                        certificate="Chứng chỉ bồi dưỡng lãnh đạo, quản lý " + (
                                            "cấp sở và tương đương" if profile.key == "agency_leader" else
                                            "cấp xã" if profile.key == "commune" else "cấp phòng")))
        # Defence and security (32.4): at university; the leaders' course later.
        if r.random() < 0.8:
            gd = study_start + 13
            training.append(self._train("defence", gd, gd + 1, "Trung tâm Giáo dục quốc phòng và an ninh - "
                                        "ĐHQG Hà Nội", certificate="Chứng chỉ Giáo dục quốc phòng và an ninh"))
        if appoint:
            qp = appoint[0][0] + r.randint(3, 30)
            if qp < _m(until) - 1:
                training.append(self._train("defence", qp, qp, "Trường Quân sự Bộ Tư lệnh Thủ đô Hà Nội",
                                            certificate="Chứng chỉ bồi dưỡng kiến thức quốc phòng và an ninh "
                                                        "đối tượng 4" if profile.key != "agency_leader" else
                                            "Chứng chỉ bồi dưỡng kiến thức quốc phòng và an ninh đối tượng 3"))
        # IT (32.5) and languages (32.6).
        if r.random() < 0.9:
            it = study_start + r.randint(6, 30) if r.random() < 0.5 else recruited_m + r.randint(-6, 36)
            it = min(it, _m(until) - 2)
            if it < 2016 * 12:
                training.append(self._train("it", it, it + 2, "Trung tâm Tin học - Trường Đại học Bách khoa Hà Nội",
                                            certificate=r.choice(("Chứng chỉ Tin học trình độ B",
                                                                  "Chứng chỉ Tin học trình độ A"))))
            else:
                training.append(self._train("it", it, it + 1, "Trường Đại học Công nghệ - ĐHQG Hà Nội",
                                            certificate="Chứng chỉ ứng dụng công nghệ thông tin cơ bản"))
        if r.random() < 0.88:
            training.append(self._language(study_start, recruited_m, until))
        if ethnicity in ("02", "03", "07") and r.random() < 0.5:
            lg = recruited_m + r.randint(6, 36)
            if lg < _m(until) - 2:
                tongue = {"02": "Tiếng Tày", "03": "Tiếng Thái", "07": "Tiếng Nùng"}[ethnicity]
                training.append(self._train("language", lg, lg + 2, "Trường Đào tạo cán bộ Lê Hồng Phong",
                                            language=tongue, certificate=f"Chứng chỉ {tongue.lower()}"))

        # ---------------------------------------------------------------- evaluations (35.1), discipline (35.2)
        evaluations = []
        last_year = until.year - 1 if until.month < 12 else until.year
        first_year = max(recruited_on.year + 1, last_year - r.randint(2, 4))
        for year in range(first_year, last_year + 1):
            rating = _pick(r, (("HTXS", 15), ("HTT", 72), ("HT", 12), ("KHT", 1)))
            if discipline is not None and year == discipline // 12:
                rating = "HT"
            emulation = {"HTXS": _pick(r, (("CSTDCS", 55), ("LDTT", 45))),
                         "HTT": _pick(r, (("LDTT", 85), ("KXL", 15))), "HT": "KXL", "KHT": "KXL"}[rating]
            award = None
            if emulation == "CSTDCS" or (rating == "HTXS" and r.random() < 0.5):
                award = "Bằng khen của Chủ tịch UBND Thành phố Hà Nội" if profile.key == "agency_leader" else \
                    f"Giấy khen của {unit.issuer}"
            if rating == "HTXS" and r.random() < 0.08:
                award = "Bằng khen của Chủ tịch UBND Thành phố Hà Nội"
            evaluations.append({"year": year, "rating": rating, "emulation": emulation, "award": award})
        discipline_rows = []
        if discipline is not None:
            discipline_rows.append({
                "start": _ms(discipline), "end": _ms(discipline + 12), "form": "KT",
                "violation": r.choice(("Chậm giải quyết hồ sơ thủ tục hành chính quá thời hạn quy định.",
                                       "Vi phạm quy định về thời giờ làm việc, nghỉ việc không có lý do.")),
                "decided_by": unit.issuer})

        # ---------------------------------------------------------------- family (36)
        family_rows, spouse_rows, married = self._family(sex, family, ethnicity, birth, home_province, commune,
                                                                    district, until)

        # ---------------------------------------------------------------- allowances (30.2, 37.2)
        allowance_rows = []
        for i, (am, _title, ac) in enumerate(appoint):
            end = appoint[i + 1][0] - 1 if i + 1 < len(appoint) else (_m(until) - 1 if archive else None)
            allowance_rows.append({"start": _ms(am), "end": _ms(end) if end is not None else None,
                                   "allowance_type": "CV", "percent": None, "coefficient": Decimal(ac),
                                   "mode": "Hưởng theo hệ số", "amount": None})
        for i, (tm, pct) in enumerate(tnvk):
            end = tnvk[i + 1][0] - 1 if i + 1 < len(tnvk) else (_m(until) - 1 if archive else None)
            allowance_rows.append({"start": _ms(tm), "end": _ms(end) if end is not None else None,
                                   "allowance_type": "TNVK", "percent": Decimal(pct), "coefficient": None,
                                   "mode": "Hưởng theo phần trăm lương", "amount": None})
        if profile.incentive and category != "tap_su":
            allowance_rows.append({"start": _ms(max(recruited_m, _m(SALARY_TABLE_FROM))),
                                   "end": _ms(_m(until) - 1) if archive else None, "allowance_type": "UDN",
                                   "percent": Decimal(profile.incentive), "coefficient": None,
                                   "mode": "Hưởng theo phần trăm lương", "amount": None})
        allowance_rows.sort(key=lambda row: row["start"])
        allowance_position = Decimal(appoint[-1][2]) if appoint else None
        if profile.incentive:
            years_teaching = int(years_served)
            allowance_other = f"Phụ cấp ưu đãi theo nghề {profile.incentive}%"
            if profile.key in ("thpt", "thcs", "primary", "lecturer") and years_teaching >= 5:
                allowance_other += f"; phụ cấp thâm niên nhà giáo {years_teaching}%"
        elif category in ("cong_chuc", "can_bo", "tap_su") and profile.key not in ("hospital_admin",):
            allowance_other = "Phụ cấp công vụ 25%"
        else:
            allowance_other = None

        # ---------------------------------------------------------------- texts
        keyword, domain, duties = next(((k, d, t) for k, d, t in _DUTIES if k in unit.name),
                                       ("", "tổng hợp", "Thực hiện nhiệm vụ chuyên môn được giao."))
        if profile.key == "agency_leader":
            duties = ("Phụ trách chung, lãnh đạo, điều hành mọi hoạt động của Sở; trực tiếp phụ trách công tác "
                      "tổ chức cán bộ, tài chính, thanh tra.") if role == "head" else \
                "Giúp Giám đốc Sở phụ trách lĩnh vực khám bệnh, chữa bệnh và y tế dự phòng."
        if staff_title:
            duties = _COMMUNE_DUTIES[staff_title]
        duties = duties.format(subject=subject or "Toán", grade=r.choice((10, 11, 12)) if profile.key == "thpt"
                               else r.randint(6, 9) if profile.key == "thcs" else r.randint(1, 5),
                               cls=r.randint(1, 8))
        if role == "head" and profile.key != "agency_leader":
            duties = f"Phụ trách chung; {_lower1(duties)}"
        elif role == "deputy" and profile.key != "agency_leader":
            duties = f"Giúp {profile.head[0]} phụ trách chuyên môn; {_lower1(duties)}"
        if accountant:
            duties = "Kế toán, thủ quỹ; lập dự toán, quyết toán kinh phí; quản lý tài sản của cơ quan."
            domain = "kế toán"
        if position_full:
            job_position = position_full
        elif staff_title:
            job_position = staff_title
        elif accountant:
            job_position = "Kế toán viên"
        elif profile.key in ("hospital", "lecturer", "thpt", "thcs", "primary"):
            job_position = domain[0].upper() + domain[1:]
        else:
            job_position = f"Chuyên viên về {domain}"

        if profile.key == "hospital":
            strengths = f"Chuyên môn {highest_major.lower()}"
        elif profile.key in ("thpt", "thcs", "primary", "lecturer"):
            strengths = f"Giảng dạy {(subject or 'điều dưỡng').lower()}"
        else:
            strengths = r.choice(("Tham mưu, tổng hợp", "Nghiên cứu, xây dựng văn bản", "Chuyên môn nghiệp vụ",
                                  "Giao tiếp, phối hợp công tác"))

        # ---------------------------------------------------------------- the person
        cccd_issued = self.date_in(max(date(2021, 1, 15), _years(birth, 14)), min(date(2024, 12, 31),
                                                                                     until - timedelta(days=30)))
        if cccd_issued.year < 2021 or r.random() < 0.1:
            cccd_issued = self.date_in(max(date(2016, 6, 1), _years(birth, 14)), date(2020, 12, 31))
        birth_home = r.random() < 0.6 or home is not None
        if birth_home:
            birthplace = f"{commune}, {_lower1(district)}, {home_province}"
            birth_code = home_code
        else:
            ward, dist = r.choice(_HANOI_BIRTH)
            birthplace = f"{ward}, {_lower1(dist)}, thành phố Hà Nội"
            birth_code = "01"
        bhxh = self.bhxh_no()
        self.file_no += 1
        height = round(r.gauss(168 if sex == "nam" else 156, 5))
        weight = round(r.gauss(64 if sex == "nam" else 50, 6))
        first_org = _md(_m(birth) + 12 * r.choice((15, 16)) + r.randint(0, 11), r.randint(1, 28))
        if r.random() < 0.4:
            first_org = date(birth.year + r.choice((15, 16)), 3, 26)
        general_education = "10/10" if birth.year <= 1972 and home_code not in ("46", "66") else "12/12"
        salary_text = (coef + (allowance_position or 0)) * BASE_SALARY * 12
        if profile.incentive:
            salary_text *= Decimal(100 + profile.incentive) / 100
        salary_text = int(salary_text // 1_000_000) * 1_000_000
        housing = r.choice((f"Nhà ở riêng lẻ {r.randint(2, 5)} tầng, diện tích sàn {r.randint(6, 24) * 10} m², "
                            "đã có Giấy chứng nhận quyền sở hữu",
                            f"Căn hộ chung cư {r.randint(55, 110)} m², đã có Giấy chứng nhận quyền sở hữu",
                            "Ở chung với bố mẹ", "Thuê nhà"))
        person = {
            "category": category,
            "status": status,
            "status_since": None,
            "status_decision": None,
            "file_number": "HN.%s.%05d" % (unit.level2.code.split(".")[2], self.file_no),
            "family_name": family,
            "middle_name": middle,
            "given_name": given,
            "gender": sex,
            "other_names": None,
            "birth_date": birth,
            "birth_date_precision": precision,
            "birthplace": birthplace,
            "birthplace_province": birth_code,
            "hometown_commune": commune,
            "hometown_district": district,
            "hometown_province": home_code,
            "ethnicity": ethnicity,
            "religion": religion,
            "cccd": self.cccd(birth_code, birth, sex),
            "cccd_issued_on": cccd_issued,
            "phone": self.phone(),
            "social_insurance_no": bhxh,
            "health_insurance_no": f"HC401{bhxh}",
            "residence": self.residence(),
            "family_origin": _pick(r, (("Công nhân viên chức", 35), ("Nông dân", 30), ("Cán bộ", 15),
                                       ("Công nhân", 10), ("Tiểu thương", 5), ("Trí thức", 5))),
            "previous_occupation": ("Nhân viên hợp đồng" if pre_job else
                                    "Bộ đội xuất ngũ" if military else
                                    r.choice(("Sinh viên", "Sinh viên", "Học viên", "Nhân viên hợp đồng"))),
            "recruited_on": recruited_on,
            "recruiting_unit": recruiting_unit,
            "joined_agency_on": recruited_on if joined_m == recruited_m else _md(joined_m, r.randint(1, 28)),
            "party_joined_on": party_joined,
            "party_official_on": party_official,
            "first_org_joined_on": first_org,
            "first_org_name": "Đoàn TNCS Hồ Chí Minh",
            "enlisted_on": enlisted,
            "discharged_on": discharged,
            "military_rank": r.choice(("Binh nhất", "Hạ sĩ", "Trung sĩ", "Thượng sĩ")) if military else None,
            "policy_category": _pick(r, ((None, 95), ("CTB", 2), ("CLS", 1), ("CBB", 1), ("CCDHH", 1))),
            "general_education": general_education,
            "highest_qualification": highest,
            "qualification_major": highest_major,
            "academic_title": None,
            "academic_title_year": None,
            "state_honours": None,
            "position": position_full,
            "position_appointed_on": appointed_on,
            "position_reappointed_on": reappointed_on,
            "planned_position": (f"{profile.head[0]} {_core(unit.name)}" if profile.key == "commune" else
                                 f"{profile.head[0]} (giai đoạn 2026 - 2031)") if role == "deputy" and
            r.random() < 0.6 else None,
            "concurrent_positions": r.choice(("Chủ tịch Công đoàn cơ sở", "Ủy viên Ban Chấp hành Công đoàn cơ sở",
                                              None, None)) if role != "tap_su" else None,
            "party_position": ("Bí thư Chi bộ" if role == "head" else r.choice(("Phó Bí thư Chi bộ",
                                                                               "Chi ủy viên")))
            if party_official and role in ("head", "deputy") and r.random() < 0.7 else None,
            "party_concurrent_positions": None,
            "main_duties": duties,
            "strengths": strengths,
            "longest_job": max(work_rows, key=lambda w: (_m_of(w["end"], until) - _m_of(w["start"], until)))["title"],
            "rank_code": rank_code,
            "rank_appointed_on": None if tap_su else _md(rank_since_m, recruited_on.day if rank_since_m ==
                                                          appointed_m else 1),
            "salary_step": step,
            "salary_coefficient": coef,
            "salary_since": _md(since_m),
            "salary_percent": Decimal(85 if tap_su else 100),
            "seniority_allowance_pct": Decimal(tnvk[-1][1]) if tnvk else None,
            "seniority_allowance_since": _md(tnvk[-1][0]) if tnvk else None,
            "allowance_position": allowance_position,
            "allowance_concurrent": None,
            "allowance_other": allowance_other,
            "job_position": job_position,
            "health": _pick(r, (("Tốt", 85), ("Khá", 10), ("Bình thường", 5))),
            "height_cm": height,
            "weight_kg": weight,
            "blood_group": _pick(r, (("O", 42), ("B", 30), ("A", 21), ("AB", 7))),
            "arrest_history": "Không",
            "income_salary": f"Tiền lương: khoảng {_money(salary_text)} đồng/năm",
            "income_other": r.choice(("Không", "Không", f"Thu nhập của vợ (chồng) khoảng {r.randint(8, 30) * 10} "
                                      "triệu đồng/năm" if married else "Không")),
            "housing_granted": "Không",
            "housing_owned": housing,
            "land_granted": "Không",
            "land_owned": f"{r.randint(40, 120)} m², đã có Giấy chứng nhận quyền sử dụng đất"
            if housing.startswith("Nhà ở riêng") else "Không",
            "land_business": "Không",
            "agency_assessment": self._assessment(evaluations) if r.random() < 0.35 and evaluations else None,
        }
        if archive is not None:
            self.decision_no += r.randint(7, 90)
            person["status_since"] = until
            signed = until - timedelta(days=r.randint(20, 75))
            if status == "deceased":
                person["status_decision"] = f"Giấy chứng tử số {r.randint(10, 300)}/{until.year} ngày " \
                                            f"{until + timedelta(days=2):%d/%m/%Y}"
            else:
                person["status_decision"] = f"Quyết định số {self.decision_no}/{unit.decision_suffix} ngày " \
                                            f"{signed:%d/%m/%Y}"
        if profile.key == "hospital" and highest == "TS" and role == "head" and r.random() < 0.7:
            person["academic_title"], person["academic_title_year"] = "PGS", min(until.year - 1, 2019 + r.randint(0, 5))
        if profile.key in ("thpt", "thcs", "primary") and role == "head" and years_served > 22 and r.random() < 0.4:
            person["state_honours"] = "Nhà giáo ưu tú (2023)"
        if profile.key == "hospital" and role == "head" and years_served > 20 and r.random() < 0.5:
            person["state_honours"] = "Thầy thuốc ưu tú (2024)"

        if not complete and r.random() < 0.06:
            # A few files are not complete yet: the dashboards of "Đủ" need something to show.
            for name_ in r.sample(("cccd_issued_on", "health", "residence", "hometown_commune"), r.randint(1, 2)):
                person[name_] = None

        # A course that has not ended by the file's date is not on the form yet.
        training = [t for t in training if _m_of(t["end"], until) < _m(until)]
        rows = {
            "training_record": self._numbered(training, ("professional", "political", "management", "defence",
                                                         "it", "language")),
            "work_record": _positions(work_rows),
            "history_record": _positions([{"kind": "foreign", "start": foreign[0], "end": foreign[1],
                                           "description": foreign[2]}] if foreign else []),
            "evaluation_record": _positions(evaluations),
            "discipline_record": _positions(discipline_rows),
            "relative": _positions(family_rows) + _positions(spouse_rows),
            "salary_record": _positions(salary_rows),
            "allowance_record": _positions(allowance_rows),
        }
        return PersonSpec(unit.code, person, {k: v for k, v in rows.items() if v}, account)

    # ----------------------------------------------------------------- parts

    def _salary(self, rank: str, start_m: int, appointed_m: int, promotions, until: date, closed: bool,
                start_step: int, discipline: int | None):
        """Bậc by bậc from recruitment: rows of 37.1 (from the 2004 tables on), the current bậc, TNVK steps.

        Returns (rows, (rank, step, coefficient, since month, rank since month), [(month, percent)]).
        """
        scale = self.scale
        segments = []  # (month, rank, group, step)
        group = scale.group(rank, _md(max(start_m, _m(SALARY_TABLE_FROM))))
        count, interval = scale.steps(group, _md(max(start_m, _m(SALARY_TABLE_FROM))))
        step = min(start_step, count)
        segments.append((start_m, rank, group, step))
        rank_since = appointed_m
        next_raise = appointed_m + interval
        delayed = False
        pending = sorted(promotions)
        end_m = _m(until)
        tnvk: list[tuple[int, int]] = []
        while True:
            if discipline is not None and not delayed and segments[-1][0] <= discipline < next_raise:
                next_raise += 6
                delayed = True
            promo = pending[0][0] if pending else None
            raise_at = next_raise if step < count else None
            candidates = [x for x in (promo, raise_at) if x is not None]
            if not candidates or min(candidates) >= end_m:
                break
            at = min(candidates)
            if promo is not None and promo == at:
                _pm, new_rank = pending.pop(0)
                on = _md(max(at, _m(SALARY_TABLE_FROM)))
                new_group = scale.group(new_rank, on)
                if new_group == group:  # chuyển ngạch in the same group: same bậc, same time in bậc
                    segments.append((at, new_rank, group, step))
                else:
                    current = scale.coefficient(group, step, on)
                    new_count, new_interval = scale.steps(new_group, on)
                    new_step = next((s for s in range(1, new_count + 1)
                                     if scale.coefficient(new_group, s, on) >= current), new_count)
                    group, step, count, interval = new_group, new_step, new_count, new_interval
                    segments.append((at, new_rank, group, step))
                    next_raise = at + interval
                rank, rank_since = new_rank, at
                continue
            step += 1
            segments.append((at, rank, group, step))
            next_raise = at + interval
        # Thâm niên vượt khung: 5 % after a full interval at the last bậc, then + 1 % a year.
        last_month, _r, _g, last_step = segments[-1]
        if last_step == count:
            tm = last_month + interval
            pct = 5
            while tm < end_m:
                tnvk.append((tm, pct))
                tm += 12
                pct += 1
        rows = []
        first = _m(SALARY_TABLE_FROM)
        for i, (sm, rk, grp, st) in enumerate(segments):
            nxt = segments[i + 1][0] if i + 1 < len(segments) else None
            em = (nxt - 1) if nxt is not None else (end_m - 1 if closed else None)
            if em is not None and em < first:
                continue
            start = max(sm, first)
            coef = scale.coefficient(grp, st, _md(start))
            if coef is None:
                raise ValueError(f"no coefficient for {rk} ({grp}) bậc {st}")
            rows.append({"start": _ms(start), "end": _ms(em) if em is not None else None, "rank_code": rk,
                         "step": st, "coefficient": Decimal(coef).quantize(Decimal("0.01")), "amount": None})
        last = rows[-1]
        return rows, (last["rank_code"], last["step"], last["coefficient"], max(segments[-1][0], first),
                      rank_since), tnvk

    def _train(self, kind: str, start: int, end: int, institution: str, *, major=None, mode=None, level=None,
               certificate=None, language=None, score=None) -> dict:
        return {"kind": kind, "start": _ms(start), "end": _ms(end), "institution": institution, "major": major,
                "mode": mode, "level": level, "certificate": certificate, "language": language, "score": score}

    def _political_school(self, unit: _Unit) -> str:
        top = unit.level2
        if top.unit_type == "ubnd_huyen":
            return f"Trung tâm Chính trị {_core(top.name)}"
        return "Trung tâm Bồi dưỡng chính trị - Đảng ủy Khối các cơ quan Thành phố"

    def _management(self, profile: _Profile, rank: str, month: int) -> dict:
        if rank.startswith("V.07"):
            hang = {"3": "III", "2": "II", "1": "I"}
            level_name = {"05": "trung học phổ thông", "04": "trung học cơ sở", "03": "tiểu học",
                          "01": "giảng viên"}[rank.split(".")[2]]
            grade = hang.get(rank[-1], "III") if rank.split(".")[2] != "01" else \
                ("III" if rank.endswith("03") else "II")
            grade = {"V.07.05.13": "I", "V.07.05.14": "II", "V.07.05.15": "III", "V.07.04.30": "I",
                     "V.07.04.31": "II", "V.07.04.32": "III", "V.07.03.27": "I", "V.07.03.28": "II",
                     "V.07.03.29": "III"}.get(rank, grade)
            title = "giảng viên" if level_name == "giảng viên" else f"giáo viên {level_name}"
            return self._train("management", month, month + 2, "Trường Đại học Sư phạm Hà Nội",
                               certificate=f"Chứng chỉ bồi dưỡng theo tiêu chuẩn CDNN {title} hạng {grade}")
        if rank.startswith("V.08"):
            grade = {"V.08.01.03": "III", "V.08.01.02": "II", "V.08.01.01": "I"}[rank]
            return self._train("management", month, month + 1, "Trường Đại học Y Hà Nội",
                               certificate=f"Chứng chỉ bồi dưỡng theo tiêu chuẩn CDNN bác sĩ hạng {grade}")
        level = {"01.001": "CVCC", "01.002": "CVC", "06.030": "CVC"}.get(rank, "CV")
        name = {"CVCC": "chuyên viên cao cấp", "CVC": "chuyên viên chính", "CV": "chuyên viên"}[level]
        school = "Học viện Hành chính Quốc gia" if level != "CV" else "Trường Đào tạo cán bộ Lê Hồng Phong"
        return self._train("management", month, month + 2, school, level=level,
                           certificate=f"Chứng chỉ bồi dưỡng ngạch {name}")

    def _language(self, study_start: int, recruited_m: int, until: date) -> dict:
        r = self.rng
        if study_start < 2012 * 12 and r.random() < 0.6:
            m = study_start + r.randint(12, 40)
            return self._train("language", m, m + 3, "Trung tâm Ngoại ngữ - Trường Đại học Hà Nội",
                               language="Tiếng Anh", certificate=f"Chứng chỉ tiếng Anh trình độ {r.choice('BBC')}")
        m = min(max(recruited_m - r.randint(0, 24), 2013 * 12), _m(until) - 2)
        kind = _pick(r, (("vstep", 60), ("ielts", 15), ("toeic", 15), ("french", 5), ("chinese", 5)))
        if kind == "vstep":
            level = r.choice(("3 (B1)", "3 (B1)", "4 (B2)"))
            score = f"{r.choice(('4,0', '4,5', '5,0', '5,5'))}/10" if level.startswith("3") else \
                f"{r.choice(('6,0', '6,5', '7,0', '7,5'))}/10"
            return self._train("language", m, m, "Trường Đại học Ngoại ngữ - ĐHQG Hà Nội", language="Tiếng Anh",
                               certificate=f"Chứng chỉ tiếng Anh bậc {level} theo Khung năng lực ngoại ngữ 6 bậc",
                               score=score)
        if kind == "ielts":
            return self._train("language", m, m, "Hội đồng Anh (British Council)", language="Tiếng Anh",
                               certificate="Chứng chỉ IELTS Academic", score=r.choice(("5.5", "6.0", "6.5", "7.0")))
        if kind == "toeic":
            return self._train("language", m, m, "IIG Việt Nam", language="Tiếng Anh", certificate="Chứng chỉ TOEIC",
                               score=str(r.randint(45, 85) * 10))
        if kind == "french":
            return self._train("language", m, m, "Viện Pháp tại Hà Nội (IDECAF)", language="Tiếng Pháp",
                               certificate="Chứng chỉ DELF B1", score=f"{r.randint(55, 85)}/100")
        return self._train("language", m, m, "Trường Đại học Hà Nội", language="Tiếng Trung Quốc",
                           certificate="Chứng chỉ HSK cấp 4", score=f"{r.randint(190, 270)}/300")

    def _family(self, sex: str, family: str, ethnicity: str, birth: date, home_province: str, commune: str,
                district: str, until: date):
        """Rows of 36.1 and 36.2: parents, spouse, children, siblings; the spouse's parents and siblings.

        Kinh (and most minority) families pass the father's family name on; Ê Đê families are matrilineal:
        children carry the mother's clan name, men's names start with "Y", women's with "H'".
        """
        r = self.rng
        ede = ethnicity == "12"

        used: set[str] = set()

        def rel_name(rel_sex: str, fam: str | None = None) -> str:
            for _try in range(10):  # no two relatives of one file share a name
                if ede:
                    clan = fam or r.choice([c for c in _EDE_CLANS if c != family])
                    given = r.choice(_EDE_GIVEN[rel_sex])
                    full = f"Y {given} {clan}" if rel_sex == "nam" else f"H'{given} {clan}"
                else:
                    if fam is None and ethnicity in _MINORITIES and r.random() < 0.7:
                        fam = r.choice(_MINORITIES[ethnicity][0])
                    full = " ".join(self.name(rel_sex, fam))
                if full not in used:
                    break
            used.add(full)
            return full

        by = birth.year
        home = f"{commune}, {_lower1(district)}, {home_province}"
        now = until.year
        own: list[dict] = []
        spouse_side: list[dict] = []

        def alive_text(year: int, job: str, place: str) -> str:
            age = now - year
            if age > 92 or (age > 70 and r.random() < (age - 70) / 30):
                died = r.randint(max(year + 60, now - 25), now - 1)
                return f"Quê quán: {place}. Đã mất năm {died}."
            return f"Quê quán: {place}; nghề nghiệp: {job}; nơi ở: {place}."

        fy = by - r.randint(24, 34)
        my = by - r.randint(21, 31)
        father_job = r.choice(("Nghỉ hưu (nguyên giáo viên)", "Làm ruộng", "Nghỉ hưu (nguyên cán bộ Sở Giao thông "
                               "vận tải)", "Cựu chiến binh, nghỉ hưu", "Công nhân, nghỉ hưu", "Buôn bán nhỏ"))
        mother_job = r.choice(("Làm ruộng", "Nghỉ hưu (nguyên y sĩ)", "Nội trợ", "Buôn bán nhỏ",
                               "Nghỉ hưu (nguyên giáo viên)", "Công nhân, nghỉ hưu"))
        own.append({"side": "own", "relation": "CHA", "full_name": rel_name("nam", None if ede else family),
                    "birth_year": fy, "details": alive_text(fy, father_job, home), "lives_abroad": False})
        own.append({"side": "own", "relation": "ME", "full_name": rel_name("nu", family if ede else None),
                    "birth_year": my, "details": alive_text(my, mother_job, home), "lives_abroad": False})
        age = now - by
        married = age >= 25 and r.random() < min(0.95, 0.35 + (age - 25) * 0.12)
        if married:
            spouse_sex = "nu" if sex == "nam" else "nam"
            sy = by + (r.randint(-1, 6) if sex == "nam" else r.randint(-6, 1))
            spouse_family = r.choice([c for c in _EDE_CLANS if c != family]) if ede else \
                self.name(spouse_sex)[0]
            spouse = rel_name(spouse_sex, spouse_family)
            spouse_job = r.choice(("Giáo viên Trường Tiểu học Nghĩa Tân", "Nhân viên Ngân hàng TMCP Ngoại thương "
                                   "Việt Nam", "Kỹ sư Công ty Cổ phần Tư vấn Xây dựng Hà Nội", "Bác sĩ Bệnh viện "
                                   "Bạch Mai", "Kinh doanh tự do", "Công chức UBND phường Láng",
                                   "Kế toán Công ty TNHH Thương mại Hoàng Long", "Viên chức Bảo hiểm xã hội thành "
                                   "phố Hà Nội"))
            own.append({"side": "own", "relation": "VO" if sex == "nam" else "CHONG", "full_name": spouse,
                        "birth_year": sy, "details": f"Nghề nghiệp: {spouse_job}; nơi ở: cùng gia đình.",
                        "lives_abroad": False})
            married_at = max(by, sy) + r.randint(24, 30)
            kids_family = (spouse_family if sex == "nam" else family) if ede else \
                (family if sex == "nam" else spouse_family)
            year = married_at + r.randint(1, 2)
            for _ in range(_pick(r, ((0, 8), (1, 30), (2, 52), (3, 10)))):
                if year > now - 1:
                    break
                kid_sex = r.choice(("nam", "nu"))
                kid_age = now - year
                job = ("Còn nhỏ" if kid_age < 3 else "Học sinh mầm non" if kid_age < 6 else
                       "Học sinh tiểu học" if kid_age < 11 else "Học sinh trung học cơ sở" if kid_age < 15 else
                       "Học sinh trung học phổ thông" if kid_age < 18 else
                       "Sinh viên Trường Đại học Bách khoa Hà Nội" if kid_age < 23 else
                       r.choice(("Nhân viên Công ty Cổ phần FPT", "Kỹ sư phần mềm", "Giáo viên",
                                 "Nhân viên Ngân hàng TMCP Công thương Việt Nam")))
                own.append({"side": "own", "relation": "CON", "full_name": rel_name(kid_sex, kids_family),
                            "birth_year": year, "details": f"{job}; nơi ở: cùng gia đình.", "lives_abroad": False})
                year += r.randint(2, 5)
            # The spouse's family (36.2).
            sfy, smy = sy - r.randint(24, 33), sy - r.randint(21, 30)
            s_commune, s_district, _code, s_province = self.place("dak_lak" if ede else None)
            s_place = f"{s_commune}, {_lower1(s_district)}, {s_province}"
            spouse_side.append({"side": "spouse", "relation": "CHA_VO_CHONG",
                                "full_name": rel_name("nam", None if ede else spouse_family), "birth_year": sfy,
                                "details": alive_text(sfy, r.choice(("Nghỉ hưu", "Làm ruộng", "Cựu chiến binh")),
                                                      s_place), "lives_abroad": False})
            spouse_side.append({"side": "spouse", "relation": "ME_VO_CHONG",
                                "full_name": rel_name("nu", spouse_family if ede else None), "birth_year": smy,
                                "details": alive_text(smy, r.choice(("Nghỉ hưu", "Làm ruộng", "Nội trợ")), s_place),
                                "lives_abroad": False})
            for _ in range(r.randint(0, 2)):
                sib_sex = r.choice(("nam", "nu"))
                sib_y = sy + r.choice((-6, -4, -3, -2, 2, 3, 5))
                spouse_side.append({"side": "spouse", "relation": "ANH_CHI_EM_VO_CHONG",
                                    "full_name": rel_name(sib_sex, spouse_family), "birth_year": sib_y,
                                    "details": f"Nghề nghiệp: {r.choice(('Kinh doanh', 'Công nhân', 'Giáo viên'))}; "
                                               f"nơi ở: {s_place}.", "lives_abroad": False})
        for _ in range(_pick(r, ((0, 10), (1, 35), (2, 35), (3, 20)))):
            sib_sex = r.choice(("nam", "nu"))
            sib_y = by + r.choice((-7, -5, -4, -3, -2, 2, 3, 4, 6, 8))
            if sib_y - my < 18 or sib_y - my > 44 or sib_y > now - 1:
                continue
            relation = "EM" if sib_y > by else ("ANH" if sib_sex == "nam" else "CHI")
            abroad = r.random() < 0.04
            job = "Định cư tại Cộng hòa Liên bang Đức" if abroad else r.choice(
                ("Làm ruộng", "Công nhân Khu công nghiệp Thăng Long", "Giáo viên", "Kinh doanh tự do",
                 "Công chức UBND huyện", "Kỹ sư xây dựng", "Sinh viên" if now - sib_y < 23 else "Nội trợ"))
            own.append({"side": "own", "relation": relation, "full_name": rel_name(sib_sex, family),
                        "birth_year": sib_y, "details": f"Nghề nghiệp: {job}.", "lives_abroad": abroad})
        return own, spouse_side, married

    def _assessment(self, evaluations: list[dict]) -> str:
        best = sum(1 for e in evaluations if e["rating"] in ("HTXS", "HTT"))
        if best == len(evaluations):
            return ("Có phẩm chất chính trị, đạo đức, lối sống tốt; chấp hành nghiêm chủ trương của Đảng, chính sách, "
                    "pháp luật của Nhà nước. Năng lực chuyên môn vững, hoàn thành tốt nhiệm vụ được giao; đoàn kết, "
                    "có tinh thần trách nhiệm.")
        return ("Có phẩm chất chính trị, đạo đức tốt. Cơ bản hoàn thành nhiệm vụ được giao; cần nâng cao hơn nữa "
                "chất lượng, tiến độ tham mưu.")

    def _numbered(self, rows: list[dict], kinds: tuple[str, ...]) -> list[dict]:
        out = []
        for kind in kinds:
            of_kind = sorted((row for row in rows if row["kind"] == kind), key=lambda row: row["start"])
            out.extend(_positions(of_kind))
        return out


def _m_of(value: str | None, until: date) -> int:
    if value is None:
        return _m(until)
    return int(value[:4]) * 12 + int(value[5:7]) - 1


def _positions(rows: list[dict]) -> list[dict]:
    """Number the rows of one section table 1, 2, … (their order on the form)."""
    return [{**row, "position": i} for i, row in enumerate(rows, start=1)]


def generate_people(demo_units: list[dict], scale: SalaryScale, seed: int = DEFAULT_SEED,
                    as_of: date = AS_OF) -> list[PersonSpec]:
    """The demo people of ``demo_units`` (``DEMO_UNITS``): 4–6 per leaf unit, the linked accounts' files,
    the hard-case names and a few archived files. Same ``seed`` and ``as_of`` → the same people.
    """
    units = _units(demo_units)
    gen = _Gen(scale, seed, as_of)
    parents = {u["parent_code"] for u in demo_units if u["parent_code"]}
    fixed: dict[str, list[tuple[str, dict]]] = {}

    def unit_for(prefix: str) -> str:
        return next(code for code in units if code.startswith(prefix + "."))

    for username, (prefix, fam, mid, giv, sex, role) in LINKED_ACCOUNTS.items():
        fixed.setdefault(unit_for(prefix), []).append(
            (role, {"sex": sex, "name": (fam, mid, giv), "ethnicity": "01", "account": username, "complete": True}))
    for prefix, fam, mid, giv, sex, ethnicity, religion, home in HARD_CASES:
        fixed.setdefault(unit_for(prefix), []).append(
            ("staff", {"sex": sex, "name": (fam, mid, giv), "ethnicity": ethnicity, "religion": religion,
                       "home": home}))
    archived = {}
    for prefix, sex, status, reason in _ARCHIVED:
        archived.setdefault(unit_for(prefix), []).append((sex, status, reason))

    people: list[PersonSpec] = []
    for code, unit in units.items():
        leaf = code not in parents
        wanted = fixed.get(code, [])
        if not leaf and not wanted:
            continue
        count = gen.rng.randint(4, 6) if leaf else len(wanted)
        roles = (["head", "deputy"] if gen.rng.random() < 0.7 else ["head"]) if leaf else []
        roles += ["staff"] * (count - len(roles))
        if leaf and count >= 5 and gen.rng.random() < 0.25:
            roles[-1] = "tap_su"
        for role, _kwargs in wanted:
            if role in roles and role != "staff":
                roles.remove(role)
            elif "staff" in roles:
                roles.remove("staff")
        for role in roles[: max(0, count - len(wanted))]:
            people.append(gen.person(unit, role))
        for role, kwargs in wanted:
            people.append(gen.person(unit, role, **kwargs))
        for sex, status, _reason in archived.get(code, []):
            people.append(gen.person(unit, "staff", sex=sex, archive=(status, _reason)))
    return people
