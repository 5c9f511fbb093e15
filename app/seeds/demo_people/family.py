"""Family relations (item 36): parents, spouse, children and siblings whose birth years fit the person's age."""

from __future__ import annotations

from datetime import date

from app.seeds.demo_people.common import Draft, lower_first, pick
from app.seeds.demo_people.names import EDE_CLANS, EDE_GIVEN, MINORITIES


class FamilyMixin:
    """Family relations (36).

    A mixin of :class:`~app.seeds.demo_people.generator.Generator`.
    """

    def draw_family(self, draft: Draft) -> None:
        """Parents, spouse, children and siblings (36)."""
        birth, commune, district, ethnicity = draft.birth, draft.commune, draft.district, draft.ethnicity
        family, home_province, sex, until = draft.family, draft.home_province, draft.sex, draft.until
        family_rows, spouse_rows, married = self.relatives(sex, family, ethnicity, birth, home_province, commune,
                                                           district, until)
        draft.family_rows, draft.married, draft.spouse_rows = family_rows, married, spouse_rows

    def relatives(self, sex: str, family: str, ethnicity: str, birth: date, home_province: str, commune: str,
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
                    clan = fam or r.choice([c for c in EDE_CLANS if c != family])
                    given = r.choice(EDE_GIVEN[rel_sex])
                    full = f"Y {given} {clan}" if rel_sex == "nam" else f"H'{given} {clan}"
                else:
                    if fam is None and ethnicity in MINORITIES and r.random() < 0.7:
                        fam = r.choice(MINORITIES[ethnicity][0])
                    full = " ".join(self.name(rel_sex, fam))
                if full not in used:
                    break
            used.add(full)
            return full

        by = birth.year
        home = f"{commune}, {lower_first(district)}, {home_province}"
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
            spouse_family = r.choice([c for c in EDE_CLANS if c != family]) if ede else \
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
            for _ in range(pick(r, ((0, 8), (1, 30), (2, 52), (3, 10)))):
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
            s_place = f"{s_commune}, {lower_first(s_district)}, {s_province}"
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
        for _ in range(pick(r, ((0, 10), (1, 35), (2, 35), (3, 20)))):
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
