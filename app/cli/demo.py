"""``flask seed-demo [--if-empty]``: the demo city, its people and one login per role (``app/services/demo.py``)."""

import click

__all__ = ["seed_demo_command"]


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only seed when the database has no org unit.")
def seed_demo_command(if_empty: bool) -> None:
    """Seed the active city profile's demo city (about 60 units) and one login per role. Idempotent."""
    from app.seeds.demo_city import DEMO_PASSWORD
    from app.services import demo

    if if_empty and not demo.is_empty():
        click.echo("Database already has data; demo seed skipped.")
    else:
        result = demo.seed_demo()
        click.echo(f"Demo seed: {result['units']} units, {result['users']} users, {result['people']} people created.")
    click.echo(f"Demo logins (password {DEMO_PASSWORD} for all):")
    for username, role, *_rest in demo.demo_city().users:
        click.echo(f"  {username:<20} {role}")
