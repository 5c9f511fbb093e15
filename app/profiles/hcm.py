"""TP Hồ Chí Minh: QĐ 51/2024/QĐ-UBND (in force 01/9/2024), regulations.md.

The person signs the submission (HCM-7.2, HCM-7.2c). The head of the personnel (TCCB) section checks it
against the originals and authenticates it by signature within 5 working days of the person's signature;
the head of the unit approves by signature within 15 working days after that (HCM-7.2b). Changes of an
approved file are approved within 10 working days of the person's signature (HCM-7.2c). People managed by
Ban Thường vụ Thành ủy go through a Sở Nội vụ officer (5 WD) and the Director of Sở Nội vụ (15 WD) instead
(HCM-7.2a). Accounts are issued within 5 WD of the decision (HCM-7.1); the first entry is made and signed
within 5 WD of receiving the account (HCM-7.2).
"""

from flask_babel import lazy_gettext as _l

from app.profiles import (
    EVENT_DECISION,
    EVENT_EFFECTIVE,
    EVENT_SIGNED,
    Authority,
    Chain,
    ChainRule,
    CityProfile,
    Deadline,
    NationalSync,
    Step,
)
from app.security.permissions import ACTION_APPROVE, ACTION_WRITE
from app.security.roles import ROLE_ADMIN, ROLE_DIRECTOR, ROLE_SNV_OFFICER

PROFILE = CityProfile(
    key="hcm",
    name=_l("Thành phố Hồ Chí Minh"),
    location="TP. Hồ Chí Minh",
    categories=("can_bo", "cong_chuc", "vien_chuc", "nguoi_lao_dong", "tap_su", "khong_chuyen_trach"),
    categories_rule="HCM-2",
    authorities={
        "tccb": Authority("tccb", _l("Trưởng bộ phận tổ chức cán bộ"), action=ACTION_WRITE, delegation_action=None),
        "head": Authority("head", _l("Thủ trưởng đơn vị hoặc người được ủy quyền"), action=ACTION_APPROVE),
        "snv_officer": Authority("snv_officer", _l("Công chức Sở Nội vụ được phân công"),
                                 roles=(ROLE_SNV_OFFICER,), delegation_action=None),
        "snv_director": Authority("snv_director", _l("Giám đốc Sở Nội vụ hoặc người được ủy quyền"),
                                  roles=(ROLE_DIRECTOR,)),
    },
    chains={
        "default": Chain(
            key="default",
            label=_l("Xác thực của bộ phận TCCB và phê duyệt của thủ trưởng"),
            steps=(
                Step("review", _l("Kiểm tra, xác thực"), authority="tccb",
                     deadline=Deadline(5, EVENT_SIGNED, "HCM-7.2b"), signature=True, rule="HCM-7.2b"),
                Step("approve", _l("Phê duyệt"), authority="head", deadline=Deadline(15, rule="HCM-7.2b"),
                     signature=True, final=True, rule="HCM-7.2b"),
            ),
            overall_deadline=Deadline(10, EVENT_SIGNED, "HCM-7.2c"),
        ),
        "btv": Chain(
            key="btv",
            label=_l("Cán bộ thuộc diện Ban Thường vụ Thành ủy quản lý"),
            steps=(
                Step("review", _l("Kiểm tra, xác thực (Sở Nội vụ)"), authority="snv_officer",
                     deadline=Deadline(5, EVENT_SIGNED, "HCM-7.2a"), signature=True, rule="HCM-7.2a"),
                Step("approve", _l("Phê duyệt (Giám đốc Sở Nội vụ)"), authority="snv_director",
                     deadline=Deadline(15, rule="HCM-7.2a"), signature=True, final=True, rule="HCM-7.2a"),
            ),
            overall_deadline=Deadline(10, EVENT_SIGNED, "HCM-7.2c"),
        ),
    },
    chain_rules=(ChainRule("btv", {"btv_managed": True}), ChainRule("default")),
    submission_requires_proof=False,
    submission_requires_signature=True,
    account_deadline=Deadline(5, rule="HCM-7.1"),
    first_entry_deadline=Deadline(5, rule="HCM-7.2"),
    change_deadline=Deadline(5, rule="HCM-7.2c"),
    transfer_deadlines={
        "within_unit": Deadline(15, EVENT_EFFECTIVE, "HCM-8.1"),
        "between_agencies": Deadline(30, EVENT_EFFECTIVE, "HCM-8.2"),
        "leaving": Deadline(10, EVENT_DECISION, "HCM-8.4"),
    },
    transfer_authority=Authority("transfers", _l("Sở Nội vụ"), roles=(ROLE_ADMIN,), delegation_action=None),
    # HCM-7.3: Sở Nội vụ approves the data for sync by signature; HCM-11.7: its Director approves, signs and syncs
    # the city's database to the national one (one signed manifest for the batches approved together). The
    # agencies submit their month in its last 5 days (the window HCM-7.3 shares with Hà Nội's HN-14.1); units
    # without an agency account are sent by their superior (HCM's regulation is silent: HN-15's rule). ND27-SYNC:
    # per event within 1 calendar day of the approval.
    national_sync=NationalSync(
        submit_authority=Authority("sync_submit", _l("Thủ trưởng đơn vị hoặc người được ủy quyền"),
                                   action=ACTION_APPROVE),
        approve_authority=Authority("sync_approve", _l("Giám đốc Sở Nội vụ hoặc người được ủy quyền"),
                                    roles=(ROLE_DIRECTOR,)),
        per_event=True, event_deadline_days=1, event_deadline_working=False, event_rule="ND27-SYNC",
        window_last_days=5, window_rule="HCM-7.3", snv_approves=True, manifest_signature=True,
        approve_rule="HCM-7.3, HCM-11.7", superior_sends=True, superior_rule="HN-15",
    ),
    demo_city="app.seeds.demo_city_hcm",
)
