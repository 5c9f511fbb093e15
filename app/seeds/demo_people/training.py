"""Education and training (items 19–20, 32): degrees, political theory, management, defence, IT, languages."""

from __future__ import annotations

from datetime import date

from app.seeds.demo_people.common import Draft, add_years, month_date, month_no, month_text, pick, with_positions
from app.seeds.demo_people.places import Unit, core_name
from app.seeds.demo_people.profiles import Profile


class TrainingMixin:
    """Education and training (19–20, 32).

    A mixin of :class:`~app.seeds.demo_people.generator.Generator`.
    """

    def draw_training(self, draft: Draft) -> None:
        """Degrees, political theory, state management, defence, IT and languages (19–20, 32)."""
        r = self.rng
        appoint, birth, degree, degree_end = draft.appoint, draft.birth, draft.degree, draft.degree_end
        ethnicity, profile, promotions = draft.ethnicity, draft.profile, draft.promotions
        rank_entry, recruited_m, role = draft.rank_entry, draft.recruited_m, draft.role
        study_start, tap_su, unit, until = draft.study_start, draft.tap_su, draft.unit, draft.until
        training: list[dict] = []
        institution, major = degree if degree else ("Trường Đại học Luật Hà Nội", "Luật")
        level = "DH"
        if profile.key == "primary" and birth.year < 1985 and r.random() < 0.6:
            # Cao đẳng sư phạm first, then a university degree by liên thông while teaching.
            training.append(self.course("professional", study_start, study_start + 33,
                                        "Trường Cao đẳng Sư phạm Hà Nội", major=major, mode="CQ", level="CD"))
            lt = recruited_m + r.randint(36, 96)
            if lt + 30 < month_no(until):
                training.append(self.course("professional", lt, lt + 30, institution, major=major, mode="LT",
                                            level="DH"))
            else:
                level = "CD"
        else:
            training.append(self.course("professional", study_start, degree_end, institution, major=major,
                                        mode="CQ", level="DH"))
        highest, highest_major = level, major
        master_chance = {"head": 0.75, "deputy": 0.5, "staff": 0.22, "tap_su": 0.05}[role]
        if profile.masters and r.random() < master_chance:
            m_inst, m_major = r.choice(profile.masters)
            ms = max(recruited_m + r.randint(24, 84), degree_end + 12)
            if ms + 24 < month_no(until):
                training.append(self.course("professional", ms, ms + 23, m_inst, major=m_major,
                                            mode=r.choice(("CQ", "VLVH")), level="ThS"))
                highest, highest_major = "ThS", m_major
                ts = ms + r.randint(36, 60)
                if role == "head" and profile.key in ("hospital", "lecturer", "agency_leader") and \
                        r.random() < 0.5 and ts + 48 < month_no(until):
                    training.append(self.course("professional", ts, ts + 47, m_inst, major=m_major, mode="CQ",
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
            pj = min(pj, (appoint[0][0] - 6) if appoint else month_no(until) - 14)
            pj = max(pj, month_no(birth) + 18 * 12 + 6)
            party_joined = month_date(pj, r.randint(1, 28))
            if month_no(until) - pj > 12:
                party_official = add_years(party_joined, 1)
        if party_joined is not None or r.random() < 0.1:
            base = month_no(party_joined) - r.randint(2, 8) if party_joined else recruited_m + r.randint(6, 60)
            if base < month_no(until) - 2:
                training.append(self.course("political", base, base + 1, self.political_school(unit),
                                            mode="VLVH", level="SC"))
        if role in ("head", "deputy") and appoint:
            tc = appoint[0][0] - r.randint(6, 30)
            tc = max(tc, recruited_m + 24)
            training.append(self.course("political", tc, tc + 17, "Trường Đào tạo cán bộ Lê Hồng Phong",
                                        mode="VLVH", level="TC"))
            if profile.key == "agency_leader":
                cc = appoint[-1][0] - r.randint(12, 36)
                training.append(self.course("political", cc, cc + 11, "Học viện Chính trị quốc gia Hồ Chí Minh",
                                            mode="VLVH", level="CC"))
        # State management / professional title training (32.3).
        if not tap_su and r.random() < 0.85:
            mg = recruited_m + r.randint(12, 48)
            if mg < month_no(until) - 1:
                training.append(self.management_course(profile, rank_entry, mg))
            for pm, pr in promotions:
                if pm - 8 > recruited_m:
                    training.append(self.management_course(profile, pr, pm - r.randint(4, 8)))
        if appoint:
            lm = appoint[0][0] - r.randint(2, 12)
            training.append(self.course("management", lm, lm + 1, "Trường Đào tạo cán bộ Lê Hồng Phong",
                                        certificate="Chứng chỉ bồi dưỡng lãnh đạo, quản lý " + (
                                            "cấp sở và tương đương" if profile.key == "agency_leader" else
                                            "cấp xã" if profile.key == "commune" else "cấp phòng")))
        # Defence and security (32.4): at university; the leaders' course later.
        if r.random() < 0.8:
            gd = study_start + 13
            training.append(self.course("defence", gd, gd + 1, "Trung tâm Giáo dục quốc phòng và an ninh - "
                                        "ĐHQG Hà Nội", certificate="Chứng chỉ Giáo dục quốc phòng và an ninh"))
        if appoint:
            qp = appoint[0][0] + r.randint(3, 30)
            if qp < month_no(until) - 1:
                training.append(self.course("defence", qp, qp, "Trường Quân sự Bộ Tư lệnh Thủ đô Hà Nội",
                                            certificate="Chứng chỉ bồi dưỡng kiến thức quốc phòng và an ninh "
                                                        "đối tượng 4" if profile.key != "agency_leader" else
                                            "Chứng chỉ bồi dưỡng kiến thức quốc phòng và an ninh đối tượng 3"))
        # IT (32.5) and languages (32.6).
        if r.random() < 0.9:
            it = study_start + r.randint(6, 30) if r.random() < 0.5 else recruited_m + r.randint(-6, 36)
            it = min(it, month_no(until) - 2)
            if it < 2016 * 12:
                training.append(self.course("it", it, it + 2, "Trung tâm Tin học - Trường Đại học Bách khoa Hà Nội",
                                            certificate=r.choice(("Chứng chỉ Tin học trình độ B",
                                                                  "Chứng chỉ Tin học trình độ A"))))
            else:
                training.append(self.course("it", it, it + 1, "Trường Đại học Công nghệ - ĐHQG Hà Nội",
                                            certificate="Chứng chỉ ứng dụng công nghệ thông tin cơ bản"))
        if r.random() < 0.88:
            training.append(self.language_course(study_start, recruited_m, until))
        if ethnicity in ("02", "03", "07") and r.random() < 0.5:
            lg = recruited_m + r.randint(6, 36)
            if lg < month_no(until) - 2:
                tongue = {"02": "Tiếng Tày", "03": "Tiếng Thái", "07": "Tiếng Nùng"}[ethnicity]
                training.append(self.course("language", lg, lg + 2, "Trường Đào tạo cán bộ Lê Hồng Phong",
                                            language=tongue, certificate=f"Chứng chỉ {tongue.lower()}"))
        draft.foreign, draft.highest, draft.highest_major = foreign, highest, highest_major
        draft.party_joined, draft.party_official, draft.training = party_joined, party_official, training

    def course(self, kind: str, start: int, end: int, institution: str, *, major=None, mode=None, level=None,
               certificate=None, language=None, score=None) -> dict:
        """One row of the training table (32) from month numbers."""
        return {"kind": kind, "start": month_text(start), "end": month_text(end), "institution": institution,
                "major": major, "mode": mode, "level": level, "certificate": certificate, "language": language,
                "score": score}

    def political_school(self, unit: Unit) -> str:
        """Where the people of ``unit`` take the elementary political theory course."""
        top = unit.level2
        if top.unit_type == "ubnd_huyen":
            return f"Trung tâm Chính trị {core_name(top.name)}"
        return "Trung tâm Bồi dưỡng chính trị - Đảng ủy Khối các cơ quan Thành phố"

    def management_course(self, profile: Profile, rank: str, month: int) -> dict:
        """The state management / professional title course (32.3) for ``rank``, held at ``month``."""
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
            return self.course("management", month, month + 2, "Trường Đại học Sư phạm Hà Nội",
                               certificate=f"Chứng chỉ bồi dưỡng theo tiêu chuẩn CDNN {title} hạng {grade}")
        if rank.startswith("V.08"):
            grade = {"V.08.01.03": "III", "V.08.01.02": "II", "V.08.01.01": "I"}[rank]
            return self.course("management", month, month + 1, "Trường Đại học Y Hà Nội",
                               certificate=f"Chứng chỉ bồi dưỡng theo tiêu chuẩn CDNN bác sĩ hạng {grade}")
        level = {"01.001": "CVCC", "01.002": "CVC", "06.030": "CVC"}.get(rank, "CV")
        name = {"CVCC": "chuyên viên cao cấp", "CVC": "chuyên viên chính", "CV": "chuyên viên"}[level]
        school = "Học viện Hành chính Quốc gia" if level != "CV" else "Trường Đào tạo cán bộ Lê Hồng Phong"
        return self.course("management", month, month + 2, school, level=level,
                           certificate=f"Chứng chỉ bồi dưỡng ngạch {name}")

    def language_course(self, study_start: int, recruited_m: int, until: date) -> dict:
        """A foreign-language certificate (32.6) of the kind usual at the time."""
        r = self.rng
        if study_start < 2012 * 12 and r.random() < 0.6:
            m = study_start + r.randint(12, 40)
            return self.course("language", m, m + 3, "Trung tâm Ngoại ngữ - Trường Đại học Hà Nội",
                               language="Tiếng Anh", certificate=f"Chứng chỉ tiếng Anh trình độ {r.choice('BBC')}")
        m = min(max(recruited_m - r.randint(0, 24), 2013 * 12), month_no(until) - 2)
        kind = pick(r, (("vstep", 60), ("ielts", 15), ("toeic", 15), ("french", 5), ("chinese", 5)))
        if kind == "vstep":
            level = r.choice(("3 (B1)", "3 (B1)", "4 (B2)"))
            score = f"{r.choice(('4,0', '4,5', '5,0', '5,5'))}/10" if level.startswith("3") else \
                f"{r.choice(('6,0', '6,5', '7,0', '7,5'))}/10"
            return self.course("language", m, m, "Trường Đại học Ngoại ngữ - ĐHQG Hà Nội", language="Tiếng Anh",
                               certificate=f"Chứng chỉ tiếng Anh bậc {level} theo Khung năng lực ngoại ngữ 6 bậc",
                               score=score)
        if kind == "ielts":
            return self.course("language", m, m, "Hội đồng Anh (British Council)", language="Tiếng Anh",
                               certificate="Chứng chỉ IELTS Academic", score=r.choice(("5.5", "6.0", "6.5", "7.0")))
        if kind == "toeic":
            return self.course("language", m, m, "IIG Việt Nam", language="Tiếng Anh", certificate="Chứng chỉ TOEIC",
                               score=str(r.randint(45, 85) * 10))
        if kind == "french":
            return self.course("language", m, m, "Viện Pháp tại Hà Nội (IDECAF)", language="Tiếng Pháp",
                               certificate="Chứng chỉ DELF B1", score=f"{r.randint(55, 85)}/100")
        return self.course("language", m, m, "Trường Đại học Hà Nội", language="Tiếng Trung Quốc",
                           certificate="Chứng chỉ HSK cấp 4", score=f"{r.randint(190, 270)}/300")

    def numbered(self, rows: list[dict], kinds: tuple[str, ...]) -> list[dict]:
        """Training rows grouped by ``kinds`` in that order, by start within a kind, with their positions."""
        out = []
        for kind in kinds:
            of_kind = sorted((row for row in rows if row["kind"] == kind), key=lambda row: row["start"])
            out.extend(with_positions(of_kind))
        return out
