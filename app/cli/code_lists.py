"""``flask code-lists …``: load the national code lists and show one (see ``app/services/code_lists.py``)."""

from datetime import date

import click
from flask.cli import AppGroup

__all__ = ["codes_cli"]

codes_cli = AppGroup("code-lists", help="National code lists (danh mục dùng chung): load, show.")


def _day(value: str | None) -> date | None:
    """Parse --on (YYYY-MM-DD)."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value} (YYYY-MM-DD)", param_hint="--on") from None


def _period(valid_from: date | None, valid_to: date | None) -> str:
    return f"{valid_from.isoformat() if valid_from else '…'} → {valid_to.isoformat() if valid_to else '…'}"


@codes_cli.command("load")
def load_command() -> None:
    """Load (or refresh) every code list, alias and salary step. Idempotent."""
    from app.services.code_lists import KIND_LABELS, load_code_lists

    report = load_code_lists()
    for kind, count in report.items():
        label = KIND_LABELS.get(kind)
        click.echo(f"{kind:<18} {count:>4}" + (f"  {label}" if label else ""))
    click.echo(f"{report.created} row(s) created, {report.updated} updated.")
    for kind, code, valid_from in report.stale:
        click.echo(f"WARNING: {kind} {code} (from {valid_from or '…'}) is no longer in the data; kept.", err=True)


@codes_cli.command("show")
@click.argument("kind")
@click.option("--on", "on", default=None, help="Entries valid on this day (YYYY-MM-DD); default today.")
def show_command(kind: str, on: str | None) -> None:
    """Print KIND's entries valid on a day: code, name, dates, source. KIND "salary" prints the salary table."""
    from app.seeds.code_lists import CODE_LISTS, SALARY_STEPS
    from app.services import code_lists

    day = _day(on)
    if kind == "salary":
        for group in dict.fromkeys(r.pay_group for r in SALARY_STEPS):
            for step in code_lists.steps(group, on=day):
                click.echo(f"{group:<5} {step.step:>2} {step.coefficient:>6} {step.interval_months or '':>3} "
                           f"{_period(step.valid_from, step.valid_to)}  {step.source or ''}")
        return
    if kind not in CODE_LISTS and kind not in code_lists.KIND_LABELS:
        raise click.BadParameter(f"{kind}: one of {', '.join(sorted([*CODE_LISTS, 'salary']))}", param_hint="KIND")
    rows = code_lists.entries(kind, on=day)
    click.echo(f"{code_lists.KIND_LABELS.get(kind, kind)}: {len(rows)}")
    for row in rows:
        click.echo(f"{row.code:<20} {row.name}  [{_period(row.valid_from, row.valid_to)}]  {row.source or ''}")

