"""The Hồ Chí Minh demo city (``CITY_PROFILE=hcm``): UBND Thành phố Hồ Chí Minh, its sở, their units, and the
wards, communes and special zone of the two-level local government in force from 01/07/2025 (domain.md §6: TP HCM
= 113 phường, 54 xã and đặc khu Côn Đảo; no district level).

The same logins as Hà Nội's demo (the README's table) with the same roles and scopes, plus ``bvgd.tccb``, the
personnel officer of Bệnh viện Nhân dân Gia Định: the demo's pending changes are entered by that officer on people's
behalf, so that ``syt.tccb`` (the Sở's personnel section) can verify them and ``syt.thutruong`` approve them — under
four eyes nobody verifies or approves a change they prepared themselves.

Codes follow QĐ 20/2020/QĐ-TTg's 4-level form with HCM's level-1 code ``H29`` (``000.00.00.H29`` = UBND TP Hồ Chí
Minh, domain.md §4); the lower levels are illustrative.
"""

from datetime import date

from app.seeds.demo_city import DemoCity
from app.seeds.demo_people.places import CityLocale

__all__ = ["CITY", "CITY_SUFFIX", "DEMO_UNITS", "DEMO_USERS"]

CITY_SUFFIX = "H29"
DEMO_DECISION = {"number": "01/QĐ-UBND", "date": date(2025, 7, 1)}

# (code, parent code or None, type, name, short name, biên chế)
_U = [
    ("000.00.00", None, "ubnd_tp", "UBND Thành phố Hồ Chí Minh", "UBND TP", None),
    # Level 2: sở, ban, ngành
    ("000.00.09", "000.00.00", "so_nganh", "Sở Nội vụ", "SNV", 140),
    ("000.00.02", "000.00.00", "so_nganh", "Sở Tài chính", "STC", 170),
    ("000.00.03", "000.00.00", "so_nganh", "Sở Giáo dục và Đào tạo", "SGDĐT", 200),
    ("000.00.18", "000.00.00", "so_nganh", "Sở Y tế", "SYT", 180),
    ("000.00.21", "000.00.00", "so_nganh", "Sở Tư pháp", "STP", 80),
    ("000.00.90", "000.00.00", "so_nganh", "Văn phòng UBND Thành phố", "VP UBND", 120),
    # Wards, communes and the special zone, directly under the city since 01/07/2025.
    ("000.00.41", "000.00.00", "ubnd_xa", "UBND phường Sài Gòn", None, 40),
    ("000.00.42", "000.00.00", "ubnd_xa", "UBND phường Bến Thành", None, 40),
    ("000.00.43", "000.00.00", "ubnd_xa", "UBND phường Tân Định", None, 35),
    ("000.00.44", "000.00.00", "ubnd_xa", "UBND phường Thủ Dầu Một", None, 40),
    ("000.00.45", "000.00.00", "ubnd_xa", "UBND phường Vũng Tàu", None, 40),
    ("000.00.55", "000.00.00", "ubnd_xa", "UBND xã Bình Chánh", None, 35),
    ("000.00.56", "000.00.00", "ubnd_xa", "UBND đặc khu Côn Đảo", None, 30),
    ("000.00.70", "000.00.00", "dvsn", "Trường Cao đẳng Y tế Thành phố Hồ Chí Minh", "CĐYT TP", 60),
    ("000.00.80", "000.00.00", "hoi", "Hội Chữ thập đỏ Thành phố", "Hội CTĐ", 20),
    # Level 3 and 4 under Sở Nội vụ
    ("000.01.09", "000.00.09", "phong_ban", "Văn phòng Sở Nội vụ", "VP", 22),
    ("000.02.09", "000.00.09", "phong_ban", "Phòng Tổ chức, biên chế và tổ chức phi chính phủ", "TCBC", 14),
    ("000.03.09", "000.00.09", "phong_ban", "Phòng Công chức, viên chức", "CCVC", 14),
    ("000.04.09", "000.00.09", "phong_ban", "Phòng Cải cách hành chính", "CCHC", 10),
    ("000.05.09", "000.00.09", "phong_ban", "Ban Thi đua - Khen thưởng", "BTĐKT", 28),
    ("001.05.09", "000.05.09", "phong_ban", "Phòng Nghiệp vụ Thi đua", None, 9),
    ("002.05.09", "000.05.09", "phong_ban", "Phòng Nghiệp vụ Khen thưởng", None, 9),
    ("000.06.09", "000.00.09", "phong_ban", "Chi cục Văn thư - Lưu trữ", "CCVTLT", 32),
    ("001.06.09", "000.06.09", "dvsn", "Trung tâm Lưu trữ lịch sử", "TTLTLS", 20),
    # Sở Tài chính
    ("000.01.02", "000.00.02", "phong_ban", "Văn phòng Sở Tài chính", "VP", 26),
    ("000.02.02", "000.00.02", "phong_ban", "Phòng Quản lý ngân sách", "QLNS", 22),
    ("000.03.02", "000.00.02", "phong_ban", "Phòng Tài chính doanh nghiệp", "TCDN", 16),
    # Sở Giáo dục và Đào tạo
    ("000.01.03", "000.00.03", "phong_ban", "Văn phòng Sở Giáo dục và Đào tạo", "VP", 26),
    ("000.02.03", "000.00.03", "phong_ban", "Phòng Tổ chức cán bộ", "TCCB", 10),
    ("000.03.03", "000.00.03", "dvsn", "Trường THPT Lê Quý Đôn", "THPT LQĐ", None),
    ("001.03.03", "000.03.03", "phong_ban", "Tổ Toán - Tin", None, None),
    ("002.03.03", "000.03.03", "phong_ban", "Tổ Ngữ văn", None, None),
    ("000.04.03", "000.00.03", "dvsn", "Trường THPT Nguyễn Thị Minh Khai", "THPT NTMK", None),
    ("001.04.03", "000.04.03", "phong_ban", "Tổ Khoa học tự nhiên", None, None),
    # Sở Y tế
    ("000.01.18", "000.00.18", "phong_ban", "Văn phòng Sở Y tế", "VP", 26),
    ("000.02.18", "000.00.18", "phong_ban", "Phòng Tổ chức cán bộ", "TCCB", 10),
    ("000.03.18", "000.00.18", "dvsn", "Bệnh viện Nhân dân Gia Định", "BV NDGĐ", None),
    ("001.03.18", "000.03.18", "phong_ban", "Khoa Nội tổng hợp", None, None),
    ("002.03.18", "000.03.18", "phong_ban", "Khoa Ngoại tổng hợp", None, None),
    ("003.03.18", "000.03.18", "phong_ban", "Phòng Tổ chức cán bộ", None, None),
    ("000.04.18", "000.00.18", "dvsn", "Bệnh viện Nhân dân 115", "BV 115", None),
    ("001.04.18", "000.04.18", "phong_ban", "Khoa Cấp cứu", None, None),
    # Sở Tư pháp
    ("000.01.21", "000.00.21", "phong_ban", "Văn phòng Sở Tư pháp", "VP", 16),
    ("000.02.21", "000.00.21", "phong_ban", "Phòng Hành chính tư pháp", "HCTP", 10),
    # Văn phòng UBND Thành phố
    ("000.01.90", "000.00.90", "phong_ban", "Phòng Hành chính - Tổ chức", "HCTC", 20),
    ("000.02.90", "000.00.90", "phong_ban", "Phòng Tổng hợp", "TH", 15),
    # UBND xã Bình Chánh: its office, a section and the schools it runs (from 01/07/2025 the commune does).
    ("000.01.55", "000.00.55", "phong_ban", "Văn phòng HĐND và UBND xã Bình Chánh", None, 12),
    ("000.02.55", "000.00.55", "phong_ban", "Phòng Văn hóa - Xã hội xã Bình Chánh", None, 8),
    ("000.03.55", "000.00.55", "dvsn", "Trường Tiểu học Bình Chánh", None, None),
    ("000.04.55", "000.00.55", "dvsn", "Trường THCS Bình Chánh", None, None),
    # Trường Cao đẳng Y tế Thành phố Hồ Chí Minh
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

_SNV = f"000.00.09.{CITY_SUFFIX}"
_ROOT = f"000.00.00.{CITY_SUFFIX}"
_SYT = f"000.00.18.{CITY_SUFFIX}"
_BVGD = f"000.03.18.{CITY_SUFFIX}"
DEMO_USERS = [
    ("sonoivu.admin", "Quản trị Sở Nội vụ", "Hùng", "Trần Quốc", _SNV, _ROOT, True),
    ("sonoivu.chuyenvien", "Chuyên viên Sở Nội vụ", "Lan", "Phạm Thị", _SNV, _ROOT, True),
    ("sonoivu.giamdoc", "Giám đốc Sở Nội vụ", "Minh", "Đỗ Văn", _SNV, _ROOT, True),
    ("syt.quantri", "Quản trị cơ quan", "Hà", "Nguyễn Thu", _SYT, _SYT, True),
    ("syt.tccb", "Cán bộ TCCB", "Dũng", "Lê Anh", f"000.02.18.{CITY_SUFFIX}", _SYT, True),
    ("syt.thutruong", "Thủ trưởng", "Thắng", "Vũ Đức", _SYT, _SYT, True),
    ("annv.syt", "Cán bộ công chức", "An", "Nguyễn Văn", f"000.02.18.{CITY_SUFFIX}", f"000.02.18.{CITY_SUFFIX}", False),
    ("xem.baocao", "Xem báo cáo", "Bình", "Hoàng Thanh", _SYT, _SYT, True),
    ("bvgd.tccb", "Cán bộ TCCB", "Trang", "Huỳnh Thị Thu", _BVGD, _BVGD, True),
]

#: Births in the city: wards and districts of the time (before 01/07/2025).
_BIRTHS = (
    ("Phường Bến Nghé", "Quận 1"), ("Phường Tân Định", "Quận 1"), ("Phường 7", "Quận 3"),
    ("Phường 12", "Quận 10"), ("Phường 2", "Quận Tân Bình"), ("Phường 15", "Quận Bình Thạnh"),
)

#: Wards after 01/07/2025 with streets, for the current residence (item 10).
_WARDS = (
    ("Sài Gòn", ("Lê Lợi", "Nguyễn Huệ", "Đồng Khởi")), ("Bến Thành", ("Lê Thánh Tôn", "Phạm Ngũ Lão")),
    ("Tân Định", ("Hai Bà Trưng", "Trần Quang Khải")), ("Xuân Hòa", ("Võ Văn Tần", "Nam Kỳ Khởi Nghĩa")),
    ("Bàn Cờ", ("Nguyễn Đình Chiểu", "Cao Thắng")), ("Gia Định", ("Phan Đăng Lưu", "Nơ Trang Long")),
    ("Bình Thạnh", ("Xô Viết Nghệ Tĩnh", "Điện Biên Phủ")), ("Tân Sơn Nhất", ("Hoàng Văn Thụ", "Trường Sơn")),
    ("Phú Nhuận", ("Phan Xích Long", "Nguyễn Văn Trỗi")), ("Chợ Lớn", ("Trần Hưng Đạo", "Châu Văn Liêm")),
    ("Thủ Đức", ("Võ Văn Ngân", "Kha Vạn Cân")), ("An Khánh", ("Trần Não", "Lương Định Của")),
    ("Tân Mỹ", ("Nguyễn Thị Thập", "Huỳnh Tấn Phát")), ("Thủ Dầu Một", ("Yersin", "Bạch Đằng")),
)

_APARTMENTS = (("tòa S2.05, khu đô thị Vinhomes Grand Park", "Long Bình"),
               ("tòa L3, khu căn hộ The Sun Avenue", "Bình Trưng"),
               ("tòa C, chung cư Sunrise City", "Tân Hưng"), ("tòa B, chung cư Him Lam Riverside", "Tân Hưng"),
               ("tòa Landmark 2, khu đô thị Vinhomes Central Park", "Thạnh Mỹ Tây"))

#: Where the shared profile data (app/seeds/demo_people/profiles.py, training.py, family.py) names Hà Nội's schools,
#: hospitals and agencies: Hồ Chí Minh's (whole names only; the people's own places are left alone).
_RENAMES = (
    ("Trường Đại học Luật Hà Nội", "Trường Đại học Luật Thành phố Hồ Chí Minh"),
    ("Trường Đại học Nội vụ Hà Nội", "Phân hiệu Trường Đại học Nội vụ Hà Nội tại Thành phố Hồ Chí Minh"),
    ("Trường Đại học Kinh tế Quốc dân", "Trường Đại học Kinh tế Thành phố Hồ Chí Minh"),
    ("Trường Đại học Khoa học Xã hội và Nhân văn - ĐHQG Hà Nội",
     "Trường Đại học Khoa học Xã hội và Nhân văn - ĐHQG Thành phố Hồ Chí Minh"),
    ("Trường Đại học Bách khoa Hà Nội", "Trường Đại học Bách khoa - ĐHQG Thành phố Hồ Chí Minh"),
    ("Trường Đại học Tài nguyên và Môi trường Hà Nội", "Trường Đại học Tài nguyên và Môi trường Thành phố Hồ Chí Minh"),
    ("Trường Đại học Y Hà Nội", "Trường Đại học Y Dược Thành phố Hồ Chí Minh"),
    ("Trường Đại học Y Dược Thái Bình", "Trường Đại học Y Dược Cần Thơ"),
    ("Trường Đại học Y Dược - ĐHQG Hà Nội", "Trường Đại học Y khoa Phạm Ngọc Thạch"),
    ("Trường Đại học Y Dược Hải Phòng", "Trường Đại học Y Dược Huế"),
    ("Sở Y tế Hà Nội", "Sở Y tế Thành phố Hồ Chí Minh"),
    ("Bệnh viện Đa khoa huyện Sóc Sơn", "Bệnh viện Đa khoa khu vực Củ Chi"),
    ("Trung tâm Y tế huyện Đông Anh", "Trung tâm Y tế huyện Hóc Môn"),
    ("Bệnh viện Đa khoa Đức Giang", "Bệnh viện Đa khoa Sài Gòn"),
    ("Bệnh viện Đa khoa Hà Đông", "Bệnh viện Đa khoa khu vực Thủ Đức"),
    ("Phòng Nội vụ huyện Sóc Sơn", "Phòng Nội vụ huyện Củ Chi"),
    ("UBND huyện Sóc Sơn", "UBND huyện Củ Chi"),
    ("UBND xã Phù Đổng, huyện Gia Lâm", "UBND xã Tân Nhựt, huyện Bình Chánh"),
    ("UBND huyện Gia Lâm", "UBND huyện Bình Chánh"),
    ("Phòng Tài chính - Kế hoạch huyện Đông Anh", "Phòng Tài chính - Kế hoạch huyện Hóc Môn"),
    ("UBND huyện Đông Anh", "UBND huyện Hóc Môn"),
    ("Văn phòng HĐND và UBND quận Cầu Giấy", "Văn phòng HĐND và UBND quận Tân Bình"),
    ("UBND quận Cầu Giấy", "UBND quận Tân Bình"),
    ("Sở Kế hoạch và Đầu tư Hà Nội", "Sở Kế hoạch và Đầu tư Thành phố Hồ Chí Minh"),
    ("Sở Lao động - Thương binh và Xã hội Hà Nội", "Sở Lao động - Thương binh và Xã hội Thành phố Hồ Chí Minh"),
    ("Thanh tra thành phố Hà Nội", "Thanh tra Thành phố Hồ Chí Minh"),
    ("UBND phường Kim Liên, quận Đống Đa", "UBND phường Bến Nghé, Quận 1"),
    ("UBND quận Đống Đa", "UBND Quận 1"),
    ("Trường THPT Sóc Sơn", "Trường THPT Củ Chi"),
    ("Trường THPT Yên Hòa", "Trường THPT Nguyễn Thượng Hiền"),
    ("Trường THPT Việt Đức", "Trường THPT Trưng Vương"),
    ("Sở Giáo dục và Đào tạo Hà Nội", "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh"),
    ("Trường Đại học Sư phạm Hà Nội 2", "Trường Đại học Sài Gòn"),
    ("Trường Đại học Sư phạm Hà Nội", "Trường Đại học Sư phạm Thành phố Hồ Chí Minh"),
    ("Trường Đại học Thủ đô Hà Nội", "Trường Đại học Sài Gòn"),
    ("Trường Đại học Giáo dục - ĐHQG Hà Nội", "Trường Đại học Sư phạm Thành phố Hồ Chí Minh"),
    ("Trường Đại học Ngoại ngữ - ĐHQG Hà Nội",
     "Trường Đại học Khoa học Xã hội và Nhân văn - ĐHQG Thành phố Hồ Chí Minh"),
    ("Trường Tiểu học Phù Đổng", "Trường Tiểu học Tân Nhựt"),
    ("Trường Tiểu học Kiêu Kỵ", "Trường Tiểu học An Phú Tây"),
    ("Trường THCS Dương Xá", "Trường THCS Tân Nhựt"),
    ("Trường THCS Cổ Bi", "Trường THCS Đa Phước"),
    ("Trường Đại học Văn hóa Hà Nội", "Trường Đại học Văn hóa Thành phố Hồ Chí Minh"),
    ("Trường Cao đẳng Sư phạm Hà Nội", "Trường Cao đẳng Sư phạm Trung ương Thành phố Hồ Chí Minh"),
    ("Trường Quân sự Bộ Tư lệnh Thủ đô Hà Nội", "Trường Quân sự Bộ Tư lệnh Thành phố Hồ Chí Minh"),
    ("Trường Đại học Công nghệ - ĐHQG Hà Nội", "Trường Đại học Công nghệ Thông tin - ĐHQG Thành phố Hồ Chí Minh"),
    ("Trường Đại học Hà Nội", "Trường Đại học Ngoại ngữ - Tin học Thành phố Hồ Chí Minh"),
    ("Viện Pháp tại Hà Nội (IDECAF)", "Viện Trao đổi Văn hóa với Pháp (IDECAF)"),
    ("ĐHQG Hà Nội", "ĐHQG Thành phố Hồ Chí Minh"),
    ("Công ty Cổ phần Tư vấn Xây dựng Hà Nội", "Công ty Cổ phần Tư vấn Xây dựng Sài Gòn"),
    ("Bệnh viện Bạch Mai", "Bệnh viện Chợ Rẫy"),
    ("Trường Tiểu học Nghĩa Tân", "Trường Tiểu học Lê Ngọc Hân"),
    ("UBND phường Láng", "UBND phường Bàn Cờ"),
    ("Bảo hiểm xã hội thành phố Hà Nội", "Bảo hiểm xã hội Thành phố Hồ Chí Minh"),
    ("Chủ tịch UBND Thành phố Hà Nội", "Chủ tịch UBND Thành phố Hồ Chí Minh"),
)

LOCALE = CityLocale(
    city="Thành phố Hồ Chí Minh", written="Thành phố Hồ Chí Minh", province_code="79", bhxh_prefix="79",
    bhyt_prefix="HC479", file_prefix="HCM", births=_BIRTHS, wards=_WARDS, apartments=_APARTMENTS, alley="hẻm",
    street="đường",
    home_weights={"hcm_1": 6, "hcm_2": 5, "hcm_3": 4, "long_an": 4, "tien_giang": 4, "ben_tre": 4, "dong_nai": 3,
                  "binh_duong": 3, "quang_ngai": 4, "quang_nam": 4, "can_tho": 2, "nghe_an_1": 2, "thanh_hoa": 2,
                  "ha_tinh": 1, "nam_dinh_1": 2, "thai_binh_1": 1, "ha_noi_1": 1},
    renames=_RENAMES,
)

CITY = DemoCity(
    units=DEMO_UNITS, users=DEMO_USERS, decision=DEMO_DECISION, locale=LOCALE, pending_officer="bvgd.tccb",
    # Hà Nội's fixed people live in district units this two-level city does not have.
    prefix_map={"000.03.41": "000.00.42", "001.02.55": "000.03.55"},
)
