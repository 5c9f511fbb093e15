"""The approval state machine: the only writer of a change set's status and of its approval steps.

Transitions are one table, :data:`TRANSITIONS` ``(status, action) -> status``; anything else raises
:class:`IllegalTransition`. The chain of a submission (its steps, who acts, deadlines, signatures) comes from
the active city profile (``app/profiles``) — HN: one step by the head, due at the month's window (HN-6.4,
HN-7); HCM: TCCB review and signature (5 WD) then head approval and signature (15 WD), changes within 10 WD
of the person's signature (HCM-7.2b, 7.2c); people managed by Ban Thường vụ Thành ủy through a Sở Nội vụ
officer and the Director of Sở Nội vụ (HCM-7.2a).

Deadlines are computed by ``app/workdays.py`` when a step becomes the one to act on, and stored on the step;
overdue is a query. Every action records who, when, comment, the delegator when acting under a delegation,
and the signature reference when the step requires one. Nobody acts on their own file, and nobody verifies or
approves a change they prepared on the person's behalf (four eyes: :func:`prepared_by`, :func:`may_decide`); a
valid delegation lets the delegate act; an expired one does not. :func:`can_act` is the one check (the review
page, the inbox, bulk decisions and the decisions themselves ask it, or :func:`awaiting_condition`, its SQL
form); :func:`step_actors` lists who may act on a step with the same rules (the notices of a step to act on).
The status vocabulary (:data:`STATUS_LABELS`, open, editable and decided statuses) is declared here, next to
the transitions; the services and pages read it from here. The caller (``change_sets``) holds the transaction:
the final approval applies the changes and writes the file version in the same one, and it locks the rows first
(person, then change set: ``change_sets._lock_for_decision``) and re-reads them, so of two concurrent decisions
the second finds the first one's result and gets :class:`AlreadyDecided` ("Hồ sơ đã được xử lý").
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, or_, select

from app import workdays
from app.extensions import db
from app.profiles import EVENT_PREVIOUS_STEP, Authority, Chain, CityProfile, Step, active_profile
from app.security import scope
from app.services.errors import ForbiddenError, ValidationError
from models.approvals import ApprovalStep
from models.org_units import OrgUnit
from models.personnel import ChangeSet, Person

__all__ = [
    "DECIDED_STATUSES",
    "EDITABLE_STATUSES",
    "OPEN_STATUSES",
    "STATUS_LABELS",
    "TRANSITIONS",
    "AlreadyDecided",
    "IllegalTransition",
    "act",
    "authority_units",
    "awaiting_condition",
    "can_act",
    "cancel",
    "check_can_act",
    "current_step",
    "holds_authority",
    "local_today",
    "may_decide",
    "may_decide_condition",
    "prepared_by",
    "send_back",
    "step_actors",
    "step_label",
    "submit",
]

TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# --------------------------------------------------------------------------- the status vocabulary

#: Every status of a change set and its Vietnamese label.
STATUS_LABELS = {
    "draft": _l("Đang soạn"),
    "submitted": _l("Chờ duyệt"),
    "returned": _l("Bị trả lại"),
    "approved": _l("Đã duyệt"),
    "cancelled": _l("Đã hủy"),
}
#: A person has at most one change set in these (``change_sets.open_change_set``).
OPEN_STATUSES = ("draft", "returned", "submitted")
#: Statuses whose draft its author (or an officer) may still edit.
EDITABLE_STATUSES = ("draft", "returned")
#: Statuses a submitted change set reaches by a decision (``draft``: returned, then edited by its author).
DECIDED_STATUSES = ("approved", "returned", "cancelled")

#: (status, action) -> next status. "act" completes a non-final step; "approve" the final one.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "submit"): "submitted",
    ("returned", "submit"): "submitted",
    ("submitted", "act"): "submitted",
    ("submitted", "approve"): "approved",
    ("submitted", "return"): "returned",
    ("draft", "cancel"): "cancelled",
    ("returned", "cancel"): "cancelled",
    ("draft", "close"): "cancelled",
    ("returned", "close"): "cancelled",
    ("submitted", "close"): "cancelled",
}


class IllegalTransition(ValidationError):
    """The change set is not in a state where the action is allowed."""


class AlreadyDecided(IllegalTransition):
    """Someone (another approver, or the same one in another tab) decided the change set or its step first;
    nothing was done. The caller re-read the change set under its row lock (``change_sets``), so this is the
    second of two concurrent decisions — a 409 for the screens, "refused" for a bulk decision."""

    status = 409


class ContentChanged(AlreadyDecided):
    """The change set was returned and sent again, with other content, after the decider opened it: a decision
    is taken on the content it was taken on (the round the page showed), so nothing was done (409)."""


def _now() -> datetime:
    return datetime.now(UTC)


def local_today() -> date:
    """Today in Việt Nam (deadlines are Vietnamese dates whatever the server's zone)."""
    return datetime.now(TZ).date()


def _local_day(moment: datetime | None) -> date:
    return moment.astimezone(TZ).date() if moment else local_today()


def _move(cs: ChangeSet, action: str) -> None:
    nxt = TRANSITIONS.get((cs.status, action))
    if nxt is None:
        raise IllegalTransition({"__all__": [_(
            "Không thể thực hiện thao tác này khi đề nghị đang ở trạng thái “%(status)s”.",
            status=STATUS_LABELS.get(cs.status, cs.status))]})
    cs.status = nxt


# --------------------------------------------------------------------------- deadlines

def _window(step: Step, event_day: date) -> tuple[date, date]:
    """HN-7: the last ``n`` calendar days of the event's month; the deadline is the month's last day, moved to
    the next working day when it is a day off (Bộ luật Dân sự 2015 Điều 148)."""
    last = date(event_day.year, event_day.month, calendar.monthrange(event_day.year, event_day.month)[1])
    start = date(last.year, last.month, last.day - step.window_last_days + 1)
    return start, workdays.roll_forward(last)


def _schedule(row: ApprovalStep, step: Step, cs: ChangeSet, event_day: date) -> None:
    """Set the window and the deadline of a step that becomes the one to act on."""
    due = None
    rules = [step.rule] if step.rule else []
    if step.window_last_days:
        row.window_start, due = _window(step, event_day)
    elif step.deadline is not None:
        due = workdays.add_workdays(event_day, step.deadline.workdays)
        if step.deadline.rule and step.deadline.rule not in rules:
            rules.append(step.deadline.rule)
    if cs.due_date is not None and (due is None or cs.due_date < due):
        due = cs.due_date
    if cs.due_date is not None:
        chain = active_profile().chains.get(cs.chain or "")
        if chain and chain.overall_deadline and chain.overall_deadline.rule not in rules:
            rules.append(chain.overall_deadline.rule)
    row.due_date = due
    row.rule = ", ".join(r for r in rules if r)[:80] or None


# --------------------------------------------------------------------------- authority

def authority_units(user, authority: Authority) -> list[scope.Grant]:
    """Where ``user`` holds ``authority`` today: units (and subtrees), each with the delegator when it comes from
    a delegation — the rows of ``scope.authority_grants`` for this user (one query, cached for the request)."""
    uid = getattr(user, "id", None)
    if uid is None:
        return []
    day = scope.today()
    key = ("authority", uid, authority.key, authority.action, authority.roles, authority.delegation_action, day)
    cache = scope.request_cache()
    if key not in cache:
        grants = scope.authority_grants(authority, day, user_id=uid)
        rows = db.session.execute(grants.order_by("unit_id")).all() if grants is not None else []
        cache[key] = [scope.Grant(r.unit_id, r.unit_path, r.include_descendants, None,
                                  "role" if r.delegator_id is None else "delegation", r.delegator_id) for r in rows]
    return cache[key]


# --------------------------------------------------------------------------- who may decide (own file, four eyes)

def prepared_by(cs: ChangeSet, user_id: int | None, person: Person | None = None) -> bool:
    """Four eyes: ``user_id`` prepared ``cs`` on the person's behalf — opened the draft for them
    (``created_by_id`` with ``on_behalf``) or sent it for approval in their name (the submitter, when it is not
    the person). Such an officer verifies or approves no step of it; a colleague does."""
    if user_id is None:
        return False
    person = person or cs.person
    if cs.on_behalf and cs.created_by_id == user_id:
        return True
    return cs.submitted_by_id == user_id and person.account_id != user_id


def may_decide(cs: ChangeSet, person: Person, user_id: int | None) -> bool:
    """Whether ``user_id`` may decide on ``cs`` at all, whatever their authority: never on their own file, never
    on a change they prepared on the person's behalf (:func:`prepared_by`). The SQL form is
    :func:`may_decide_condition`."""
    if user_id is None or person.account_id == user_id:
        return False
    return not prepared_by(cs, user_id, person)


def may_decide_condition(user):
    """SQL form of :func:`may_decide` on ``ChangeSet`` joined to ``Person``: ``user`` is a user id or a column of
    user ids (the reminders' holders)."""
    return and_(Person.account_id.is_distinct_from(user),
                or_(ChangeSet.on_behalf.is_(False), ChangeSet.created_by_id.is_distinct_from(user)),
                ChangeSet.submitted_by_id.is_distinct_from(user))


def _refusal(cs: ChangeSet, person: Person, user_id: int | None) -> ForbiddenError | None:
    """The error of a user who may not decide on ``cs`` whatever their authority (None: they may)."""
    if user_id is not None and person.account_id == user_id:
        return ForbiddenError(_("Không ai được tự phê duyệt hồ sơ của chính mình."))
    if prepared_by(cs, user_id, person):
        return ForbiddenError(_(
            "Bạn đã lập hoặc gửi đề nghị này thay cho người có hồ sơ nên không được xác thực, phê duyệt hay trả lại "
            "đề nghị; việc kiểm tra phải do một người khác có thẩm quyền thực hiện."))
    return None


def can_act(user, step: ApprovalStep, person: Person) -> tuple[bool, int | None]:
    """(may ``user`` act on ``step`` of ``person``'s file, the delegator when only a delegation allows it).

    Never on their own file nor on a change they prepared on the person's behalf (:func:`may_decide`); then asks
    the holders query (``scope.holders``) the reminders ask too, so both follow one rule."""
    if getattr(user, "id", None) is None or not may_decide(step.change_set, person, user.id):
        return False, None
    return holds_authority(user, step, person)


def holds_authority(user, step: ApprovalStep, person: Person) -> tuple[bool, int | None]:
    """(does ``user`` hold the authority of ``step`` over ``person``'s unit, the delegator when only a delegation
    gives it) — whoever they are: :func:`can_act` asks :func:`may_decide` first."""
    if getattr(user, "id", None) is None:
        return False, None
    grants = scope.authority_grants(active_profile().authority(step.authority), scope.today(), user_id=user.id)
    if grants is None:
        return False, None
    found = scope.holders(grants, [person.org_unit_id]).subquery("holders")
    delegators = db.session.scalars(select(found.c.delegator_id)).all()
    if not delegators:
        return False, None
    return True, (None if None in delegators else min(delegators))


def awaiting_condition(user, profile: CityProfile | None = None):
    """SQL condition on ``ApprovalStep`` joined to ``ChangeSet`` and ``Person``: pending steps ``user`` may act on
    (never on their own file, never on a change they prepared for the person: :func:`may_decide_condition`). One
    prefix match per place where the user holds each authority."""
    profile = profile or active_profile()
    uid = getattr(user, "id", None)
    if uid is None:
        return false()
    branches = []
    for key, authority in profile.authorities.items():
        places = authority_units(user, authority)
        if not places:
            continue
        units = select(OrgUnit.id).where(or_(*[p.condition() for p in places]))
        branches.append(and_(ApprovalStep.authority == key, Person.org_unit_id.in_(units)))
    if not branches:
        return false()
    return and_(ApprovalStep.status == "pending", may_decide_condition(uid), or_(*branches))


def step_actors(step: ApprovalStep, person: Person, *, day: date | None = None,
                except_roles: frozenset[str] = frozenset()) -> list[int]:
    """The ids of the users who may act on ``step`` of ``person``'s file (the same rules as :func:`can_act`:
    the holders query ``scope.holders`` of the step's authority over the person's unit, then
    :func:`may_decide`), roles in ``except_roles`` left out. One statement."""
    grants = scope.authority_grants(active_profile().authority(step.authority), day or scope.today(),
                                    except_roles=except_roles)
    if grants is None:
        return []
    found = scope.holders(grants, [person.org_unit_id], with_delegator=False).subquery("holders")
    cs = step.change_set
    return sorted(u for u in set(db.session.scalars(select(found.c.user_id))) if may_decide(cs, person, u))


# --------------------------------------------------------------------------- actions

def current_step(cs: ChangeSet) -> ApprovalStep | None:
    """The step to act on, if the change set is under approval."""
    return next((s for s in cs.steps if s.round == cs.round and s.status == "pending"), None)


def _chain_of(cs: ChangeSet) -> Chain:
    return active_profile().chains[cs.chain]


def submit(cs: ChangeSet, person: Person, actor, *, on_behalf: bool, signature_ref: str | None = None,
           now: datetime | None = None) -> ChangeSet:
    """Start the approval of ``cs``: pick the chain, create its steps, schedule the first one.

    The caller has checked the content. When the profile wants the person's signature (HCM-7.2c) an own
    submission must carry it; an officer's submission on the person's behalf counts from its own time.
    """
    profile = active_profile()
    if profile.submission_requires_signature and not on_behalf and not signature_ref:
        raise ValidationError({"__all__": [_("Hãy ký số bản khai trước khi gửi.")]})
    _move(cs, "submit")
    now = now or _now()
    chain = profile.chain_for(person)
    cs.round = (cs.round or 0) + 1
    cs.chain = chain.key
    cs.submitted_at = now
    cs.submitted_by_id = actor.id
    cs.signed_at = now
    cs.decided_at = cs.decided_by_id = cs.decision_comment = None
    event_day = _local_day(now)
    cs.due_date = None
    if chain.overall_deadline and (person.version_no > 0 or not chain.overall_for_changes_only):
        cs.due_date = workdays.add_workdays(event_day, chain.overall_deadline.workdays)
    for seq, step in enumerate(chain.steps):
        row = ApprovalStep(round=cs.round, seq=seq, key=step.key, authority=step.authority,
                           status="pending" if seq == 0 else "waiting", signature_required=step.signature)
        if seq == 0:
            row.started_at = now
            _schedule(row, step, cs, event_day)
        cs.steps.append(row)
    db.session.flush()
    return cs


def _already_decided(cs: ChangeSet) -> AlreadyDecided:
    return AlreadyDecided({"__all__": [_(
        "Hồ sơ đã được xử lý: đề nghị đang ở trạng thái “%(status)s”; không có gì được thay đổi. "
        "Hãy tải lại trang.", status=STATUS_LABELS.get(cs.status, cs.status))]})


def _pending(actor, cs: ChangeSet) -> tuple[ApprovalStep, int | None]:
    """The pending step ``actor`` acts on (and the delegator), or the typed error acting would raise.

    Called on a change set its caller has locked and re-read: a decision that lost a race finds it decided
    (or its step done) and raises :class:`AlreadyDecided`."""
    if cs.status in DECIDED_STATUSES or (cs.status == "draft" and cs.round):
        raise _already_decided(cs)
    if cs.status != "submitted":
        _move(cs, "act")  # raises IllegalTransition with the current status
    person = cs.person
    refusal = _refusal(cs, person, getattr(actor, "id", None))
    if refusal is not None:
        raise refusal
    step = current_step(cs)
    if step is None:
        raise IllegalTransition({"__all__": [_("Đề nghị này không có bước nào đang chờ xử lý.")]})
    allowed, delegator = can_act(actor, step, person)
    if not allowed:
        earlier = [s for s in cs.steps if s.round == cs.round and s.status == "done" and s.seq < step.seq]
        if any(can_act(actor, s, person)[0] for s in earlier):  # the step the actor saw was done meanwhile
            raise AlreadyDecided({"__all__": [_(
                "Hồ sơ đã được xử lý ở bước của bạn; đề nghị đã chuyển sang bước “%(step)s”. "
                "Không có gì được thay đổi.", step=_step_def(cs, step).label)]})
        raise ForbiddenError(_("Bạn không có thẩm quyền ở bước “%(step)s” của hồ sơ này.",
                               step=_step_def(cs, step).label))
    return step, delegator


def _step_def(cs: ChangeSet, row: ApprovalStep) -> Step:
    return _chain_of(cs).steps[row.seq]


def step_label(cs: ChangeSet, row: ApprovalStep) -> str:
    """The step's label from the chain its change set follows."""
    try:
        return str(_step_def(cs, row).label)
    except (KeyError, IndexError):
        return row.key


def check_can_act(actor, cs: ChangeSet) -> tuple[ApprovalStep, bool]:
    """(the step ``actor`` would act on, whether it is the final one) — or the error acting would raise."""
    step, _delegator = _pending(actor, cs)
    return step, _step_def(cs, step).final


def act(actor, cs: ChangeSet, comment: str | None = None, *, signature_ref: str | None = None,
        now: datetime | None = None) -> tuple[ApprovalStep, bool]:
    """Complete the pending step; returns (step, final). The caller applies the file when ``final``."""
    step, delegator = _pending(actor, cs)
    definition = _step_def(cs, step)
    if step.signature_required and not signature_ref:
        raise ValidationError({"__all__": [_("Bước “%(step)s” cần chữ ký số (%(rule)s).", step=definition.label,
                                             rule=definition.rule)]})
    now = now or _now()
    step.status = "done"
    step.acted_at = now
    step.actor_id = actor.id
    step.on_behalf_of_id = delegator
    step.comment = (comment or "").strip() or None
    step.signature_ref = signature_ref
    later = [s for s in cs.steps if s.round == cs.round and s.seq > step.seq]
    if later and not definition.final:
        nxt = later[0]
        nxt.status = "pending"
        nxt.started_at = now
        nxt_def = _step_def(cs, nxt)
        if nxt_def.deadline is not None and nxt_def.deadline.event != EVENT_PREVIOUS_STEP:
            event_day = _local_day(cs.signed_at)
        else:
            event_day = _local_day(now)
        _schedule(nxt, nxt_def, cs, event_day)
        _move(cs, "act")
        db.session.flush()
        return step, False
    _move(cs, "approve")
    cs.decided_at = now
    cs.decided_by_id = actor.id
    cs.decision_comment = step.comment
    db.session.flush()
    return step, True


def send_back(actor, cs: ChangeSet, reason: str, *, now: datetime | None = None) -> ApprovalStep:
    """Return the change set to its author from the pending step, with a reason (required)."""
    step, delegator = _pending(actor, cs)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Hãy nêu lý do trả lại.")]})
    now = now or _now()
    step.status = "returned"
    step.acted_at = now
    step.actor_id = actor.id
    step.on_behalf_of_id = delegator
    step.comment = reason.strip()
    for s in cs.steps:
        if s.round == cs.round and s.status == "waiting":
            s.status = "cancelled"
    _move(cs, "return")
    cs.decided_at = now
    cs.decided_by_id = actor.id
    cs.decision_comment = reason.strip()
    db.session.flush()
    return step


def cancel(cs: ChangeSet, actor, *, reason: str | None = None, action: str = "cancel") -> None:
    """Abandon a draft (``cancel``) or close whatever is open when the file leaves (``close``)."""
    _move(cs, action)
    for s in cs.steps:
        if s.status in ("pending", "waiting"):
            s.status = "cancelled"
    if action == "close":
        cs.decision_comment = reason
        cs.decided_at = _now()
        cs.decided_by_id = getattr(actor, "id", None)
