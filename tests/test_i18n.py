"""Vietnamese first: the catalog covers our strings and Flask-AppBuilder's own, placeholders intact."""

import os
import re
import subprocess
import sys

from babel.messages.pofile import read_po

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def catalog(lang):
    with open(os.path.join(ROOT, "translations", lang, "LC_MESSAGES", "messages.po"), "rb") as fh:
        return read_po(fh, locale=lang)


def msgids(path):
    with open(path, "rb") as fh:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}


def test_vietnamese_is_the_default_locale(app):
    """BABEL_DEFAULT_LOCALE is vi; English is offered as the second language."""
    assert app.config["BABEL_DEFAULT_LOCALE"] == "vi"
    assert list(app.config["LANGUAGES"]) == ["vi", "en"]


def test_catalog_is_up_to_date_and_complete(tmp_path):
    """Every string in the code and every Flask-AppBuilder string has a Vietnamese translation."""
    out = tmp_path / "app.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
         "-k", "lazy_gettext", "-k", "_", "-k", "gettext", "-o", str(out), "app", "views", "models", "jobs"],
        cwd=ROOT, check=True, capture_output=True,
    )
    vi = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog("vi") if m.id}
    wanted = msgids(out) | msgids(os.path.join(ROOT, "translations", "fab.pot"))
    missing = sorted(w for w in wanted if w not in vi or not vi[w].string)
    assert not missing, f"run `flask translate update` and translate: {missing[:10]}"
    for key in ("List Users", "Security", "Search", "Actions", "Record Count", "Login", "Password"):
        assert vi[key].string and vi[key].string != key


def test_placeholders_survive_translation():
    """A translation keeps every named placeholder of its msgid."""
    for lang in ("vi", "en"):
        for m in catalog(lang):
            if not m.id or not m.string:
                continue
            src = m.id if isinstance(m.id, str) else m.id[0]
            dst = m.string if isinstance(m.string, str) else m.string[0]
            assert sorted(PLACEHOLDER.findall(src)) == sorted(PLACEHOLDER.findall(dst)), (lang, src, dst)


def test_readme_role_table_comes_from_the_role_data():
    """The README documents the roles from the same data `flask sync-roles` applies."""
    from app.security.roles import roles_markdown

    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        assert roles_markdown() in fh.read()
