"""DESIGN.md's import rules between the apps (§3 Layout), checked on the source: so each app stays
easy to change on its own. Imports inside functions count too."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Every app of the project (a folder with an apps.py), whatever is added later; shop/ wires them.
APPS = sorted(path.parent.name for path in ROOT.glob("*/apps.py") if path.parent.name != "shop")


def imported_modules(app, root=ROOT):
    for path in sorted((root / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path.relative_to(root), alias.name
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                yield path.relative_to(root), node.module


def importers_of(apps, target, root=ROOT):
    return sorted(
        f"{path}: {module}"
        for app in apps
        for path, module in imported_modules(app, root)
        if module == target or module.startswith(target + ".")
    )


def test_the_apps_are_found():
    assert {"catalog", "cooperatives", "orders", "livestream", "dashboard"} <= set(APPS)


@pytest.mark.parametrize("app", APPS)
def test_no_app_imports_shop(app):
    """shop/ wires the apps together; what an app needs of it comes through django.conf."""
    assert importers_of([app], "shop") == []


@pytest.mark.parametrize("other", ["cooperatives", "orders", "livestream", "dashboard"])
def test_catalog_imports_none_of_the_other_apps(other):
    assert importers_of(["catalog"], other) == []


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    app = tmp_path / "someapp"
    app.mkdir()
    (app / "views.py").write_text("def view():\n    from shop.roles import nav_roles\n")
    (app / "ok.py").write_text("import shopping\nfrom . import shop\n")
    assert importers_of(["someapp"], "shop", tmp_path) == ["someapp/views.py: shop.roles"]
