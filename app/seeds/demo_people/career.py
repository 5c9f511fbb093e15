"""Careers: studies, recruitment, ranks, moves, appointments, work history, evaluations and duties."""

from __future__ import annotations

from app.seeds.demo_people.common import Draft, add_years, age_at, lower_first, month_date, month_no, month_text, pick
from app.seeds.demo_people.places import core_name
from app.seeds.demo_people.profiles import COMMUNE_DEGREES, COMMUNE_DUTIES, DUTIES, EDU_SCHOOLS, RANK_TITLES, SUBJECTS


class CareerMixin:
    """The career: studies, recruitment, ranks, moves, appointments, work history, evaluations, duties.

    A mixin of :class:`~app.seeds.demo_people.generator.Generator`.
    """

    def draw_studies(self, draft: Draft) -> None:
        """Military service, the university years and the recruitment month."""
        r = self.rng
        birth, profile, sex, tap_su, until = draft.birth, draft.profile, draft.sex, draft.tap_su, draft.until
        # Military service for ~10 % of men, then the degree.
        military = sex == "nam" and not tap_su and profile.degree_years == 4 and age_at(birth, until) >= 32 and \
            r.random() < 0.12
        enlisted = discharged = None
        study_start = month_no(birth) + 18 * 12
        study_start = (study_start // 12) * 12 + 8  # September of the year the person turns 18
        if military:
            # Enlisted in February, discharged 18 months later, at university from the next September.
            enlisted = month_date(study_start + 5, r.choice((10, 15, 20)))
            discharged = month_date(study_start + 23, r.randint(1, 28))
            study_start = month_no(discharged) + 1
        degree_end = study_start + profile.degree_years * 12 - 3  # June
        # Recruitment: a few months to a few years after the degree.
        if tap_su:
            recruited_m = month_no(until) - r.randint(2, 10)
            if degree_end > recruited_m - 8:
                degree_end = recruited_m - 8
                study_start = degree_end - profile.degree_years * 12 + 3
        else:
            gap = r.choice((2, 3, 4, 6, 9, 12, 15, 24, 30))
            recruited_m = degree_end + gap
            if recruited_m > month_no(until) - 15:
                recruited_m = month_no(until) - 15
        recruited_on = month_date(recruited_m, r.choice((1, 1, 1, 15, r.randint(2, 28))))
        draft.degree_end, draft.discharged, draft.enlisted = degree_end, discharged, enlisted
        draft.military, draft.recruited_m, draft.recruited_on = military, recruited_m, recruited_on
        draft.study_start = study_start

    def draw_career(self, draft: Draft) -> None:
        """Entry rank, moves between agencies, appointments, promotions and a rare discipline."""
        r = self.rng
        complete, home, profile, recruited_m = draft.complete, draft.home, draft.profile, draft.recruited_m
        role, tap_su, unit, until = draft.role, draft.tap_su, draft.unit, draft.until
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
            degree = COMMUNE_DEGREES[staff_title]
        if profile.key == "thpt":
            subject, major = r.choice(SUBJECTS.get(unit.name, (("Toán học", "Sư phạm Toán học"),)))
            degree = (r.choice(EDU_SCHOOLS), major)
        elif profile.key == "thcs" and degree is not None:
            subject = degree[1].removeprefix("Sư phạm ").replace("Toán học", "Toán")
        if accountant:
            degree = ("Học viện Tài chính", "Kế toán")
        if home == "dak_lak":
            degree = ("Trường Đại học Tây Nguyên", "Bác sĩ đa khoa")

        years_served = (month_no(until) - recruited_m) / 12
        # Moves between agencies and appointments in the current unit.
        moves: list[int] = []
        if not tap_su:
            n_moves = 0
            if years_served >= 8:
                n_moves = pick(r, ((0, 4), (1, 4), (2, 2)))
            if years_served >= 16:
                n_moves = pick(r, ((0, 3), (1, 4), (2, 3), (3, 1)))
            last = month_no(until) - (84 if role == "head" else 48 if role == "deputy" else 24)
            first = recruited_m + 24
            if n_moves and last > first + 24 * n_moves:
                cuts = sorted(r.sample(range(first, last), n_moves))
                for c in cuts:
                    if not moves or c - moves[-1] >= 24:
                        moves.append(c)
            if profile.key == "agency_leader":
                # From a hospital to the Sở: one move, 12 to 16 years into the career.
                moves = [min(recruited_m + r.randint(144, 192), month_no(until) - 90)]
        joined_m = moves[-1] if moves else recruited_m
        appoint: list[tuple[int, str, str]] = []  # (month, title, coefficient)
        if role in ("head", "deputy"):
            d1_first = max(joined_m + 12, recruited_m + 60)
            d1_last = month_no(until) - (42 if role == "head" else 6)
            if d1_last < d1_first:  # a short career: appointed late
                d1_first = d1_last = max(joined_m + 3, month_no(until) - (40 if role == "head" else 12))
            d1 = r.randint(d1_first, d1_last)
            appoint.append((d1, *profile.deputy))
            if role == "head":
                d2 = r.randint(min(d1 + 36, month_no(until) - 3), max(d1 + 36, month_no(until) - 6))
                appoint.append((min(d2, month_no(until) - 3), *profile.head))
        promotions: list[tuple[int, str]] = []
        if len(ladder) > 1 and not tap_su:
            chance = {"head": 0.9, "deputy": 0.65, "staff": 0.35}[role]
            at = recruited_m + r.randint(9 * 12, 14 * 12)
            if profile.key == "agency_leader":
                # Bác sĩ -> bác sĩ chính at the hospital, chuyên viên chính on moving to the Sở, then CVCC.
                at = recruited_m + r.randint(9 * 12, 11 * 12)
                promotions.append((min(at, moves[-1] - 12), ladder[1]))
                promotions.append((moves[-1], ladder[2]))
                promotions.append((max(moves[-1] + 24, month_no(until) - 60), ladder[3]))
            elif r.random() < chance and at < month_no(until) - 6:
                promotions.append((at, ladder[1]))
                if len(ladder) > 2 and role == "head" and r.random() < 0.25 and at + 72 < month_no(until) - 6:
                    promotions.append((at + r.randint(72, 96), ladder[2]))
            promotions = [p for p in promotions if recruited_m < p[0] < month_no(until)]

        # Discipline (rare), which delays the next bậc by 6 months.
        discipline = None
        if not complete and not tap_su and role == "staff" and years_served > 6 and r.random() < 0.025:
            d = r.randint(month_no(until) - 48, month_no(until) - 18)
            discipline = d
        draft.accountant, draft.appoint, draft.degree, draft.discipline = accountant, appoint, degree, discipline
        draft.joined_m, draft.moves, draft.promotions, draft.rank_entry = joined_m, moves, promotions, rank_entry
        draft.staff_title, draft.subject, draft.years_served = staff_title, subject, years_served

    def draw_work_history(self, draft: Draft) -> None:
        """The work periods (33): at most five, consecutive, ending in the current unit."""
        r = self.rng
        appoint, archive, degree, degree_end = draft.appoint, draft.archive, draft.degree, draft.degree_end
        discharged, enlisted, military, moves = draft.discharged, draft.enlisted, draft.military, draft.moves
        profile, promotions, rank_entry = draft.profile, draft.promotions, draft.rank_entry
        recruited_m, staff_title, study_start = draft.recruited_m, draft.staff_title, draft.study_start
        tap_su, unit, until = draft.tap_su, draft.unit, draft.until
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
        if not tap_su and month_no(until) > recruited_m + 12:
            bounds.add(recruited_m + 12)
        if not appoint:
            bounds.update(p for p, _rk in promotions)
        bounds = sorted(b for b in bounds if recruited_m <= b < month_no(until))

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
            p[1] = (nxt - 1) if nxt is not None else (month_no(until) - 1 if archive else None)
        if military and len(periods) <= 3:
            # Military service and the studies after it open the summary of the career.
            periods.insert(0, [study_start, recruited_m - 1, degree[0] if degree else "Trường Đại học Luật Hà Nội",
                               "Sinh viên"])
            periods.insert(0, [month_no(enlisted), month_no(discharged),
                               r.choice(("Sư đoàn 308, Quân đoàn 1", "Bộ Tư lệnh Thủ đô Hà Nội",
                                         "Lữ đoàn 201, Binh chủng Tăng - Thiết giáp")),
                               "Chiến sĩ"])
        work_rows = [{"start": month_text(s), "end": month_text(e) if e is not None else None, "unit_name": u,
                      "title": t} for s, e, u, t in periods]
        recruiting_unit = units_by_time[0][2]
        draft.appoint, draft.pre_job, draft.recruiting_unit = appoint, pre_job, recruiting_unit
        draft.work_rows = work_rows

    def draw_position(self, draft: Draft) -> None:
        """The current position and appointment dates (23–30) and the category."""
        r = self.rng
        appoint, profile, role, tap_su, unit = draft.appoint, draft.profile, draft.role, draft.tap_su, draft.unit
        until = draft.until
        position = appoint[-1][1] if appoint else None
        position_full = None
        if position:
            position_full = position if profile.key == "agency_leader" else \
                f"{position} {unit.name}" if role == "head" and profile.key in ("primary", "thcs") else \
                f"{position} {core_name(unit.name)}" if profile.key == "commune" else position
        appointed_on = month_date(appoint[-1][0], r.randint(1, 28)) if appoint else None
        reappointed_on = None
        if appointed_on is not None:
            terms = (month_no(until) - appoint[-1][0]) // 60
            if terms >= 1 and add_years(appointed_on, 5 * terms) >= until:
                terms -= 1
            if terms >= 1:
                reappointed_on = add_years(appointed_on, 5 * terms)
        category = profile.category
        if tap_su:
            category = "tap_su"
        elif profile.key == "commune" and role in ("head", "deputy"):
            category = "can_bo"
        draft.appointed_on, draft.category, draft.position_full = appointed_on, category, position_full
        draft.reappointed_on = reappointed_on

    def draw_evaluations(self, draft: Draft) -> None:
        """Yearly evaluations with emulation titles and awards (35.1), the discipline (35.2)."""
        r = self.rng
        discipline, profile, recruited_on, unit = draft.discipline, draft.profile, draft.recruited_on, draft.unit
        until = draft.until
        evaluations = []
        last_year = until.year - 1 if until.month < 12 else until.year
        first_year = max(recruited_on.year + 1, last_year - r.randint(2, 4))
        for year in range(first_year, last_year + 1):
            rating = pick(r, (("HTXS", 15), ("HTT", 72), ("HT", 12), ("KHT", 1)))
            if discipline is not None and year == discipline // 12:
                rating = "HT"
            emulation = {"HTXS": pick(r, (("CSTDCS", 55), ("LDTT", 45))),
                         "HTT": pick(r, (("LDTT", 85), ("KXL", 15))), "HT": "KXL", "KHT": "KXL"}[rating]
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
                "start": month_text(discipline), "end": month_text(discipline + 12), "form": "KT",
                "violation": r.choice(("Chậm giải quyết hồ sơ thủ tục hành chính quá thời hạn quy định.",
                                       "Vi phạm quy định về thời giờ làm việc, nghỉ việc không có lý do.")),
                "decided_by": unit.issuer})
        draft.discipline_rows, draft.evaluations = discipline_rows, evaluations

    def draw_duties(self, draft: Draft) -> None:
        """Main duties, job position and strengths."""
        r = self.rng
        accountant, highest_major, position_full = draft.accountant, draft.highest_major, draft.position_full
        profile, role, staff_title, subject = draft.profile, draft.role, draft.staff_title, draft.subject
        unit = draft.unit
        keyword, domain, duties = next(((k, d, t) for k, d, t in DUTIES if k in unit.name),
                                       ("", "tổng hợp", "Thực hiện nhiệm vụ chuyên môn được giao."))
        if profile.key == "agency_leader":
            duties = ("Phụ trách chung, lãnh đạo, điều hành mọi hoạt động của Sở; trực tiếp phụ trách công tác "
                      "tổ chức cán bộ, tài chính, thanh tra.") if role == "head" else \
                "Giúp Giám đốc Sở phụ trách lĩnh vực khám bệnh, chữa bệnh và y tế dự phòng."
        if staff_title:
            duties = COMMUNE_DUTIES[staff_title]
        duties = duties.format(subject=subject or "Toán", grade=r.choice((10, 11, 12)) if profile.key == "thpt"
                               else r.randint(6, 9) if profile.key == "thcs" else r.randint(1, 5),
                               cls=r.randint(1, 8))
        if role == "head" and profile.key != "agency_leader":
            duties = f"Phụ trách chung; {lower_first(duties)}"
        elif role == "deputy" and profile.key != "agency_leader":
            duties = f"Giúp {profile.head[0]} phụ trách chuyên môn; {lower_first(duties)}"
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
        draft.duties, draft.job_position, draft.strengths = duties, job_position, strengths

    def assessment(self, evaluations: list[dict]) -> str:
        """The agency's assessment (item 38) from the recent evaluations."""
        best = sum(1 for e in evaluations if e["rating"] in ("HTXS", "HTT"))
        if best == len(evaluations):
            return ("Có phẩm chất chính trị, đạo đức, lối sống tốt; chấp hành nghiêm chủ trương của Đảng, chính sách, "
                    "pháp luật của Nhà nước. Năng lực chuyên môn vững, hoàn thành tốt nhiệm vụ được giao; đoàn kết, "
                    "có tinh thần trách nhiệm.")
        return ("Có phẩm chất chính trị, đạo đức tốt. Cơ bản hoàn thành nhiệm vụ được giao; cần nâng cao hơn nữa "
                "chất lượng, tiến độ tham mưu.")
