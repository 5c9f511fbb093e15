"""What the command modules share: printing a service's refusal and exiting."""

from typing import NoReturn

import click

from app.services.errors import ServiceError

__all__ = ["fail"]


def fail(exc: ServiceError, prefix: str = "", code: int = 1) -> NoReturn:
    """Print each message of ``exc`` on stderr (after ``prefix``) and exit with ``code``."""
    for msg in exc.messages:
        click.echo(f"{prefix}{msg}", err=True)
    raise SystemExit(code)
