"""The demo city: about 60 units over 4 levels, with real-looking names and mã định danh codes.

Codes follow the 4-level form of QĐ 20/2020/QĐ-TTg (``LLL.33.22.X11``, read right to left); the city
suffix is illustrative (Hà Nội's official level-1 code is unconfirmed, domain.md §11).

A city profile names its demo city (``CityProfile.demo_city``: a module with a :class:`DemoCity` ``CITY``); this
module is Hà Nội's (``hanoi``), ``demo_city_hcm`` Hồ Chí Minh's.
"""

from dataclasses import dataclass, field
from datetime import date

from app.seeds.demo_people.places import HANOI, CityLocale

__all__ = ["CITY", "DEMO_DECISION", "DEMO_UNITS", "DEMO_USERS", "CITY_SUFFIX", "DemoCity"]


@dataclass(frozen=True)
class DemoCity:
    """A demo city: its units (parents first), its logins, the decision that set it up, its people's city, the
    officer who enters the pending changes on people's behalf and where the generator's fixed people go."""

    units: list[dict]
    #: (username, role, given name, family+middle name, home unit code, scope unit code, include sub-units)
    users: list[tuple]
    decision: dict
    locale: CityLocale
    pending_officer: str
    #: Unit prefixes of the generator's fixed people (linked accounts, hard cases, archive) -> this city's.
    prefix_map: dict[str, str] = field(default_factory=dict)

CITY_SUFFIX = "H26"
DEMO_DECISION = {"number": "01/QĐ-UBND", "date": date(2025, 7, 1)}

# (code, parent code or None, type, name, short name, biên chế)
_U = [
    ("000.00.00", None, "ubnd_tp", "UBND Thành phố Hà Nội", "UBND TP", None),
    # Level 2: sở, ban, ngành
    ("000.00.09", "000.00.00", "so_nganh", "Sở Nội vụ", "SNV", 120),
    ("000.00.02", "000.00.00", "so_nganh", "Sở Tài chính", "STC", 150),
    ("000.00.03", "000.00.00", "so_nganh", "Sở Giáo dục và Đào tạo", "SGDĐT", 180),
    ("000.00.18", "000.00.00", "so_nganh", "Sở Y tế", "SYT", 160),
    ("000.00.21", "000.00.00", "so_nganh", "Sở Tư pháp", "STP", 70),
    ("000.00.90", "000.00.00", "so_nganh", "Văn phòng UBND Thành phố", "VP UBND", 110),
    ("000.00.41", "000.00.00", "ubnd_huyen", "UBND quận Ba Đình", "UBND Ba Đình", 90),
    ("000.00.42", "000.00.00", "ubnd_huyen", "UBND quận Hoàn Kiếm", "UBND Hoàn Kiếm", 85),
    ("000.00.55", "000.00.00", "ubnd_huyen", "UBND huyện Gia Lâm", "UBND Gia Lâm", 95),
    ("000.00.70", "000.00.00", "dvsn", "Trường Cao đẳng Y tế Hà Nội", "CĐYT HN", 60),
    ("000.00.80", "000.00.00", "hoi", "Hội Chữ thập đỏ Thành phố", "Hội CTĐ", 20),
    # Level 3 and 4 under Sở Nội vụ
    ("000.01.09", "000.00.09", "phong_ban", "Văn phòng Sở Nội vụ", "VP", 20),
    ("000.02.09", "000.00.09", "phong_ban", "Phòng Tổ chức, biên chế và tổ chức phi chính phủ", "TCBC", 12),
    ("000.03.09", "000.00.09", "phong_ban", "Phòng Công chức, viên chức", "CCVC", 12),
    ("000.04.09", "000.00.09", "phong_ban", "Phòng Cải cách hành chính", "CCHC", 10),
    ("000.05.09", "000.00.09", "phong_ban", "Ban Thi đua - Khen thưởng", "BTĐKT", 25),
    ("001.05.09", "000.05.09", "phong_ban", "Phòng Nghiệp vụ Thi đua", None, 8),
    ("002.05.09", "000.05.09", "phong_ban", "Phòng Nghiệp vụ Khen thưởng", None, 8),
    ("000.06.09", "000.00.09", "phong_ban", "Chi cục Văn thư - Lưu trữ", "CCVTLT", 30),
    ("001.06.09", "000.06.09", "dvsn", "Trung tâm Lưu trữ lịch sử", "TTLTLS", 18),
    # Sở Tài chính
    ("000.01.02", "000.00.02", "phong_ban", "Văn phòng Sở Tài chính", "VP", 25),
    ("000.02.02", "000.00.02", "phong_ban", "Phòng Quản lý ngân sách", "QLNS", 20),
    ("000.03.02", "000.00.02", "phong_ban", "Phòng Tài chính doanh nghiệp", "TCDN", 15),
    # Sở Giáo dục và Đào tạo
    ("000.01.03", "000.00.03", "phong_ban", "Văn phòng Sở Giáo dục và Đào tạo", "VP", 25),
    ("000.02.03", "000.00.03", "phong_ban", "Phòng Tổ chức cán bộ", "TCCB", 10),
    ("000.03.03", "000.00.03", "dvsn", "Trường THPT Chu Văn An", "THPT CVA", None),
    ("001.03.03", "000.03.03", "phong_ban", "Tổ Toán - Tin", None, None),
    ("002.03.03", "000.03.03", "phong_ban", "Tổ Ngữ văn", None, None),
    ("000.04.03", "000.00.03", "dvsn", "Trường THPT Kim Liên", "THPT KL", None),
    ("001.04.03", "000.04.03", "phong_ban", "Tổ Khoa học tự nhiên", None, None),
    # Sở Y tế
    ("000.01.18", "000.00.18", "phong_ban", "Văn phòng Sở Y tế", "VP", 25),
    ("000.02.18", "000.00.18", "phong_ban", "Phòng Tổ chức cán bộ", "TCCB", 10),
    ("000.03.18", "000.00.18", "dvsn", "Bệnh viện Đa khoa Xanh Pôn", "BV Xanh Pôn", None),
    ("001.03.18", "000.03.18", "phong_ban", "Khoa Nội tổng hợp", None, None),
    ("002.03.18", "000.03.18", "phong_ban", "Khoa Ngoại tổng hợp", None, None),
    ("003.03.18", "000.03.18", "phong_ban", "Phòng Tổ chức cán bộ", None, None),
    ("000.04.18", "000.00.18", "dvsn", "Bệnh viện Thanh Nhàn", "BV Thanh Nhàn", None),
    ("001.04.18", "000.04.18", "phong_ban", "Khoa Cấp cứu", None, None),
    # Sở Tư pháp
    ("000.01.21", "000.00.21", "phong_ban", "Văn phòng Sở Tư pháp", "VP", 15),
    ("000.02.21", "000.00.21", "phong_ban", "Phòng Hành chính tư pháp", "HCTP", 10),
    # Văn phòng UBND Thành phố
    ("000.01.90", "000.00.90", "phong_ban", "Phòng Hành chính - Tổ chức", "HCTC", 20),
    ("000.02.90", "000.00.90", "phong_ban", "Phòng Tổng hợp", "TH", 15),
    # UBND quận Ba Đình
    ("000.01.41", "000.00.41", "phong_ban", "Phòng Nội vụ quận Ba Đình", "PNV", 10),
    ("000.02.41", "000.00.41", "phong_ban", "Phòng Tài chính - Kế hoạch quận Ba Đình", "TCKH", 12),
    ("000.03.41", "000.00.41", "ubnd_xa", "UBND phường Điện Biên", None, 25),
    ("000.04.41", "000.00.41", "ubnd_xa", "UBND phường Ngọc Hà", None, 25),
    ("000.05.41", "000.00.41", "ubnd_xa", "UBND phường Đội Cấn", None, 25),
    # UBND quận Hoàn Kiếm
    ("000.01.42", "000.00.42", "phong_ban", "Phòng Nội vụ quận Hoàn Kiếm", "PNV", 10),
    ("000.02.42", "000.00.42", "ubnd_xa", "UBND phường Hàng Bạc", None, 22),
    ("000.03.42", "000.00.42", "ubnd_xa", "UBND phường Hàng Đào", None, 22),
    # UBND huyện Gia Lâm
    ("000.01.55", "000.00.55", "phong_ban", "Phòng Nội vụ huyện Gia Lâm", "PNV", 10),
    ("000.02.55", "000.00.55", "phong_ban", "Phòng Giáo dục và Đào tạo huyện Gia Lâm", "PGD", 12),
    ("001.02.55", "000.02.55", "dvsn", "Trường Tiểu học Đặng Xá", None, None),
    ("002.02.55", "000.02.55", "dvsn", "Trường THCS Trâu Quỳ", None, None),
    ("000.03.55", "000.00.55", "ubnd_xa", "UBND xã Bát Tràng", None, 20),
    ("000.04.55", "000.00.55", "ubnd_xa", "UBND thị trấn Trâu Quỳ", None, 22),
    # Trường Cao đẳng Y tế Hà Nội
    ("000.01.70", "000.00.70", "phong_ban", "Phòng Đào tạo", None, 8),
    ("000.02.70", "000.00.70", "phong_ban", "Khoa Điều dưỡng", None, 15),
    ("001.02.70", "000.02.70", "phong_ban", "Bộ môn Điều dưỡng cơ bản", None, None),
]

DEMO_UNITS = [
    {
        "code": f"{code}.{CITY_SUFFIX}",
        "parent_code": f"{parent}.{CITY_SUFFIX}" if parent else None,
        "unit_type": utype,
        "name": name,
        "short_name": short,
        "bien_che_quota": quota,
    }
    for code, parent, utype, name, short, quota in _U
]

#: One login per role, each with a sensible scope:
#: (username, role, given name, family+middle name, home unit code, scope unit code, include sub-units)
_SNV = f"000.00.09.{CITY_SUFFIX}"
_ROOT = f"000.00.00.{CITY_SUFFIX}"
_SYT = f"000.00.18.{CITY_SUFFIX}"
DEMO_PASSWORD = "Demo@2026"
DEMO_USERS = [
    ("sonoivu.admin", "Quản trị Sở Nội vụ", "Hùng", "Trần Quốc", _SNV, _ROOT, True),
    ("sonoivu.chuyenvien", "Chuyên viên Sở Nội vụ", "Lan", "Phạm Thị", _SNV, _ROOT, True),
    ("sonoivu.giamdoc", "Giám đốc Sở Nội vụ", "Minh", "Đỗ Văn", _SNV, _ROOT, True),
    ("syt.quantri", "Quản trị cơ quan", "Hà", "Nguyễn Thu", _SYT, _SYT, True),
    ("syt.tccb", "Cán bộ TCCB", "Dũng", "Lê Anh", f"000.02.18.{CITY_SUFFIX}", _SYT, True),
    ("syt.thutruong", "Thủ trưởng", "Thắng", "Vũ Đức", _SYT, _SYT, True),
    ("annv.syt", "Cán bộ công chức", "An", "Nguyễn Văn", f"000.02.18.{CITY_SUFFIX}", f"000.02.18.{CITY_SUFFIX}", False),
    ("xem.baocao", "Xem báo cáo", "Bình", "Hoàng Thanh", _SYT, _SYT, True),
]

#: Hà Nội's demo (its output is pinned by tests/test_demo_hash.py).
CITY = DemoCity(units=DEMO_UNITS, users=DEMO_USERS, decision=DEMO_DECISION, locale=HANOI, pending_officer="syt.tccb")
