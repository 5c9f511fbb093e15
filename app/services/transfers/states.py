"""The transfer state machine: the only writer of a move's status and of who did each step (like
``app/workflow.py`` for change sets).

Transitions are one table, :data:`TRANSITIONS` ``(status, action) -> status``; each kind allows a subset of the
actions (:data:`KIND_ACTIONS`). Anything else raises a Vietnamese ``ValidationError`` and changes nothing.

- inside one unit (HCM-8.1): record → complete (the unit's officer moves the file to the new section);
- between agencies (HN-12.1, HCM-8.2): record (losing agency) → move (the competent authority moves the file
  and the account) → receive (gaining agency);
- out of the city (HN-12.2.1, HCM-8.3) and leaving the service (HN-12.3, HCM-8.4): record → complete (on the
  effective date: status, archive, access revoked; by the daily job when the date comes later);
- into the city or back into the service (HN-12.2.2a/b): arrive (one step: the file is opened or reopened).
Every open move can be cancelled before its file has moved (record → cancel).
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.services.errors import ValidationError
from models.mixins import utcnow
from models.transfers import OPEN_TRANSFER_STATUSES, Transfer

__all__ = ["KIND_ACTIONS", "KIND_LABELS", "OPEN_TRANSFER_STATUSES", "STATUS_LABELS", "TRANSITIONS", "advance",
           "allowed"]

KIND_LABELS = {
    "within_unit": _l("Chuyển bộ phận trong đơn vị"),
    "between_agencies": _l("Điều động, chuyển công tác giữa các cơ quan của thành phố"),
    "out_of_city": _l("Chuyển công tác ra ngoài thành phố"),
    "into_city": _l("Tiếp nhận vào làm việc"),
    "leaving": _l("Nghỉ hưu, thôi việc, từ trần"),
}
STATUS_LABELS = {
    "recorded": _l("Đã ghi nhận quyết định"),
    "moved": _l("Đang chuyển, chờ tiếp nhận"),
    "completed": _l("Hoàn tất"),
    "cancelled": _l("Đã hủy"),
}
#: (status, action) -> new status; "new" is the status of a row not written yet.
TRANSITIONS = {
    ("new", "record"): "recorded",
    ("new", "arrive"): "completed",
    ("recorded", "move"): "moved",
    ("moved", "receive"): "completed",
    ("recorded", "complete"): "completed",
    ("recorded", "cancel"): "cancelled",
}
KIND_ACTIONS = {
    "within_unit": frozenset({"record", "complete", "cancel"}),
    "between_agencies": frozenset({"record", "move", "receive", "cancel"}),
    "out_of_city": frozenset({"record", "complete", "cancel"}),
    "leaving": frozenset({"record", "complete", "cancel"}),
    "into_city": frozenset({"arrive"}),
}
#: Which step stamps which columns (who, when).
_STAMPS = {"record": "recorded", "move": "moved", "receive": "completed", "complete": "completed",
           "arrive": "completed", "cancel": "cancelled"}


def allowed(transfer: Transfer, action: str) -> bool:
    """True when ``action`` may be taken on ``transfer`` now."""
    return action in KIND_ACTIONS.get(transfer.kind, ()) and (transfer.status or "new", action) in TRANSITIONS


def advance(transfer: Transfer, action: str, actor) -> str:
    """Take ``action``: set the new status and stamp who and when; refused (ValidationError) when the table does
    not allow it for this kind and status."""
    if not allowed(transfer, action):
        status = STATUS_LABELS.get(transfer.status, transfer.status or "")
        raise ValidationError({"__all__": [_("Bước này không thực hiện được: quyết định đang ở trạng thái "
                                             "“%(status)s”.", status=status)]})
    transfer.status = TRANSITIONS[(transfer.status or "new", action)]
    stamp = _STAMPS[action]
    setattr(transfer, f"{stamp}_by_id", getattr(actor, "id", None))
    setattr(transfer, f"{stamp}_at", utcnow())
    return transfer.status


assert set(OPEN_TRANSFER_STATUSES) <= set(STATUS_LABELS)
