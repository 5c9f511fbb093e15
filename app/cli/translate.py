"""``flask translate update [--refresh-fab]`` / ``flask translate compile``: the catalogs (``app/i18n.py``)."""

import click
from flask.cli import AppGroup

__all__ = ["translate_cli"]

translate_cli = AppGroup("translate", help="Extract, update and compile the Vietnamese catalog.")


@translate_cli.command("update")
@click.option("--refresh-fab", is_flag=True, help="Re-extract Flask-AppBuilder's strings too.")
def update_command(refresh_fab: bool) -> None:
    """Extract strings and merge them into translations/vi/LC_MESSAGES/messages.po."""
    from app.i18n import update_catalog

    update_catalog(refresh_fab)


@translate_cli.command("compile")
def compile_command() -> None:
    """Compile the catalogs."""
    from app.i18n import compile_catalog

    compile_catalog()
