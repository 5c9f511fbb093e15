"""Places: home communes and provinces, the city's wards and streets (:class:`CityLocale`: Hà Nội's by default,
:data:`HCM` for the Hồ Chí Minh demo), and the demo units as the generator sees them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.seeds.demo_people.common import pick

#: key -> (commune, district, old GSO province code, province as written, weight). Quê quán and nơi sinh
#: refer to the units of their time (domain.md §6), so these are the pre-2025 three-level names.
PLACES = {
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
    # Weight 0 here: drawn only where a city's :attr:`CityLocale.home_weights` names them (the Hồ Chí Minh demo).
    "hcm_1": ("Xã Tân Thông Hội", "Huyện Củ Chi", "79", "Thành phố Hồ Chí Minh", 0),
    "hcm_2": ("Xã Bà Điểm", "Huyện Hóc Môn", "79", "Thành phố Hồ Chí Minh", 0),
    "hcm_3": ("Xã Tân Nhựt", "Huyện Bình Chánh", "79", "Thành phố Hồ Chí Minh", 0),
    "long_an": ("Xã Long Hựu Đông", "Huyện Cần Đước", "80", "tỉnh Long An", 0),
    "tien_giang": ("Xã Tân Mỹ Chánh", "Thành phố Mỹ Tho", "82", "tỉnh Tiền Giang", 0),
    "ben_tre": ("Xã Phú Hưng", "Thành phố Bến Tre", "83", "tỉnh Bến Tre", 0),
    "dong_nai": ("Xã Long Hưng", "Thành phố Biên Hòa", "75", "tỉnh Đồng Nai", 0),
    "binh_duong": ("Xã An Tây", "Thị xã Bến Cát", "74", "tỉnh Bình Dương", 0),
    "quang_ngai": ("Xã Tịnh Khê", "Thành phố Quảng Ngãi", "51", "tỉnh Quảng Ngãi", 0),
    "quang_nam": ("Xã Điện Quang", "Thị xã Điện Bàn", "49", "tỉnh Quảng Nam", 0),
    "can_tho": ("Phường An Bình", "Quận Ninh Kiều", "92", "thành phố Cần Thơ", 0),
}


#: Places of birth inside Hà Nội (districts that existed when these people were born).
HANOI_BIRTH = (
    ("Phường Kim Liên", "Quận Đống Đa"), ("Phường Bạch Mai", "Quận Hai Bà Trưng"),
    ("Phường Kim Mã", "Quận Ba Đình"), ("Phường Hàng Bông", "Quận Hoàn Kiếm"),
    ("Phường Phương Mai", "Quận Đống Đa"), ("Phường Đồng Nhân", "Quận Hai Bà Trưng"),
)


#: Wards of Hà Nội after 01/07/2025 with streets, for the current residence (item 10).
WARDS = (
    ("Ô Chợ Dừa", ("Hào Nam", "Xã Đàn", "Đê La Thành")), ("Kim Liên", ("Phạm Ngọc Thạch", "Đào Duy Anh")),
    ("Láng", ("Láng", "Nguyễn Chí Thanh")), ("Cầu Giấy", ("Trần Duy Hưng", "Cầu Giấy")),
    ("Yên Hòa", ("Trung Kính", "Nguyễn Khang")), ("Thanh Xuân", ("Nguyễn Trãi", "Khương Trung")),
    ("Hoàng Mai", ("Tam Trinh", "Giải Phóng")), ("Long Biên", ("Nguyễn Văn Cừ", "Ngọc Lâm")),
    ("Ngọc Hà", ("Đội Cấn", "Liễu Giai")), ("Bạch Mai", ("Bạch Mai", "Minh Khai")),
    ("Hà Đông", ("Quang Trung", "Tô Hiệu")), ("Tây Hồ", ("Lạc Long Quân", "Âu Cơ")),
    ("Hoàn Kiếm", ("Hàng Bạc", "Hàng Đào")), ("Nghĩa Đô", ("Hoàng Quốc Việt", "Nghĩa Tân")),
)


APARTMENTS = (("tòa CT2, khu đô thị Xa La", "Hà Đông"), ("tòa N04, khu đô thị Trung Hòa - Nhân Chính", "Yên Hòa"),
               ("tòa T5, khu đô thị Times City", "Vĩnh Tuy"), ("tòa HH1, khu đô thị Linh Đàm", "Hoàng Liệt"),
               ("tòa B2, khu đô thị Mỹ Đình II", "Từ Liêm"))


@dataclass(frozen=True)
class CityLocale:
    """What the people of a demo city have of their city: where they were born and live, the prefixes of their
    numbers, where they studied and worked before (``renames``: Hà Nội's institutions in the shared profile data
    -> this city's, applied to every text of a file but the person's own places)."""

    #: The city as appended to an agency ("Sở Y tế Hà Nội") and as written at the end of an address.
    city: str
    written: str
    #: Province code (GSO, before 2025) of births in the city, first digits of a BHXH number, BHYT prefix.
    province_code: str
    bhxh_prefix: str
    bhyt_prefix: str
    file_prefix: str
    #: (ward, district) of births in the city (the districts of that time).
    births: tuple[tuple[str, str], ...]
    #: (ward after 01/07/2025, streets) and (building, ward) of current addresses; "ngõ … phố" or "hẻm … đường".
    wards: tuple[tuple[str, tuple[str, ...]], ...]
    apartments: tuple[tuple[str, str], ...]
    alley: str = "ngõ"
    street: str = "phố"
    #: Home places (keys of :data:`PLACES`) -> weight, instead of the weights of :data:`PLACES`.
    home_weights: dict[str, int] | None = None
    renames: tuple[tuple[str, str], ...] = ()
    _pattern: re.Pattern | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        if self.renames:
            alternatives = sorted((re.escape(old) for old, _new in self.renames), key=len, reverse=True)
            object.__setattr__(self, "_pattern", re.compile("|".join(alternatives)))

    def localise(self, text):
        """``text`` with the renames applied in one pass (a replacement is never renamed again)."""
        if self._pattern is None or not isinstance(text, str):
            return text
        table = dict(self.renames)
        return self._pattern.sub(lambda m: table[m.group(0)], text)


#: Hà Nội: the demo's own city (its output is pinned by tests/test_demo_hash.py).
HANOI = CityLocale(city="Hà Nội", written="thành phố Hà Nội", province_code="01", bhxh_prefix="01",
                   bhyt_prefix="HC401", file_prefix="HN", births=HANOI_BIRTH, wards=WARDS, apartments=APARTMENTS)


@dataclass(frozen=True)
class Unit:
    """A demo unit as the generator sees it: code, name, type, short name, parent; ``city`` names the city that
    the agencies' names are completed with ("Sở Y tế" -> "Sở Y tế Hà Nội")."""
    code: str
    name: str
    unit_type: str
    short_name: str | None
    parent: Unit | None
    city: str = "Hà Nội"

    def ancestors(self):
        """The parent, its parent … up to the root."""
        u = self.parent
        while u is not None:
            yield u
            u = u.parent

    @property
    def level2(self) -> Unit:
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
            if core_name(u.name) not in ", ".join(parts):
                parts.append(u.name)
        top = self.level2
        if self.unit_type in ("ubnd_xa", "dvsn") and top.unit_type == "ubnd_huyen" and core_name(top.name) not in \
                ", ".join(parts):
            parts.append(core_name(top.name))
        return ", ".join(parts)

    @property
    def employer(self) -> str:
        """The agency that recruits staff of this unit (item 13)."""
        for u in (self, *self.ancestors()):
            if u.unit_type == "dvsn" and u.name.startswith("Bệnh viện"):
                return u.name  # public hospitals recruit their own viên chức
        top = self.level2
        return city_name(top.name, self.city) if top.unit_type == "so_nganh" else top.name

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
        return "QĐ-" + {"CĐYT HN": "CĐYT", "CĐYT TP": "CĐYT", "Hội CTĐ": "HCTĐ", "VP UBND": "VP"}.get(
            top.short_name, top.short_name)


def core_name(name: str) -> str:
    """A commune's name without its "UBND " prefix."""
    return name.removeprefix("UBND ").strip()


def city_name(name: str, city: str = "Hà Nội") -> str:
    """``name`` with ``city`` appended unless it already names the city."""
    return name if city in name or "Thành phố" in name else f"{name} {city}"


def unit_tree(demo_units: list[dict], city: str = "Hà Nội") -> dict[str, Unit]:
    """The demo units as :class:`Unit` objects linked to their parents, by code."""
    out: dict[str, Unit] = {}
    for spec in demo_units:  # parents come first in DEMO_UNITS
        parent = out.get(spec["parent_code"]) if spec["parent_code"] else None
        out[spec["code"]] = Unit(spec["code"], spec["name"], spec["unit_type"], spec.get("short_name"), parent,
                                 city)
    return out


class PlacesMixin:
    """Places: home communes and current addresses.

    A mixin of :class:`~app.seeds.demo_people.generator.Generator`.
    """

    def place(self, key: str | None = None) -> tuple[str, str, str, str]:
        """(commune, district, old province code, province as written) of ``key`` or of a weighted draw."""
        if key is None:
            weights = self.locale.home_weights
            key = pick(self.rng, [(k, v[4]) for k, v in PLACES.items() if v[4]] if weights is None else
                       list(weights.items()))
        commune, district, code, province, _w = PLACES[key]
        return commune, district, code, province

    def residence(self) -> str:
        """A current address in the city (wards after 01/07/2025)."""
        r, loc = self.rng, self.locale
        ward, streets = r.choice(loc.wards)
        if r.random() < 0.35:
            building, area = r.choice(loc.apartments)
            return f"Căn hộ {r.randint(3, 28)}{r.randint(1, 20):02d}, {building}, phường {area}, {loc.written}"
        house = r.randint(2, 150)
        if r.random() < 0.6:
            return f"Số {house}, {loc.alley} {r.randint(5, 300)} {loc.street} {r.choice(streets)}, phường {ward}, " \
                   f"{loc.written}"
        return f"Số {house} {loc.street} {r.choice(streets)}, phường {ward}, {loc.written}"
