"""Transfers aggregate (điều động, luân chuyển, chuyển công tác; tiếp nhận; nghỉ hưu, thôi việc, từ trần).

``states`` is the one writer of a move's status; ``use_cases`` the steps (one transaction each, audited);
``handover`` the hand-over package (official PDF + JSON of the whole file, its history); ``queries`` the lists;
``retirement`` the retirement ages of NĐ 135/2020 as data.
"""

from app.services.transfers.handover import build_package, parse_package  # noqa: F401
from app.services.transfers.queries import DIRECTIONS, moves_of, transfer_list  # noqa: F401
from app.services.transfers.retirement import (  # noqa: F401
    AGE_SCHEDULE,
    DueRetirements,
    Retirement,
    retirement_date,
    retirement_of,
    retirements_due,
)
from app.services.transfers.states import KIND_LABELS, STATUS_LABELS, allowed  # noqa: F401
from app.services.transfers.use_cases import (  # noqa: F401
    LEAVE_STATUSES,
    ArrivalData,
    MoveData,
    apply_effective,
    arrive,
    cancel,
    complete,
    deadline_for,
    get_transfer,
    is_transfer_authority,
    leave,
    move,
    open_account,
    receive,
    record_move,
)
