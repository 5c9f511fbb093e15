"""What the command modules share: printing a service's refusal and exiting, reading a ``--date``."""

import re
from datetime import date
from typing import NoReturn

import click

from app.services.errors import ServiceError

__all__ = ["fail", "iso_day"]

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def iso_day(day: str | None) -> date | None:
    """The ``--date YYYY-MM-DD`` of a command (None when not given); a bad one exits with status 2."""
    if day is None:
        return None
    try:
        if not _ISO_DAY.match(day):
            raise ValueError
        return date.fromisoformat(day)
    except ValueError:
        click.echo(f"Lỗi: ngày «{day}» không hợp lệ (định dạng YYYY-MM-DD, ví dụ 2026-02-12).", err=True)
        raise SystemExit(2) from None


def fail(exc: ServiceError, prefix: str = "", code: int = 1) -> NoReturn:
    """Print each message of ``exc`` on stderr (after ``prefix``) and exit with ``code``."""
    for msg in exc.messages:
        click.echo(f"{prefix}{msg}", err=True)
    raise SystemExit(code)
