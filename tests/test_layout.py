"""DESIGN.md's rules between the apps (§3 Layout), checked on the source: so each app stays easy
to change on its own. Imports inside functions count too, and so do look-ups of a model or class
by its Oscar label (``get_model("order", "Line")``); no two modules import each other."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Every app of the project (a folder with an apps.py), whatever is added later; shop/ wires them.
APPS = sorted(path.parent.name for path in ROOT.glob("*/apps.py") if path.parent.name != "shop")


def test_the_apps_are_found():
    assert {"catalog", "cooperatives", "impact", "orders", "livestream", "dashboard"} <= set(APPS)


# --- Every rule of DESIGN §3, on imports and on model and class look-ups by label ----------------

# Oscar's app labels of this project's apps (forked or its own): ``get_model("order", "Line")``
# and ``get_class("order.utils", ...)`` reach into ``orders`` as much as an import does.
LABELS = {
    "order": "orders",
    "checkout": "orders.checkout",
    "address": "orders.address",
    "payments": "orders.payments",
    "order_reviews": "orders.reviews",
    "catalogue": "catalog",
    "cooperatives": "cooperatives",
    "livestream": "livestream",
    "impact": "impact",
    "organisations": "organisations",
    "invoices": "invoices",
}
LOOKUPS = {"get_model", "get_class", "get_classes"}


def _lookup_target(node):
    """The project module a ``get_model``/``apps.get_model``/``get_class`` call names, or None."""
    if not isinstance(node, ast.Call) or not node.args:
        return None
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    first = node.args[0]
    if (
        name not in LOOKUPS
        or not isinstance(first, ast.Constant)
        or not isinstance(first.value, str)
    ):
        return None
    label, _, rest = first.value.partition(".")
    if label not in LABELS:
        return None
    return LABELS[label] + (f".{rest}" if rest and name != "get_model" else "")


def references(package, root=ROOT):
    """(file, module) for every import of ``package``'s files, inside functions too, and every
    model or class it looks up by its Oscar label."""
    for path in sorted((root / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path.relative_to(root), alias.name
            elif isinstance(node, ast.ImportFrom):
                module = _absolute(path, node, root) if node.level else node.module
                if node.module is None:  # "from . import b": the modules themselves
                    for alias in node.names:
                        yield path.relative_to(root), f"{module}.{alias.name}"
                elif module:
                    yield path.relative_to(root), module
            else:
                target = _lookup_target(node)
                if target:
                    yield path.relative_to(root), target


def _absolute(path, node, root):
    parts = list(path.relative_to(root).with_suffix("").parts)
    base = parts[: len(parts) - node.level]
    return ".".join([*base, *([node.module] if node.module else [])])


def reaching(package, target, root=ROOT, outside=()):
    """``package``'s references to ``target`` (and its submodules), from files not under any
    of ``outside``."""
    return sorted(
        f"{path}: {module}"
        for path, module in references(package, root)
        if (module == target or module.startswith(target + "."))
        and not any(str(path).startswith(f"{other}/") for other in outside)
    )


@pytest.mark.parametrize("app", APPS)
def test_no_app_imports_shop(app):
    """shop/ wires the apps together; what an app needs of it comes through django.conf."""
    assert reaching(app, "shop") == []


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    app = tmp_path / "someapp"
    app.mkdir()
    (app / "views.py").write_text("def view():\n    from shop.roles import nav_roles\n")
    (app / "ok.py").write_text("import shopping\nfrom . import shop\n")
    assert reaching("someapp", "shop", tmp_path) == ["someapp/views.py: shop.roles"]


@pytest.mark.parametrize("other", ["orders", "livestream", "impact"])
def test_cooperatives_reaches_neither_orders_nor_livestream_nor_impact(other):
    """Officials' reporting (which needs orders) is impact/'s; the ledger is handed its orders."""
    assert reaching("cooperatives", other) == []


@pytest.mark.parametrize("other", ["cooperatives", "orders", "livestream", "impact", "dashboard"])
def test_catalog_reaches_none_of_the_other_apps(other):
    assert reaching("catalog", other) == []


@pytest.mark.parametrize("package", ["catalog", "cooperatives", "orders", "dashboard", "impact"])
def test_no_other_app_reaches_livestream(package):
    """Live sessions plug in through Oscar's signals, offers and their own template tags."""
    assert reaching(package, "livestream") == []


@pytest.mark.parametrize(("package", "other"), [("orders", "impact"), ("impact", "dashboard")])
def test_impact_sits_between_orders_and_the_pages_that_show_sales(package, other):
    """impact/ builds on orders/ and cooperatives/; live stats and the manager's sales home use
    its definition of a sale, not the other way round."""
    assert reaching(package, other) == []


@pytest.mark.parametrize("other", ["organisations", "invoices"])
@pytest.mark.parametrize("package", ["catalog", "cooperatives", "orders"])
def test_organisation_buyers_and_invoices_build_on_orders(package, other):
    """Organisations (and their purchase batches) and invoices build on orders; orders refers to
    them by string only (``Order.organisation``, ``Order.batch``) and sends its signals."""
    assert reaching(package, other) == []


def test_the_rest_of_orders_does_not_reach_payments():
    """Payments calls the order's lifecycle (orders.services); nothing else of orders/ calls
    back into payments."""
    assert reaching("orders", "orders.payments", outside=["orders/payments"]) == []


def test_the_check_sees_lookups_by_label_and_relative_imports(tmp_path):
    app = tmp_path / "someapp"
    app.mkdir()
    (app / "a.py").write_text(
        "from oscar.core.loading import get_class, get_model\n"
        "from django.apps import apps\n"
        "Line = get_model('order', 'Line')\n"
        "Host = apps.get_model('livestream', 'Host')\n"
        "Creator = get_class('order.utils', 'OrderCreator')\n"
        "Basket = get_model('basket', 'Basket')\n"
        "from . import b\n"
    )
    (app / "b.py").write_text("")
    found = sorted(module for _path, module in references("someapp", tmp_path))
    assert found == [
        "django.apps",
        "livestream",
        "orders",
        "orders.utils",
        "oscar.core.loading",
        "someapp.b",
    ]


# --- No two modules import each other -----------------------------------------------------------

PACKAGES = [*APPS, "shop", "sheets"]


def module_imports(root=ROOT):
    """{module: {project modules it imports or looks up by label, inside functions too}}."""
    found = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            imports = []
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    imports += [(alias.name, None) for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    module = _absolute(path, node, root) if node.level else node.module
                    imports += [(module, alias.name) for alias in node.names]
                elif target := _lookup_target(node):
                    imports.append((target, None))
            found[name] = imports

    def target(module, name):
        """``from package import submodule`` depends on the submodule, not on the package's
        __init__ (which is already running when a submodule imports from it)."""
        return f"{module}.{name}" if name and f"{module}.{name}" in found else module

    return {
        name: {t for t in (target(m, n) for m, n in imports) if t in found and t != name}
        for name, imports in found.items()
    }


def cycles(graph):
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_no_two_modules_import_each_other():
    """Not even inside a function: a service does not import the task that calls it (the tasks
    a service queues live apart from those that call services: orders.emails, livestream.reminders,
    cooperatives.imports), and models.py does not import the offers built on it (the app's
    ready() does). Each module can be read, and changed, before the ones that use it."""
    assert cycles(module_imports()) == []


def test_the_cycle_check_finds_a_cycle(tmp_path):
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_package_is_installed_and_in_the_container():
    """A new top-level package (impact/, sheets/) must be in pyproject's package list and
    copied by deploy/Containerfile, or the installed store cannot import it."""
    import tomllib

    packages = sorted(p.parent.name for p in ROOT.glob("*/__init__.py") if p.parent.name != "tests")
    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]["find"]["include"]
    containerfile = (ROOT / "deploy" / "Containerfile").read_text()
    assert [p for p in packages if f"{p}*" not in include] == []
    assert [p for p in packages if f"COPY {p} ./{p}" not in containerfile] == []
