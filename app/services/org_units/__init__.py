"""Org tree aggregate services (HN-3.9, HN-21.2, HN-19.2).

Every restructuring is first *planned* (validated, nothing written) — the plan is what the preview
screens show — and then *applied* in one transaction that records an :class:`OrgEvent`. Units are
never deleted. Anything that references a unit (accounts now, people from the personnel aggregate on)
registers itself with :func:`register_unit_reference` and is carried along by every event.

Modules: ``values`` (inputs and plans), ``references``, ``queries``, ``validation``, ``writers``
(flush only) and ``use_cases`` (one public function = one transaction).
"""

from app.services.org_units.queries import (
    ancestors,
    children,
    find_unit,
    get_unit,
    search_units,
    subtree_ids,
    unit_history,
)
from app.services.org_units.references import UnitReference, reference_labels, register_unit_reference
from app.services.org_units.use_cases import (
    consolidate_units,
    create_unit,
    dissolve_unit,
    merge_units,
    move_unit,
    plan_consolidate,
    plan_dissolve,
    plan_merge,
    plan_move,
    plan_split,
    rebuild_paths,
    request_rebuild_paths,
    split_unit,
    update_unit,
)
from app.services.org_units.validation import CODE_PATTERNS, code_is_valid, validate_code
from app.services.org_units.values import Decision, NewUnit, RestructurePlan, Target, UnitData

#: The former name (tests/test_org_units.py checks the code shapes through it).
_code_is_valid = code_is_valid

__all__ = [
    "CODE_PATTERNS",
    "Decision",
    "NewUnit",
    "RestructurePlan",
    "Target",
    "UnitData",
    "UnitReference",
    "_code_is_valid",
    "code_is_valid",
    "ancestors",
    "children",
    "consolidate_units",
    "create_unit",
    "dissolve_unit",
    "find_unit",
    "get_unit",
    "merge_units",
    "move_unit",
    "plan_consolidate",
    "plan_dissolve",
    "plan_merge",
    "plan_move",
    "plan_split",
    "rebuild_paths",
    "reference_labels",
    "register_unit_reference",
    "request_rebuild_paths",
    "search_units",
    "split_unit",
    "subtree_ids",
    "unit_history",
    "update_unit",
    "validate_code",
]
