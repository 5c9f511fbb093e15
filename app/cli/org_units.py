"""``flask org-units …``: the org tree — show, create, restructure (move, merge, dissolve), history, repair.

Every command calls one use case of ``app/services/org_units``; a refusal prints its messages and exits with 1.
"""

from datetime import date

import click
from flask.cli import AppGroup

from app.cli.common import fail
from app.services.errors import ServiceError

__all__ = ["org_cli"]


def _decision(number: str | None, when: str | None):
    from app.services.org_units import Decision

    try:
        day = date.fromisoformat(when) if when else None
    except ValueError:
        raise click.BadParameter(f"{when} (YYYY-MM-DD)") from None
    return Decision(number=number, date=day)


decision_options = [
    click.option("--decision", "decision_number", required=True, help="Số quyết định"),
    click.option("--date", "decision_date", required=True, help="Ngày quyết định YYYY-MM-DD"),
]


def with_decision(fn):
    """Add the --decision/--date options shared by every restructuring command."""
    for opt in reversed(decision_options):
        fn = opt(fn)
    return fn


org_cli = AppGroup("org-units", help="Org tree: show, create, restructure, history, repair.")


@org_cli.command("tree")
@click.option("--root", "root_id", type=int, default=None, help="Start from this unit id.")
@click.option("--depth", type=int, default=2, show_default=True)
@click.option("--closed", is_flag=True, help="Include closed units.")
def tree_command(root_id, depth, closed) -> None:
    """Print the tree (lazily, level by level, like the tree page)."""
    from app.services import org_units

    def walk(parent_id, level):
        rows, more = org_units.children(parent_id, include_closed=closed)
        for unit, n in rows:
            mark = "" if unit.is_open else " [đã đóng]"
            click.echo(f"{'  ' * level}{unit.id:>5} {unit.ma_dinh_danh or '-':<15} {unit.name} ({n}){mark}")
            if level + 1 < depth:
                walk(unit.id, level + 1)
        if more:
            click.echo(f"{'  ' * level}…")

    walk(root_id, 0)


@org_cli.command("create")
@click.option("--name", required=True)
@click.option("--type", "unit_type", required=True)
@click.option("--parent", "parent_id", type=int, default=None)
@click.option("--code", default=None, help="Mã định danh")
@click.option("--short-name", default=None)
@with_decision
def create_command(name, unit_type, parent_id, code, short_name, decision_number, decision_date) -> None:
    """Create a unit."""
    from app.services import org_units

    try:
        unit = org_units.create_unit(
            org_units.UnitData(name=name, unit_type=unit_type, parent_id=parent_id, ma_dinh_danh=code,
                               short_name=short_name),
            _decision(decision_number, decision_date),
        )
    except ServiceError as exc:
        fail(exc)
    click.echo(f"{unit.id} {unit.path} {unit.name}")


def _event_command(name: str, use_case: str, second: str, help_text: str, optional: bool = False) -> None:
    """Register ``flask org-units NAME UNIT_ID SECOND`` calling ``org_units.<use_case>`` with a decision."""

    @with_decision
    def command(unit_id, other_id, decision_number, decision_date) -> None:
        from app.services import org_units

        try:
            event = getattr(org_units, use_case)(unit_id, other_id, _decision(decision_number, decision_date))
        except ServiceError as exc:
            fail(exc)
        click.echo(f"event {event.id}: {event.type_label}")

    command.__doc__ = help_text
    if optional:
        command = click.option(f"--{second}", "other_id", default=None)(command)
    else:
        command = click.argument("other_id", metavar=second.upper().replace("-", "_"))(command)
    command = click.argument("unit_id")(command)
    org_cli.command(name)(command)


_event_command("move", "move_unit", "new-parent-id", "Move UNIT_ID (and its subtree) under NEW_PARENT_ID.")
_event_command("merge", "merge_units", "target-id", "Merge UNIT_ID into TARGET_ID (sáp nhập).")
_event_command(
    "dissolve", "dissolve_unit", "receiver", "Dissolve UNIT_ID (giải thể); sub-units and members go to --receiver.",
    optional=True,
)


@org_cli.command("history")
@click.argument("unit_id")
def history_command(unit_id) -> None:
    """Print the events UNIT_ID took part in."""
    from app.services import org_units

    try:
        unit = org_units.get_unit(unit_id)
    except ServiceError as exc:
        fail(exc)
    click.echo(f"{unit.name} — {unit.status_label}")
    for event, role in org_units.unit_history(unit):
        click.echo(f"  {event.effective_date} {event.type_label} {event.decision_number or ''} ({role})")


@org_cli.command("rebuild-paths")
@click.option("--background", is_flag=True, help="Run as a job (RQ when REDIS_URL is set).")
def rebuild_paths_command(background: bool) -> None:
    """Recompute materialised paths and levels from parent links (repair)."""
    from app.services import org_units

    if background:
        click.echo(f"job {org_units.request_rebuild_paths().result.id} queued")
    else:
        click.echo(f"{org_units.rebuild_paths()} units fixed")
