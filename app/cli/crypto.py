"""``flask crypto …``: encryption keys — new key, usage per key, rotation (``app/services/encryption.py``)."""

from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup

__all__ = ["crypto_cli"]

crypto_cli = AppGroup("crypto", help="Field-level encryption keys: new-key, status, rotate.")


def _metadata():
    """The metadata whose encrypted columns the commands work on (the app's; tests swap it)."""
    from app.extensions import db

    return db.metadata


def _fail(exc: Exception) -> None:
    """Print an operator error and exit with status 1."""
    click.echo(f"ERROR: {exc}", err=True)
    raise SystemExit(1)


def _print_status() -> int:
    """Print the key ring and the values per kid of each encrypted column; return the number of warnings."""
    from app.services.encryption import key_status

    status = key_status(_metadata())
    ring, usage = status.ring, status.usage
    click.echo(f"Key ring: {', '.join(ring.keys)} (active: {ring.active})")
    if not usage:
        click.echo("No encrypted columns.")
    warnings = 0
    stale = 0
    for name, counts in usage.items():
        detail = ", ".join(f"{kid}={count}" for kid, count in sorted(counts.items())) or "no values"
        click.echo(f"  {name}: {detail}")
        for kid, count in counts.items():
            if kid not in ring.keys:
                warnings += 1
                click.echo(f"WARNING: {name}: {count} value(s) under key {kid!r}, which is not in the key ring "
                           "(unreadable until the key is added back)", err=True)
            elif kid != ring.active:
                stale += count
    if stale:
        click.echo(f"{stale} value(s) under older keys: run `flask crypto rotate`.")
    return warnings


@crypto_cli.command("new-key")
@click.option("--kid", default=None, help="Key id (1-16 ASCII letters, digits, '_', '-', '.'); default kYYYYMMDD.")
def new_key_command(kid: str | None) -> None:
    """Print a fresh random AES-256 key and how to add it to ENCRYPTION_KEYS."""
    from app.crypto import MAX_KID_LENGTH, KeyRing, generate_key

    kid = kid or "k" + date.today().strftime("%Y%m%d")
    if not KeyRing.valid_kid(kid):
        raise click.BadParameter(f"{kid!r}: 1-{MAX_KID_LENGTH} ASCII letters, digits, '_', '-', '.'",
                                 param_hint="--kid")
    key = generate_key()
    click.echo(key)
    click.echo("")
    click.echo("Append to ENCRYPTION_KEYS (keep the old keys until `flask crypto status` shows them unused):")
    click.echo(f"  ENCRYPTION_KEYS=\"<current keys>,{kid}:{key}\"")
    click.echo(f"  ENCRYPTION_ACTIVE_KEY={kid}")
    click.echo("Restart every process with the new settings, then run `flask crypto rotate`.")
    click.echo("(A key for BLIND_INDEX_KEY is made the same way; changing it requires recomputing every blind index.)")


@crypto_cli.command("status")
def status_command() -> None:
    """Show, per encrypted column, how many values each key id protects."""
    try:
        _print_status()
    except RuntimeError as exc:
        _fail(exc)


@crypto_cli.command("rotate")
@click.option("--batch", "batch_size", type=click.IntRange(min=1), default=500, show_default=True,
              help="Rows per batch (one commit per batch).")
def rotate_command(batch_size: int) -> None:
    """Re-encrypt every value under the active key (resumable; safe to run again)."""
    from app.crypto import DecryptionError, keyring
    from app.services.encryption import rotate_keys

    try:
        click.echo(f"Re-encrypting under key {keyring().active!r} …")
        counts = rotate_keys(_metadata(), batch_size=batch_size)
    except (RuntimeError, DecryptionError) as exc:
        _fail(exc)
    for name, count in counts.items():
        click.echo(f"  {name}: {count} re-encrypted")
    click.echo(f"Total: {sum(counts.values())} value(s) re-encrypted.")
    current_app.logger.info("crypto rotate: %s", counts)
    _print_status()
