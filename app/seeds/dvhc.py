"""Province-level administrative units (đơn vị hành chính cấp tỉnh) before and after the 2025 reform.

Plain data, no database (domain.md §6). Addresses in a personnel file (quê quán, nơi sinh, work history)
refer to the units of their time, and CCCD numbers keep the old codes, so both sets are kept:

- :data:`OLD_PROVINCES`: the 63 provinces with their 2-digit GSO codes (QĐ 124/2004/QĐ-TTg, the list as
  it stood after Hà Tây joined Hà Nội in 2008), in force until 30/06/2025.
- :data:`NEW_PROVINCES`: the 34 provinces from 01/07/2025 (QĐ 19/2025/QĐ-TTg).
- :data:`PROVINCE_SUCCESSOR`: old code -> new code (Nghị quyết 202/2025/QH15 merged whole provinces), and
  :data:`PROVINCE_PREDECESSORS`: new code -> old codes.
"""

from dataclasses import dataclass
from datetime import date

__all__ = [
    "NEW_PROVINCES",
    "NEW_PROVINCES_FROM",
    "NEW_SOURCE",
    "OLD_PROVINCES",
    "OLD_PROVINCES_TO",
    "OLD_SOURCE",
    "PROVINCE_PREDECESSORS",
    "PROVINCE_SUCCESSOR",
    "AdminUnit",
]


@dataclass(frozen=True)
class AdminUnit:
    """One province-level unit: ``name`` with its type prefix ("Tỉnh Hà Giang"), ``short_name`` without."""

    code: str
    name: str
    short_name: str
    kind: str  # "thanh_pho" (thành phố trực thuộc trung ương) or "tinh"
    valid_from: date | None  # None: before the code list, not tracked
    valid_to: date | None  # None: still in force
    source: str


OLD_SOURCE = "QĐ 124/2004/QĐ-TTg"
NEW_SOURCE = "QĐ 19/2025/QĐ-TTg"
OLD_PROVINCES_TO = date(2025, 6, 30)
NEW_PROVINCES_FROM = date(2025, 7, 1)

_OLD = [
    ("01", "Hà Nội"), ("02", "Hà Giang"), ("04", "Cao Bằng"), ("06", "Bắc Kạn"), ("08", "Tuyên Quang"),
    ("10", "Lào Cai"), ("11", "Điện Biên"), ("12", "Lai Châu"), ("14", "Sơn La"), ("15", "Yên Bái"),
    ("17", "Hòa Bình"), ("19", "Thái Nguyên"), ("20", "Lạng Sơn"), ("22", "Quảng Ninh"), ("24", "Bắc Giang"),
    ("25", "Phú Thọ"), ("26", "Vĩnh Phúc"), ("27", "Bắc Ninh"), ("30", "Hải Dương"), ("31", "Hải Phòng"),
    ("33", "Hưng Yên"), ("34", "Thái Bình"), ("35", "Hà Nam"), ("36", "Nam Định"), ("37", "Ninh Bình"),
    ("38", "Thanh Hóa"), ("40", "Nghệ An"), ("42", "Hà Tĩnh"), ("44", "Quảng Bình"), ("45", "Quảng Trị"),
    # Thừa Thiên Huế became "Thành phố Huế" (trực thuộc trung ương) on 01/01/2025; the code list of
    # QĐ 124/2004 names it as a tỉnh, which is what this table keeps.
    ("46", "Thừa Thiên Huế"), ("48", "Đà Nẵng"), ("49", "Quảng Nam"), ("51", "Quảng Ngãi"),
    ("52", "Bình Định"), ("54", "Phú Yên"), ("56", "Khánh Hòa"), ("58", "Ninh Thuận"), ("60", "Bình Thuận"),
    ("62", "Kon Tum"), ("64", "Gia Lai"), ("66", "Đắk Lắk"), ("67", "Đắk Nông"), ("68", "Lâm Đồng"),
    ("70", "Bình Phước"), ("72", "Tây Ninh"), ("74", "Bình Dương"), ("75", "Đồng Nai"),
    ("77", "Bà Rịa - Vũng Tàu"), ("79", "Hồ Chí Minh"), ("80", "Long An"), ("82", "Tiền Giang"),
    ("83", "Bến Tre"), ("84", "Trà Vinh"), ("86", "Vĩnh Long"), ("87", "Đồng Tháp"), ("89", "An Giang"),
    ("91", "Kiên Giang"), ("92", "Cần Thơ"), ("93", "Hậu Giang"), ("94", "Sóc Trăng"), ("95", "Bạc Liêu"),
    ("96", "Cà Mau"),
]
_OLD_CITIES = {"01", "31", "48", "79", "92"}  # Hà Nội, Hải Phòng, Đà Nẵng, Hồ Chí Minh, Cần Thơ

# New code, name, old codes merged into it (domain.md §6 gives the codes and names and HCM's merger;
# the other mergers are those of Nghị quyết 202/2025/QH15, each new province keeping the code of one
# predecessor). Provinces merged whole; the 11 unchanged ones list only themselves.
_NEW = [
    ("01", "Hà Nội", ["01"]),
    ("04", "Cao Bằng", ["04"]),
    ("08", "Tuyên Quang", ["08", "02"]),  # + Hà Giang
    ("11", "Điện Biên", ["11"]),
    ("12", "Lai Châu", ["12"]),
    ("14", "Sơn La", ["14"]),
    ("15", "Lào Cai", ["10", "15"]),  # Lào Cai + Yên Bái, keeps Yên Bái's code 15
    ("19", "Thái Nguyên", ["19", "06"]),  # + Bắc Kạn
    ("20", "Lạng Sơn", ["20"]),
    ("22", "Quảng Ninh", ["22"]),
    ("24", "Bắc Ninh", ["27", "24"]),  # Bắc Ninh + Bắc Giang, keeps Bắc Giang's code 24
    ("25", "Phú Thọ", ["25", "26", "17"]),  # + Vĩnh Phúc + Hòa Bình
    ("31", "Hải Phòng", ["31", "30"]),  # + Hải Dương
    ("33", "Hưng Yên", ["33", "34"]),  # + Thái Bình
    ("37", "Ninh Bình", ["37", "35", "36"]),  # + Hà Nam + Nam Định
    ("38", "Thanh Hóa", ["38"]),
    ("40", "Nghệ An", ["40"]),
    ("42", "Hà Tĩnh", ["42"]),
    ("44", "Quảng Trị", ["45", "44"]),  # Quảng Trị + Quảng Bình, keeps Quảng Bình's code 44
    ("46", "Huế", ["46"]),
    ("48", "Đà Nẵng", ["48", "49"]),  # + Quảng Nam
    ("51", "Quảng Ngãi", ["51", "62"]),  # + Kon Tum
    ("52", "Gia Lai", ["64", "52"]),  # Gia Lai + Bình Định, keeps Bình Định's code 52
    ("56", "Khánh Hòa", ["56", "58"]),  # + Ninh Thuận
    ("66", "Đắk Lắk", ["66", "54"]),  # + Phú Yên
    ("68", "Lâm Đồng", ["68", "67", "60"]),  # + Đắk Nông + Bình Thuận
    ("75", "Đồng Nai", ["75", "70"]),  # + Bình Phước
    ("79", "Hồ Chí Minh", ["79", "74", "77"]),  # + Bình Dương + Bà Rịa - Vũng Tàu (domain.md §6)
    ("80", "Tây Ninh", ["72", "80"]),  # Tây Ninh + Long An, keeps Long An's code 80
    ("82", "Đồng Tháp", ["87", "82"]),  # Đồng Tháp + Tiền Giang, keeps Tiền Giang's code 82
    ("86", "Vĩnh Long", ["86", "83", "84"]),  # + Bến Tre + Trà Vinh
    ("91", "An Giang", ["89", "91"]),  # An Giang + Kiên Giang, keeps Kiên Giang's code 91
    ("92", "Cần Thơ", ["92", "94", "93"]),  # + Sóc Trăng + Hậu Giang
    ("96", "Cà Mau", ["96", "95"]),  # + Bạc Liêu
]
_NEW_CITIES = {"01", "46", "31", "48", "79", "92"}  # Hà Nội, Huế, Hải Phòng, Đà Nẵng, Hồ Chí Minh, Cần Thơ


def _unit(
    code: str, short: str, cities: set[str], valid_from: date | None, valid_to: date | None, source: str
) -> AdminUnit:
    kind = "thanh_pho" if code in cities else "tinh"
    prefix = "Thành phố" if kind == "thanh_pho" else "Tỉnh"
    return AdminUnit(code, f"{prefix} {short}", short, kind, valid_from, valid_to, source)


#: The 63 provinces before 01/07/2025, by 2-digit code ("01" -> Thành phố Hà Nội). The CCCD province
#: part is "0" + one of these codes (domain.md §10).
OLD_PROVINCES: dict[str, AdminUnit] = {
    code: _unit(code, short, _OLD_CITIES, None, OLD_PROVINCES_TO, OLD_SOURCE) for code, short in _OLD
}

#: The 34 provinces from 01/07/2025, by 2-digit code ("46" -> Thành phố Huế).
NEW_PROVINCES: dict[str, AdminUnit] = {
    code: _unit(code, short, _NEW_CITIES, NEW_PROVINCES_FROM, None, NEW_SOURCE) for code, short, _ in _NEW
}

#: Old code -> the new code of the province it was merged into on 01/07/2025 (all 63 old codes).
PROVINCE_SUCCESSOR: dict[str, str] = {old: new for new, _, olds in _NEW for old in olds}

#: New code -> the old codes merged into it.
PROVINCE_PREDECESSORS: dict[str, tuple[str, ...]] = {new: tuple(olds) for new, _, olds in _NEW}
