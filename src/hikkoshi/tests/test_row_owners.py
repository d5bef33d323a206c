"""Each app writes only its own rows (issue 10): no module outside an app's package writes that
app's models through their managers (``Model.objects….update/create/delete/…``). Another app
asks the owner's services instead (``moves.lifecycle.procedure_status_record``, the erase services
``hikkoshi.privacy`` calls, …) or hears its signals.

A static check over the source (tests, migrations and fixtures aside): a model is known by where
it is imported from (``from hikkoshi.<app>.models import …``). Writes through an instance
(``obj.save()``) or a related manager are not seen here; the tests of each service cover those.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
WRITES = {"update", "create", "delete", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
# (module path relative to the package, model): writes that are allowed, and why.
ALLOWED = {
    # The benchmarks build years of moves and deliveries in bulk as their fixture.
    ("bench/moves.py", "moves.Move"),
    ("bench/moves.py", "moves.MoveProcedure"),
    ("bench/moves.py", "delivery.Delivery"),
    ("bench/moves.py", "delivery.DeliveryEvent"),
    ("bench/moves.py", "audit.AuditEvent"),
    # ... and the call centre whose operator searches them by name (staff name search), with its
    # customers' records and their name terms.
    ("bench/moves.py", "assisted.CallCentre"),
    ("bench/moves.py", "assisted.Operator"),
    ("bench/moves.py", "assisted.AssistedMove"),
    ("bench/moves.py", "assisted.NameTerm"),
    # ``hikkoshi demo`` seeds its demo agency, store, call centre and their staff.
    ("portal/management/commands/demo.py", "assisted.Agency"),
    ("portal/management/commands/demo.py", "assisted.Store"),
    ("portal/management/commands/demo.py", "assisted.CallCentre"),
    ("portal/management/commands/demo.py", "assisted.Operator"),
    ("portal/management/commands/demo.py", "assisted.AgencyMember"),
    # API tokens are moving from moves to accounts (another branch of issue 10); until then.
    ("accounts/views.py", "moves.ApiToken"),
    ("accounts/signals.py", "moves.ApiToken"),
}


def _app_of(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0]


def _sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if "tests" in parts or "migrations" in parts or path.name == "conftest.py" or len(parts) == 1:
            continue
        yield path


def _imported_models(tree: ast.AST, app: str) -> dict[str, str]:
    """Local name → "app.Model" for every name imported from a models module."""
    names = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or not node.module:
            continue
        if node.level == 0 and node.module.startswith("hikkoshi.") and node.module.endswith(".models"):
            owner = node.module.split(".")[1]
        elif node.level >= 1 and node.module == "models":  # its own app's (also from a subpackage)
            owner = app
        else:
            continue
        for alias in node.names:
            names[alias.asname or alias.name] = f"{owner}.{alias.name}"
    return names


def _manager_of(node: ast.expr) -> str | None:
    """The model name ``X`` of a chain ``X.objects.…`` ending in ``node``, if it is one."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Attribute):
            if node.attr == "objects" and isinstance(node.value, ast.Name):
                return node.value.id
            node = node.value
        else:
            return None


def writes_in(tree: ast.AST, app: str) -> list[tuple[int, str]]:
    """(line, "app.Model") of every write through a manager of another app's model."""
    models = _imported_models(tree, app)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES:
            model = models.get(_manager_of(node.func.value) or "")
            if model and model.split(".")[0] != app:
                found.append((node.lineno, model))
    return found


def test_no_app_writes_the_rows_of_another():
    found = []
    for path in _sources():
        module = str(path.relative_to(PACKAGE))
        for line, model in writes_in(ast.parse(path.read_text(encoding="utf-8")), _app_of(path)):
            if (module, model) not in ALLOWED:
                found.append(f"{module}:{line} writes {model}")
    assert found == []


def test_the_check_sees_a_foreign_write_and_not_an_own_one():
    source = (
        "from hikkoshi.moves.models import MoveProcedure as P\n"
        "from .models import Delivery\n"
        "P.objects.filter(pk=1).update(status='delivered')\n"
        "Delivery.objects.filter(pk=1).update(status='delivered')\n"
        "P.objects.filter(pk=1).exists()\n"
    )
    assert writes_in(ast.parse(source), "delivery") == [(3, "moves.MoveProcedure")]
    assert writes_in(ast.parse(source), "moves") == []  # in moves, both are its own
