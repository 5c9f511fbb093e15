"""Hà Nội: draft Quy chế cập nhật, sử dụng, khai thác CSDL CBCCVC thành phố Hà Nội (2024), regulations.md.

One approval step by the head of the agency or a delegate (HN-6.4), done in the last 5 days of each month
(HN-7: "trong vòng 05 ngày cuối mỗi tháng" — calendar days). Changes carry a digitised proof (HN-6.3); the
person updates within 5 working days of the change. No deadline for accounts or first entry is stated.
"""

from flask_babel import lazy_gettext as _l

from app.profiles import (
    EVENT_HANDOVER,
    EVENT_SUBMITTED,
    Authority,
    Chain,
    ChainRule,
    CityProfile,
    Deadline,
    NationalSync,
    Step,
)
from app.security.permissions import ACTION_APPROVE
from app.security.roles import ROLE_ADMIN, ROLE_DIRECTOR, ROLE_SNV_OFFICER

PROFILE = CityProfile(
    key="hanoi",
    name=_l("Thành phố Hà Nội"),
    location="Hà Nội",
    # HN-2: cán bộ, công chức, viên chức and cán bộ, công chức cấp xã (who are công chức / cán bộ): no người lao
    # động, no tập sự, no người hoạt động không chuyên trách (the seed does not list them).
    categories=("can_bo", "cong_chuc", "vien_chuc"),
    categories_rule="HN-2",
    authorities={
        "head": Authority("head", _l("Thủ trưởng cơ quan hoặc người được ủy quyền"), action=ACTION_APPROVE),
    },
    chains={
        "default": Chain(
            key="default",
            label=_l("Phê duyệt hằng tháng"),
            steps=(
                Step("approve", _l("Phê duyệt"), authority="head", window_last_days=5, final=True,
                     rule="HN-6.4, HN-7"),
            ),
        ),
    },
    chain_rules=(ChainRule("default"),),
    submission_requires_proof=True,
    submission_requires_signature=False,
    change_deadline=Deadline(5, EVENT_SUBMITTED, "HN-6.3"),
    # HN-12.2.2a: the receiving agency opens the file and the personal account within 10 WD of the hand-over;
    # HN-12.1, 12.2.1, 12.3 set no deadline.
    transfer_deadlines={
        "into_city": Deadline(10, EVENT_HANDOVER, "HN-12.2.2a"),
    },
    transfer_authority=Authority("transfers", _l("Sở Nội vụ"), roles=(ROLE_ADMIN,), delegation_action=None),
    window_reminder=True,
    quality_report_day=25,  # HN-21.6: by the 25th of the quarter's last month (and before 31/12 for the year)
    # HN-14.1: in the last 5 days of each month the competent or delegated person of each agency syncs the
    # month's data; HN-14.2: Sở Nội vụ approves what each agency sent (the seed asks for no signature);
    # HN-15: units without an agency account are synced by their direct superior; ND27-SYNC: per event within
    # 1 calendar day of the approval, the monthly batch then confirming the month.
    national_sync=NationalSync(
        submit_authority=Authority("sync_submit", _l("Thủ trưởng cơ quan hoặc người được ủy quyền"),
                                   action=ACTION_APPROVE),
        approve_authority=Authority("sync_approve", _l("Sở Nội vụ"), roles=(ROLE_DIRECTOR, ROLE_SNV_OFFICER),
                                    delegation_action="approve"),
        per_event=True, event_deadline_days=1, event_deadline_working=False, event_rule="ND27-SYNC",
        window_last_days=5, window_rule="HN-14.1", snv_approves=True, manifest_signature=False,
        approve_rule="HN-14.2", superior_sends=True, superior_rule="HN-15",
    ),
)
