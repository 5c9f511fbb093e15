"""Keep translations/vi in step with the code and with Flask-AppBuilder's strings.

Flask-AppBuilder ships no Vietnamese catalog, so ours carries FAB's own msgids too: they are
extracted from the installed package into ``translations/fab.pot`` and merged with ours. The commands:
``flask translate update|compile`` (``app/cli/translate.py``).
"""

import os
import subprocess
import sys

__all__ = ["update_catalog", "compile_catalog"]

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
TRANSLATIONS = os.path.join(ROOT, "translations")
KEYWORDS = ["-k", "_", "-k", "_l", "-k", "gettext", "-k", "lazy_gettext", "-k", "ngettext:1,2", "-k", "__",
            "-k", "lazy_formatter_gettext:1"]


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


def update_catalog(refresh_fab: bool = False) -> None:
    """Extract our strings (+ FAB's when asked), merge them into translations/vi without fuzzy guesses."""
    ours = os.path.join(TRANSLATIONS, "app.pot")
    fab = os.path.join(TRANSLATIONS, "fab.pot")
    _pybabel("extract", "-F", "babel.cfg", *KEYWORDS, "--no-location", "--sort-output",
             "--omit-header", "-o", ours, "app", "views", "models", "jobs")
    if refresh_fab or not os.path.exists(fab):
        import flask_appbuilder

        fab_dir = os.path.dirname(flask_appbuilder.__file__)
        cfg = os.path.join(TRANSLATIONS, "fab_babel.cfg")  # FAB ships none; ours includes its templates
        _pybabel("extract", "-F", cfg, *KEYWORDS, "--no-location", "--sort-output", "--omit-header",
                 "-o", fab, fab_dir)
    merged = os.path.join(TRANSLATIONS, "messages.pot")
    _merge_templates(merged, fab, ours)
    for lang in ("vi", "en"):
        _pybabel("update", "-N", "-i", merged, "-d", TRANSLATIONS, "-l", lang)
    fill_vietnamese_sources()


#: English msgids of WTForms that our forms show (views/forms.py WTFORMS_MESSAGES); FAB's are in fab.pot.
ENGLISH_SOURCE_MSGIDS = {
    "Not a valid date value.", "Not a valid integer value.", "Not a valid choice.", "This field is required.",
    "Invalid Choice: could not coerce.", "The CSRF token is missing.", "The CSRF token is invalid.",
    "The CSRF token has expired.", "The CSRF tokens do not match.",
}


def english_msgids() -> set[str]:
    """Msgids whose source language is English: Flask-AppBuilder's (fab.pot) and WTForms'."""
    from babel.messages.pofile import read_po

    with open(os.path.join(TRANSLATIONS, "fab.pot"), "rb") as fh:
        fab = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    return fab | ENGLISH_SOURCE_MSGIDS


def fill_vietnamese_sources() -> int:
    """Copy Vietnamese msgids into empty vi msgstrs: our own strings are written in Vietnamese.

    FAB's and WTForms' msgids are English and get real translations; every other msgid is one of
    ours, already Vietnamese, so the vi catalog repeats it and the en catalog translates it.
    """
    from babel.messages.pofile import read_po, write_po

    path = os.path.join(TRANSLATIONS, "vi", "LC_MESSAGES", "messages.po")
    with open(path, "rb") as fh:
        catalog = read_po(fh, locale="vi")
    english = english_msgids()
    filled = 0
    for message in catalog:
        source = message.id if isinstance(message.id, str) else (message.id[0] if message.id else "")
        if message.id and not message.string and source not in english:
            message.string = message.id if isinstance(message.id, str) else tuple(message.id[:1])
            filled += 1
    with open(path, "wb") as fh:
        write_po(fh, catalog, width=0, omit_header=False)
    return filled


def _merge_templates(out: str, *sources: str) -> None:
    """Write one .pot holding every msgid of ``sources`` (the first occurrence wins)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    merged = Catalog(project="CSDL CBCCVC", charset="utf-8")
    for src in sources:
        with open(src, "rb") as fh:
            for message in read_po(fh):
                if message.id and message.id not in merged:
                    merged[message.id] = message
    with open(out, "wb") as fh:
        write_po(fh, merged, width=0, sort_output=True)


def compile_catalog() -> None:
    """Compile translations/*/LC_MESSAGES/messages.po into .mo files."""
    _pybabel("compile", "-f", "-d", TRANSLATIONS)
