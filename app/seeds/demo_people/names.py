"""Names (with their real frequencies, minorities, hard cases for search and sort) and the identity of a person."""

from __future__ import annotations

from datetime import date, timedelta

from app.seeds.demo_people.common import Draft, add_years, pick
from app.seeds.demo_people.profiles import PROFILES, profile_key
from app.seeds.demo_people.salary import retirement_date

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


MIDDLE_NAMES = {
    "nam": (("Văn", 30), ("Đức", 8), ("Minh", 7), ("Quốc", 5), ("Hữu", 5), ("Thanh", 4), ("Mạnh", 3),
            ("Quang", 4), ("Xuân", 3), ("Anh", 3), ("Trung", 2), ("Công", 3), ("Đình", 4), ("Ngọc", 3),
            ("Hoàng", 2), ("Duy", 2), ("Tiến", 2), ("Việt", 2), ("Bá", 2), ("Thế", 2), ("Trọng", 2),
            ("Khắc", 1), ("Đăng", 1), ("Tuấn", 1)),
    "nu": (("Thị", 45), ("Thu", 7), ("Thanh", 6), ("Ngọc", 6), ("Minh", 4), ("Thúy", 3), ("Phương", 3),
           ("Hồng", 3), ("Hải", 2), ("Mai", 2), ("Bích", 2), ("Kim", 2), ("Diệu", 1), ("Khánh", 2),
           ("Quỳnh", 1), ("Hoài", 1), ("Thị Thu", 3), ("Thị Thanh", 2), ("Thị Minh", 1), ("Lan", 1)),
}


GIVEN_NAMES = {
    "nam": ("Anh", "Dũng", "Hùng", "Hải", "Tuấn", "Minh", "Long", "Nam", "Sơn", "Thắng", "Quân", "Huy",
            "Đức", "Cường", "Trung", "Hiếu", "Hoàng", "Khánh", "Phong", "Tùng", "Thành", "Bình", "Hưng",
            "Lâm", "Quang", "Việt", "Toàn", "Thịnh", "Vinh", "Tâm", "Đạt", "Kiên", "Nghĩa", "Phúc",
            "Trường", "Hiệp", "Khoa", "Duy", "Tiến", "Hòa", "Lợi", "Chiến", "Định", "Thái", "Tú", "Quý"),
    "nu": ("Hương", "Lan", "Hà", "Linh", "Trang", "Hằng", "Thảo", "Ngọc", "Huyền", "Nga", "Mai", "Phương",
           "Thủy", "Hạnh", "Loan", "Yến", "Dung", "Hoa", "Nhung", "Oanh", "Vân", "Giang", "Hiền", "Liên",
           "Hồng", "Thúy", "Quỳnh", "Anh", "Chi", "Nhàn", "Hòa", "Tâm", "Thư", "Vy", "Uyên", "Trâm", "Duyên",
           "Lý", "My", "Thắm", "Xuân", "Nguyệt"),
}


#: Ethnic groups other than Kinh: QĐ 121-TCTK code -> (family names, home places (index in PLACES)).
MINORITIES = {
    "02": (("Nông", "Hoàng", "Bế", "Ma", "Lục", "Hà"), ("cao_bang", "tuyen_quang", "lang_son")),  # Tày
    "03": (("Lò", "Lường", "Cầm", "Quàng", "Hà", "Vi"), ("son_la",)),  # Thái
    "06": (("Đinh", "Bùi", "Quách", "Bạch", "Xa"), ("hoa_binh",)),  # Mường
    "07": (("Hoàng", "Nông", "Lương", "Vi", "Triệu"), ("lang_son", "cao_bang")),  # Nùng
    "09": (("Triệu", "Bàn", "Lý", "Đặng"), ("tuyen_quang",)),  # Dao
}


#: Ê Đê clan names and personal names (a man's name follows "Y", a woman's "H'").
EDE_CLANS = ("Ênuôl", "Niê", "Mlô", "Êban", "Kpă", "Ksơr", "Adrơng", "Byă", "Buôn Yă")


EDE_GIVEN = {"nam": ("Kông", "Bhin", "Blô", "Ju", "Thuột", "Khuê", "Dhăm", "Tlam"),
             "nu": ("Yim", "Linh", "Zawa", "Hen", "Rin", "Drim", "Bia", "Nguôn")}


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


class NamesMixin:
    """The person's identity: name, ethnicity, home place, birth, ID and insurance numbers.

    A mixin of :class:`~app.seeds.demo_people.generator.Generator`.
    """

    def name(self, sex: str, family: str | None = None) -> tuple[str, str, str]:
        """(họ, đệm, tên) for ``sex``; the family name drawn by frequency unless given."""
        r = self.rng
        family = family or pick(r, FAMILY_NAMES)
        middle = pick(r, MIDDLE_NAMES[sex])
        given = r.choice(GIVEN_NAMES[sex])
        while given in middle.split():
            given = r.choice(GIVEN_NAMES[sex])
        return family, middle, given

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
        """A unique 10-digit social-insurance number issued in the city."""
        while True:
            number = self.locale.bhxh_prefix + "%08d" % self.rng.randint(0, 99_999_999)
            if number not in self.bhxh:
                self.bhxh.add(number)
                return number

    def draw_identity(self, draft: Draft) -> None:
        """Sex, ethnicity and home place, name, religion, birth date and the end of the career."""
        r = self.rng
        archive, ethnicity, home, name = draft.archive, draft.ethnicity, draft.home, draft.name
        religion, role, sex, unit = draft.religion, draft.role, draft.sex, draft.unit
        profile = PROFILES[profile_key(unit)]
        if unit.unit_type == "so_nganh":
            role = "head" if role == "staff" else role
        tap_su = role == "tap_su"
        sex = sex or ("nu" if r.random() < profile.female else "nam")

        # Ethnicity and home place (quê quán) go together for minorities.
        if ethnicity is None:
            ethnicity = "01" if r.random() < 0.93 else r.choice(sorted(MINORITIES))
        if home is None:
            home = r.choice(MINORITIES[ethnicity][1]) if ethnicity in MINORITIES else None
        commune, district, home_code, home_province = self.place(home)
        if name is None:
            family = r.choice(MINORITIES[ethnicity][0]) if ethnicity in MINORITIES else None
            name = self.name(sex, family)
        family, middle, given = name
        if religion is None:
            religion = pick(r, (("00", 86), ("02", 7), ("01", 6), ("04", 1)))

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
            birth = self.date_in(add_years(self.as_of, -age - 1) + timedelta(days=1), add_years(self.as_of, -age))
            if status == "resigned":
                birth = add_years(birth, -3)
                until = date(2025, 1, 1)
            elif status == "deceased":
                until = self.date_in(date(2025, 8, 1), date(2026, 3, 31))
        precision = "month" if birth.year < 1976 and r.random() < 0.12 else "day"
        if precision == "month":
            birth = birth.replace(day=1)
        draft.birth, draft.commune, draft.district, draft.ethnicity = birth, commune, district, ethnicity
        draft.family, draft.given, draft.home, draft.home_code = family, given, home, home_code
        draft.home_province, draft.middle, draft.precision, draft.profile = home_province, middle, precision, profile
        draft.religion, draft.role, draft.sex, draft.status, draft.tap_su = religion, role, sex, status, tap_su
        draft.until = until
