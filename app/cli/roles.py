"""``flask sync-roles [--markdown]``: permissions and roles from ``app/security/roles.py``."""

import click
from flask import current_app

__all__ = ["sync_roles_command"]


@click.command("sync-roles")
@click.option("--markdown", is_flag=True, help="Print the role table (for the README) instead.")
def sync_roles_command(markdown: bool) -> None:
    """Create permissions and apply the roles defined in app/security/roles.py."""
    from app.security.roles import roles_markdown, sync_roles

    if markdown:
        click.echo(roles_markdown())
        return
    for name, count in sync_roles(current_app.appbuilder).items():
        click.echo(f"{name}: {count} permissions")
