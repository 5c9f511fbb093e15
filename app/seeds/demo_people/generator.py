"""The generator: one random stream, the ``draw_*`` steps in their fixed order, and :func:`generate_people`."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from app.seeds.demo_people.career import CareerMixin
from app.seeds.demo_people.common import (
    AS_OF,
    DEFAULT_SEED,
    Draft,
    PersonSpec,
    add_years,
    lower_first,
    money_text,
    month_date,
    month_no,
    month_no_of,
    pick,
    with_positions,
)
from app.seeds.demo_people.family import FamilyMixin
from app.seeds.demo_people.names import HARD_CASES, NamesMixin
from app.seeds.demo_people.places import HANOI, CityLocale, PlacesMixin, Unit, core_name, unit_tree
from app.seeds.demo_people.salary import BASE_SALARY, SalaryMixin, SalaryScale
from app.seeds.demo_people.training import TrainingMixin

#: Logins of the demo city linked to a file: username -> (unit code prefix, họ, đệm, tên, sex, role).
#: ``annv.syt`` is the self-service user (its file is complete); ``syt.tccb`` and ``syt.thutruong`` have
#: files too, so that "nobody approves their own change" can be shown.
LINKED_ACCOUNTS = {
    "annv.syt": ("000.02.18", "Nguyễn", "Văn", "An", "nam", "staff"),
    "syt.tccb": ("000.02.18", "Lê", "Anh", "Dũng", "nam", "deputy"),
    "syt.thutruong": ("000.00.18", "Vũ", "Đức", "Thắng", "nam", "head"),
}


#: Files in the archive: (unit code prefix, sex, status, reason text of the decision).
ARCHIVED = (
    ("000.01.02", "nam", "retired", "nghỉ hưu"),
    ("001.03.18", "nu", "retired", "nghỉ hưu"),
    ("000.03.41", "nu", "resigned", "thôi việc"),
    ("001.02.55", "nam", "deceased", None),
)


class Generator(NamesMixin, PlacesMixin, CareerMixin, TrainingMixin, SalaryMixin, FamilyMixin):
    """Builds people one at a time from one random stream (the order of calls is the seed's contract)."""

    def __init__(self, scale: SalaryScale, seed: int, as_of: date, locale: CityLocale = HANOI):
        self.rng = random.Random(seed)
        self.locale = locale
        self.scale = scale
        self.as_of = as_of
        self.cccds: set[str] = set()
        self.bhxh: set[str] = set()
        self.file_no = 0
        self.decision_no = 100

    def date_in(self, first: date, last: date) -> date:
        """A day between ``first`` and ``last`` (inclusive)."""
        if last <= first:
            return first
        return first + timedelta(days=self.rng.randint(0, (last - first).days))

    def person(self, unit: Unit, role: str, *, sex: str | None = None, name=None, ethnicity: str | None = None,
               religion: str | None = None, home: str | None = None, account: str | None = None,
               archive: tuple[str, str | None] | None = None, complete: bool = False) -> PersonSpec:
        """One full file in ``unit`` for ``role`` (head, deputy, staff, tap_su); keywords fix what is given.

        ``archive`` = (status, reason) puts the file in the archive; ``complete`` forbids the random gaps and
        the discipline (the linked accounts' files).
        """
        draft = Draft(unit=unit, role=role, sex=sex, name=name, ethnicity=ethnicity, religion=religion, home=home,
                      account=account, archive=archive, complete=complete)
        self.draw_identity(draft)
        self.draw_studies(draft)
        self.draw_career(draft)
        self.draw_salary(draft)
        self.draw_work_history(draft)
        self.draw_position(draft)
        self.draw_training(draft)
        self.draw_evaluations(draft)
        self.draw_family(draft)
        self.draw_allowances(draft)
        self.draw_duties(draft)
        return self.assemble(draft)

    def assemble(self, draft: Draft) -> PersonSpec:
        """The ``person`` columns and the section rows: the finished :class:`PersonSpec`."""
        r = self.rng
        account, allowance_other, allowance_position = draft.account, draft.allowance_other, draft.allowance_position
        allowance_rows, appointed_m, appointed_on = draft.allowance_rows, draft.appointed_m, draft.appointed_on
        archive, birth, category, coef = draft.archive, draft.birth, draft.category, draft.coef
        commune, complete, discharged = draft.commune, draft.complete, draft.discharged
        discipline_rows, district, duties = draft.discipline_rows, draft.district, draft.duties
        enlisted, ethnicity, evaluations, family = draft.enlisted, draft.ethnicity, draft.evaluations, draft.family
        family_rows, foreign, given, highest = draft.family_rows, draft.foreign, draft.given, draft.highest
        highest_major, home, home_code = draft.highest_major, draft.home, draft.home_code
        home_province, job_position, joined_m = draft.home_province, draft.job_position, draft.joined_m
        married, middle, military, party_joined = draft.married, draft.middle, draft.military, draft.party_joined
        party_official, position_full, pre_job = draft.party_official, draft.position_full, draft.pre_job
        precision, profile, rank_code = draft.precision, draft.profile, draft.rank_code
        rank_since_m, reappointed_on, recruited_m = draft.rank_since_m, draft.reappointed_on, draft.recruited_m
        recruited_on, recruiting_unit, religion = draft.recruited_on, draft.recruiting_unit, draft.religion
        role, salary_rows, sex, since_m = draft.role, draft.salary_rows, draft.sex, draft.since_m
        spouse_rows, status, step, strengths = draft.spouse_rows, draft.status, draft.step, draft.strengths
        tap_su, tnvk, training, unit, until = draft.tap_su, draft.tnvk, draft.training, draft.unit, draft.until
        work_rows, years_served = draft.work_rows, draft.years_served
        cccd_issued = self.date_in(max(date(2021, 1, 15), add_years(birth, 14)), min(date(2024, 12, 31),
                                                                                     until - timedelta(days=30)))
        if cccd_issued.year < 2021 or r.random() < 0.1:
            cccd_issued = self.date_in(max(date(2016, 6, 1), add_years(birth, 14)), date(2020, 12, 31))
        birth_home = r.random() < 0.6 or home is not None
        if birth_home:
            birthplace = f"{commune}, {lower_first(district)}, {home_province}"
            birth_code = home_code
        else:
            ward, dist = r.choice(self.locale.births)
            birthplace = f"{ward}, {lower_first(dist)}, {self.locale.written}"
            birth_code = self.locale.province_code
        bhxh = self.bhxh_no()
        self.file_no += 1
        height = round(r.gauss(168 if sex == "nam" else 156, 5))
        weight = round(r.gauss(64 if sex == "nam" else 50, 6))
        first_org = month_date(month_no(birth) + 12 * r.choice((15, 16)) + r.randint(0, 11), r.randint(1, 28))
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
            "file_number": "%s.%s.%05d" % (self.locale.file_prefix, unit.level2.code.split(".")[2], self.file_no),
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
            "health_insurance_no": f"{self.locale.bhyt_prefix}{bhxh}",
            "residence": self.residence(),
            "family_origin": pick(r, (("Công nhân viên chức", 35), ("Nông dân", 30), ("Cán bộ", 15),
                                       ("Công nhân", 10), ("Tiểu thương", 5), ("Trí thức", 5))),
            "previous_occupation": ("Nhân viên hợp đồng" if pre_job else
                                    "Bộ đội xuất ngũ" if military else
                                    r.choice(("Sinh viên", "Sinh viên", "Học viên", "Nhân viên hợp đồng"))),
            "recruited_on": recruited_on,
            "recruiting_unit": recruiting_unit,
            "joined_agency_on": recruited_on if joined_m == recruited_m else month_date(joined_m, r.randint(1, 28)),
            "party_joined_on": party_joined,
            "party_official_on": party_official,
            "first_org_joined_on": first_org,
            "first_org_name": "Đoàn TNCS Hồ Chí Minh",
            "enlisted_on": enlisted,
            "discharged_on": discharged,
            "military_rank": r.choice(("Binh nhất", "Hạ sĩ", "Trung sĩ", "Thượng sĩ")) if military else None,
            "policy_category": pick(r, ((None, 95), ("CTB", 2), ("CLS", 1), ("CBB", 1), ("CCDHH", 1))),
            "general_education": general_education,
            "highest_qualification": highest,
            "qualification_major": highest_major,
            "academic_title": None,
            "academic_title_year": None,
            "state_honours": None,
            "position": position_full,
            "position_appointed_on": appointed_on,
            "position_reappointed_on": reappointed_on,
            "planned_position": (f"{profile.head[0]} {core_name(unit.name)}" if profile.key == "commune" else
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
            "longest_job": max(work_rows, key=lambda w: (month_no_of(w["end"], until)
                                                         - month_no_of(w["start"], until)))["title"],
            "rank_code": rank_code,
            "rank_appointed_on": None if tap_su else month_date(rank_since_m, recruited_on.day if rank_since_m ==
                                                          appointed_m else 1),
            "salary_step": step,
            "salary_coefficient": coef,
            "salary_since": month_date(since_m),
            "salary_percent": Decimal(85 if tap_su else 100),
            "seniority_allowance_pct": Decimal(tnvk[-1][1]) if tnvk else None,
            "seniority_allowance_since": month_date(tnvk[-1][0]) if tnvk else None,
            "allowance_position": allowance_position,
            "allowance_concurrent": None,
            "allowance_other": allowance_other,
            "job_position": job_position,
            "health": pick(r, (("Tốt", 85), ("Khá", 10), ("Bình thường", 5))),
            "height_cm": height,
            "weight_kg": weight,
            "blood_group": pick(r, (("O", 42), ("B", 30), ("A", 21), ("AB", 7))),
            "arrest_history": "Không",
            "income_salary": f"Tiền lương: khoảng {money_text(salary_text)} đồng/năm",
            "income_other": r.choice(("Không", "Không", f"Thu nhập của vợ (chồng) khoảng {r.randint(8, 30) * 10} "
                                      "triệu đồng/năm" if married else "Không")),
            "housing_granted": "Không",
            "housing_owned": housing,
            "land_granted": "Không",
            "land_owned": f"{r.randint(40, 120)} m², đã có Giấy chứng nhận quyền sử dụng đất"
            if housing.startswith("Nhà ở riêng") else "Không",
            "land_business": "Không",
            "agency_assessment": self.assessment(evaluations) if r.random() < 0.35 and evaluations else None,
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
        training = [t for t in training if month_no_of(t["end"], until) < month_no(until)]
        rows = {
            "training_record": self.numbered(training, ("professional", "political", "management", "defence",
                                                        "it", "language")),
            "work_record": with_positions(work_rows),
            "history_record": with_positions([{"kind": "foreign", "start": foreign[0], "end": foreign[1],
                                               "description": foreign[2]}] if foreign else []),
            "evaluation_record": with_positions(evaluations),
            "discipline_record": with_positions(discipline_rows),
            "relative": with_positions(family_rows) + with_positions(spouse_rows),
            "salary_record": with_positions(salary_rows),
            "allowance_record": with_positions(allowance_rows),
        }
        if self.locale.renames:
            # The shared profile data names Hà Nội's schools and agencies: this city's instead, except in the
            # person's own places (born, quê quán, living), which are where they are.
            own = {"birthplace", "hometown_commune", "hometown_district", "residence"}
            person = {k: v if k in own else self.locale.localise(v) for k, v in person.items()}
            rows = {k: [{c: self.locale.localise(v) for c, v in row.items()} for row in v] for k, v in rows.items()}
        return PersonSpec(unit.code, person, {k: v for k, v in rows.items() if v}, account)


def generate_people(demo_units: list[dict], scale: SalaryScale, seed: int = DEFAULT_SEED,
                    as_of: date = AS_OF, locale: CityLocale = HANOI,
                    prefix_map: dict[str, str] | None = None) -> list[PersonSpec]:
    """The demo people of ``demo_units`` (``DEMO_UNITS``): 4–6 per leaf unit, the linked accounts' files,
    the hard-case names and a few archived files. Same ``seed`` and ``as_of`` → the same people.

    ``locale`` is the city the people live in; ``prefix_map`` sends the unit prefixes of
    :data:`LINKED_ACCOUNTS`, ``HARD_CASES`` and :data:`ARCHIVED` to another city's units where its tree differs.
    """
    units = unit_tree(demo_units, locale.city)
    gen = Generator(scale, seed, as_of, locale)
    parents = {u["parent_code"] for u in demo_units if u["parent_code"]}
    fixed: dict[str, list[tuple[str, dict]]] = {}
    prefix_map = prefix_map or {}

    def unit_for(prefix: str) -> str:
        prefix = prefix_map.get(prefix, prefix)
        return next(code for code in units if code.startswith(prefix + "."))

    for username, (prefix, fam, mid, giv, sex, role) in LINKED_ACCOUNTS.items():
        fixed.setdefault(unit_for(prefix), []).append(
            (role, {"sex": sex, "name": (fam, mid, giv), "ethnicity": "01", "account": username, "complete": True}))
    for prefix, fam, mid, giv, sex, ethnicity, religion, home in HARD_CASES:
        fixed.setdefault(unit_for(prefix), []).append(
            ("staff", {"sex": sex, "name": (fam, mid, giv), "ethnicity": ethnicity, "religion": religion,
                       "home": home}))
    archived = {}
    for prefix, sex, status, reason in ARCHIVED:
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
