"""Package hygiene (issue 14, item 4): no module uses another module's ``_private`` names.

A name with a leading underscore belongs to its module; what a sibling needs is made public inside its package.
The walk reads the sources with ``ast``: ``from x import _y`` and ``x._y`` (``x`` an imported project module).
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "views", "jobs", "models")

#: Uses left in modules owned by other work (issue 14 items 1 and 3); (file, module, name). To be emptied.
ALLOWED: set[tuple[str, str, str]] = set()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def private_uses(path: Path, modules: set[str]) -> list[tuple[int, str, str]]:
    """(line, module, name) for each use in ``path`` of a ``_private`` name of another project module."""
    me = _module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases: dict[str, str] = {}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                if full in modules:
                    aliases[alias.asname or alias.name] = full
                elif _private(alias.name) and base != me:
                    found.append((node.lineno, base, alias.name))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else \
                    alias.name.split(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            chain, value = [], node.value
            while isinstance(value, ast.Attribute):
                chain.append(value.attr)
                value = value.value
            if isinstance(value, ast.Name) and value.id in aliases:
                target = ".".join([aliases[value.id], *reversed(chain)])
                if target in modules and target != me:
                    found.append((node.lineno, target, node.attr))
    return found


def test_no_cross_module_private_use():
    """No module imports or reads another module's ``_private`` names (issue 14: none outside the allow-list)."""
    sources = _sources()
    modules = {_module_name(p) for p in sources}
    bad, seen = [], set()
    for path in sources:
        rel = path.relative_to(ROOT).as_posix()
        for line, module, name in private_uses(path, modules):
            if (rel, module, name) in ALLOWED:
                seen.add((rel, module, name))
            else:
                bad.append(f"{rel}:{line}: {module}.{name}")
    assert not bad, "cross-module private names (make them public inside the package):\n" + "\n".join(bad)
    assert seen == ALLOWED, f"allow-list entries no longer needed (remove them): {sorted(ALLOWED - seen)}"


def test_the_walk_finds_both_shapes(tmp_path, monkeypatch):
    """The checker itself: ``from x import _y`` and ``x._y`` are caught, own names and dunders are not."""
    source = ROOT / "app" / "_hygiene_probe.py"
    text = ("from app.services.errors import _private_thing, use_case\n"
            "from app.services import errors\n"
            "import app.text\n"
            "errors._other\n"
            "app.text._norm\n"
            "errors.__name__\n"
            "def _mine():\n    return _mine\n")
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: text)
    uses = private_uses(source, {"app", "app.text", "app.services", "app.services.errors", "app._hygiene_probe"})
    assert sorted(uses) == [(1, "app.services.errors", "_private_thing"), (4, "app.services.errors", "_other"),
                            (5, "app.text", "_norm")]
