"""The salary table as the generator asks for it, the salary history bậc by bậc, retirement and allowances."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Protocol

from app.seeds.demo_people.common import Draft, month_date, month_no, month_text

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
        reached = month_no(birth) + months
        if reached // 12 == year:
            return month_date(reached + 1)
    raise ValueError(birth)


class SalaryMixin:
    """Salary history, bậc and allowances (30, 37).

    A mixin of :class:`~app.seeds.demo_people.generator.Generator`.
    """

    def draw_salary(self, draft: Draft) -> None:
        """The salary history (37.1) and the current bậc, coefficient and thâm niên vượt khung."""
        archive, discipline, profile, promotions = draft.archive, draft.discipline, draft.profile, draft.promotions
        rank_entry, recruited_m, until = draft.rank_entry, draft.recruited_m, draft.until
        # Probation (12 months) does not count towards the next bậc: the clock starts at the appointment.
        appointed_m = recruited_m + 12
        salary_rows, current, tnvk = self.salary_history(rank_entry, recruited_m, appointed_m, promotions, until,
                                                         archive is not None,
                                                         start_step=2 if profile.degree_years == 6 else 1,
                                                         discipline=discipline)
        rank_code, step, coef, since_m, rank_since_m = current
        draft.appointed_m, draft.coef, draft.rank_code = appointed_m, coef, rank_code
        draft.rank_since_m, draft.salary_rows, draft.since_m, draft.step = rank_since_m, salary_rows, since_m, step
        draft.tnvk = tnvk

    def draw_allowances(self, draft: Draft) -> None:
        """Allowances (30.2, 37.2) and the other allowances' text."""
        appoint, archive, category, profile = draft.appoint, draft.archive, draft.category, draft.profile
        recruited_m, tnvk, until, years_served = draft.recruited_m, draft.tnvk, draft.until, draft.years_served
        allowance_rows = []
        for i, (am, _title, ac) in enumerate(appoint):
            end = appoint[i + 1][0] - 1 if i + 1 < len(appoint) else (month_no(until) - 1 if archive else None)
            allowance_rows.append({"start": month_text(am), "end": month_text(end) if end is not None else None,
                                   "allowance_type": "CV", "percent": None, "coefficient": Decimal(ac),
                                   "mode": "Hưởng theo hệ số", "amount": None})
        for i, (tm, pct) in enumerate(tnvk):
            end = tnvk[i + 1][0] - 1 if i + 1 < len(tnvk) else (month_no(until) - 1 if archive else None)
            allowance_rows.append({"start": month_text(tm), "end": month_text(end) if end is not None else None,
                                   "allowance_type": "TNVK", "percent": Decimal(pct), "coefficient": None,
                                   "mode": "Hưởng theo phần trăm lương", "amount": None})
        if profile.incentive and category != "tap_su":
            allowance_rows.append({"start": month_text(max(recruited_m, month_no(SALARY_TABLE_FROM))),
                                   "end": month_text(month_no(until) - 1) if archive else None, "allowance_type": "UDN",
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
        draft.allowance_other, draft.allowance_position = allowance_other, allowance_position
        draft.allowance_rows = allowance_rows

    def salary_history(self, rank: str, start_m: int, appointed_m: int, promotions, until: date, closed: bool,
                       start_step: int, discipline: int | None):
        """Bậc by bậc from recruitment: rows of 37.1 (from the 2004 tables on), the current bậc, TNVK steps.

        Returns (rows, (rank, step, coefficient, since month, rank since month), [(month, percent)]).
        """
        scale = self.scale
        segments = []  # (month, rank, group, step)
        group = scale.group(rank, month_date(max(start_m, month_no(SALARY_TABLE_FROM))))
        count, interval = scale.steps(group, month_date(max(start_m, month_no(SALARY_TABLE_FROM))))
        step = min(start_step, count)
        segments.append((start_m, rank, group, step))
        rank_since = appointed_m
        next_raise = appointed_m + interval
        delayed = False
        pending = sorted(promotions)
        end_m = month_no(until)
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
                on = month_date(max(at, month_no(SALARY_TABLE_FROM)))
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
        first = month_no(SALARY_TABLE_FROM)
        for i, (sm, rk, grp, st) in enumerate(segments):
            nxt = segments[i + 1][0] if i + 1 < len(segments) else None
            em = (nxt - 1) if nxt is not None else (end_m - 1 if closed else None)
            if em is not None and em < first:
                continue
            start = max(sm, first)
            coef = scale.coefficient(grp, st, month_date(start))
            if coef is None:
                raise ValueError(f"no coefficient for {rk} ({grp}) bậc {st}")
            rows.append({"start": month_text(start), "end": month_text(em) if em is not None else None, "rank_code": rk,
                         "step": st, "coefficient": Decimal(coef).quantize(Decimal("0.01")), "amount": None})
        last = rows[-1]
        return rows, (last["rank_code"], last["step"], last["coefficient"], max(segments[-1][0], first),
                      rank_since), tnvk
