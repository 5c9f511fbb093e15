"""City profiles: each city's rules as data (design.md §4, regulations.md §12).

A profile declares who is covered, the approval chains (steps, who acts, deadline in working days and from
which event, signature), the windows and the deadlines for accounts, first entry and changes. The active one
is ``CITY_PROFILE`` (``hanoi`` or ``hcm``); a third city is one new module in this package defining
``PROFILE`` — :func:`profile_names` finds it, no code changes. Nothing outside this package may test a city's
name: code asks the profile.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field

from flask import current_app, has_app_context

__all__ = [
    "Authority",
    "Chain",
    "ChainRule",
    "CityProfile",
    "Deadline",
    "NationalSync",
    "Step",
    "active_profile",
    "load_profile",
    "profile_names",
]

#: Events a deadline counts from.
EVENT_SUBMITTED = "submitted"  # the person (or an officer) sends the change set
EVENT_SIGNED = "signed"  # the person signs the submission (HCM-7.2, 7.2c); same moment as submitted here
EVENT_PREVIOUS_STEP = "previous_step"  # the previous step was done
EVENT_EFFECTIVE = "effective"  # a move's decision takes effect (HCM-8.1, HCM-8.2)
EVENT_DECISION = "decision"  # the decision (or death certificate) is signed (HCM-8.4, HCM-7.1)
EVENT_HANDOVER = "handover"  # the file is handed over to the receiving agency (HN-12.2.2a)
EVENTS = (EVENT_SUBMITTED, EVENT_SIGNED, EVENT_PREVIOUS_STEP, EVENT_EFFECTIVE, EVENT_DECISION, EVENT_HANDOVER)


@dataclass(frozen=True)
class Authority:
    """Who may act on a step, inside the person's unit subtree.

    Either a permission on personnel files (``action`` of ``PersonnelFile``: roles holding it and valid
    delegations of it), or named roles (``roles``: the role names of ``app/security/roles.py``; a delegation
    of ``delegation_action`` by a holder of one of them also counts).
    """

    key: str
    label: str
    action: str | None = None
    roles: tuple[str, ...] = ()
    delegation_action: str | None = "approve"


@dataclass(frozen=True)
class Deadline:
    """``workdays`` working days after ``event`` (``app/workdays.py``: the event's day never counts)."""

    workdays: int
    event: str = EVENT_PREVIOUS_STEP
    rule: str = ""


@dataclass(frozen=True)
class Step:
    """One step of a chain."""

    key: str
    label: str
    authority: str
    deadline: Deadline | None = None
    #: HN-7: the step is done in the last ``window_last_days`` calendar days of the month of submission;
    #: its deadline is the month's last day (moved to the next working day when that is a day off).
    window_last_days: int | None = None
    signature: bool = False
    #: True for the step whose action approves the file (the last one); earlier steps authenticate.
    final: bool = False
    rule: str = ""


@dataclass(frozen=True)
class Chain:
    """An ordered list of steps, and an optional overall deadline counted from the submission's signature."""

    key: str
    label: str
    steps: tuple[Step, ...]
    #: HCM-7.2c: changes are approved within N working days of the person's signature.
    overall_deadline: Deadline | None = None
    #: The overall deadline applies to changes of an approved file only, not to the first entry.
    overall_for_changes_only: bool = True


@dataclass(frozen=True)
class ChainRule:
    """The chain for people whose fields equal ``when`` (first matching rule wins; ``{}`` matches all)."""

    chain: str
    when: dict = field(default_factory=dict)


@dataclass(frozen=True)
class NationalSync:
    """How approved file versions reach the national CBCCVC database (regulations.md §10, §13; issue 18).

    Two cadences. **Per event** (ND27-SYNC, NĐ 27/2026, in force since 1/7/2026): each approved file version is
    queued at its approval and sent by a periodic job, with no human step, within ``event_deadline_days``
    *calendar* days — the decree's "không quá 01 ngày" for data produced in a management system like ours (the
    "3 working days" some summaries cite concern agencies' business data; where two rules differ the stricter
    applies, §13). **Monthly** (HN-14.1, HCM-7.3): in the last ``window_last_days`` calendar days of each month the
    competent person of each agency (``submit_authority``: the head or a delegate) submits the month's batch; Sở
    Nội vụ approves it (``snv_approves``, ``approve_authority``: HN-14.2, HCM-7.3) and, where its Director signs
    (``manifest_signature``: HCM-11.7), approves several batches at once with one PAdES signature on a manifest.
    With the per-event mode on, the monthly batch is the month's confirmation and reconciliation: what per-event
    sending has not delivered yet goes with it. Units without an agency account are sent by their nearest
    superior that has one (``superior_sends``: HN-15); without one anywhere above, by their level-2 agency.
    """

    submit_authority: Authority
    approve_authority: Authority
    per_event: bool = True
    event_deadline_days: int = 1
    #: False: calendar days counted from the moment of the approval (24 hours a day); True: working days.
    event_deadline_working: bool = False
    event_rule: str = "ND27-SYNC"
    window_last_days: int = 5
    window_rule: str = ""
    snv_approves: bool = True
    manifest_signature: bool = False
    approve_rule: str = ""
    superior_sends: bool = True
    superior_rule: str = "HN-15"


@dataclass(frozen=True)
class CityProfile:
    """A city's rule set."""

    key: str
    name: str
    #: Place name printed with signatures ("Hà Nội").
    location: str
    #: Categories of people covered (``people.CATEGORIES`` keys) and the rule saying so.
    categories: tuple[str, ...]
    categories_rule: str
    authorities: dict[str, Authority]
    chains: dict[str, Chain]
    chain_rules: tuple[ChainRule, ...]
    #: Proof (digitised document) required with a person's own submission (HN-6.3).
    submission_requires_proof: bool
    #: The person signs their submission (HCM-7.2, HCM-7.2c).
    submission_requires_signature: bool
    #: Deadlines of the people responsible (None: the regulation sets none).
    account_deadline: Deadline | None = None  # HCM-7.1: account after the decision
    first_entry_deadline: Deadline | None = None  # HCM-7.2: file entered and signed after the account
    change_deadline: Deadline | None = None  # HN-6.3 / HCM-7.2c: the person updates after the change
    #: Deadlines of moves and of leaving the service, by transfer kind (``models.transfers.TRANSFER_KINDS``);
    #: a kind absent here has no deadline in the regulation.
    transfer_deadlines: dict[str, Deadline] = field(default_factory=dict)
    #: Who moves a file and its account between agencies of the city (HN-12.1, HCM-8.2: the competent
    #: authority; Sở Nội vụ unless the profile names another), and records moves out of the city.
    transfer_authority: Authority | None = None
    #: HN-21.6: the quarterly data-quality report is due on this day of the quarter's last month (the fourth
    #: quarter's stands for the year too); None: the regulation asks for none.
    quality_report_day: int | None = None
    #: Days of the month on which a reminder announces the approval window (HN-7), if any.
    window_reminder: bool = False
    #: National sync (issue 18): cadences, window, who submits, approves and signs (None: no sync configured).
    national_sync: NationalSync | None = None
    #: The module of the city's demo (``flask seed-demo``): defines ``CITY``, a ``app.seeds.demo_city.DemoCity``.
    demo_city: str = "app.seeds.demo_city"

    def chain_for(self, person) -> Chain:
        """The chain that applies to ``person`` (by the profile's rules, in order)."""
        for rule in self.chain_rules:
            if all(getattr(person, name, None) == value for name, value in rule.when.items()):
                return self.chains[rule.chain]
        raise LookupError(f"profile {self.key}: no chain for person {getattr(person, 'id', None)}")

    def authority(self, key: str) -> Authority:
        """The authority declared under ``key``."""
        return self.authorities[key]

    def covers(self, category: str) -> bool:
        """True when people of ``category`` are covered by the regulation."""
        return category in self.categories


def profile_names() -> list[str]:
    """The profiles available (every module of this package that defines ``PROFILE``)."""
    names = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_") and hasattr(importlib.import_module(f"{__name__}.{info.name}"), "PROFILE"):
            names.append(info.name)
    return sorted(names)


def load_profile(name: str) -> CityProfile:
    """The profile ``name``; ValueError with the valid names when unknown."""
    if name not in profile_names():
        raise ValueError(f"CITY_PROFILE={name!r} is not a profile; choose one of {', '.join(profile_names())}")
    return importlib.import_module(f"{__name__}.{name}").PROFILE


def active_profile() -> CityProfile:
    """The profile named by the app's ``CITY_PROFILE`` (``hanoi`` outside an app context)."""
    name = current_app.config.get("CITY_PROFILE", "hanoi") if has_app_context() else "hanoi"
    return load_profile(name)
