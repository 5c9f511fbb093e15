"""The project's ``flask`` commands, one module per command group; each calls services and prints.

``seed-demo`` (:mod:`.demo`), ``sync-roles`` (:mod:`.roles`), ``org-units …`` (:mod:`.org_units`),
``code-lists …`` (:mod:`.code_lists`), ``crypto …`` (:mod:`.crypto`), ``pki …`` and ``verify-pdf``
(:mod:`.pki`), ``export-syll`` (:mod:`.syll`), ``workdays …`` (:mod:`.workdays`), ``reminders run``
(:mod:`.reminders`), ``jobs reconcile`` (:mod:`.jobs`), ``transfers apply-effective`` (:mod:`.transfers`),
``gen-city`` (:mod:`.gen_city`), ``national-stub`` (:mod:`.national`), ``backup …`` (:mod:`.backup`),
``translate …``
(:mod:`.translate`).
"""

from flask import Flask

__all__ = ["register_cli"]


def register_cli(app: Flask) -> None:
    """Attach every command to the app's ``flask`` CLI."""
    from app.cli.backup import backup_cli
    from app.cli.code_lists import codes_cli
    from app.cli.crypto import crypto_cli
    from app.cli.demo import seed_demo_command
    from app.cli.gen_city import gen_city_command
    from app.cli.jobs import jobs_cli
    from app.cli.national import national_stub_command
    from app.cli.org_units import org_cli
    from app.cli.pki import pki_cli, verify_pdf_command
    from app.cli.reminders import reminders_cli
    from app.cli.roles import sync_roles_command
    from app.cli.syll import export_syll_command
    from app.cli.transfers import transfers_cli
    from app.cli.translate import translate_cli
    from app.cli.workdays import workdays_cli

    for command in (seed_demo_command, sync_roles_command, org_cli, translate_cli, crypto_cli, codes_cli,
                    gen_city_command, pki_cli, verify_pdf_command, export_syll_command, workdays_cli, reminders_cli,
                    jobs_cli, transfers_cli, national_stub_command, backup_cli):
        app.cli.add_command(command)
