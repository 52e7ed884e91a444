"""The house rules, checked on the code itself.

- Imports go one way: the core (``school``) imports no feature package, and the only arrows
  between features are ``quizzes → courses`` and ``brochures → finance``, plus ``mirror``,
  which sits on top of every feature as the factory does (it mirrors their public pages) and
  which none imports. The factory's ``_register_features`` is the one place the core names
  the features.
- No application module is over 700 lines.
- Every URL rule belongs to the package its first path segment names: ``/courses/...`` to
  ``courses``, ``/finance/...`` to ``finance``. The core owns ``/`` and the account pages. Old
  addresses a feature keeps alive are allowed outside its prefix only when listed in its views
  module's ``LEGACY_REDIRECTS``.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = "school"
FEATURES = [
    name
    for name in ("webinars", "courses", "quizzes", "finance", "brochures", "mirror")
    if (ROOT / name / "__init__.py").exists()
]
PACKAGES = [CORE, *FEATURES]
# A feature may import the core and the features named here, nothing else.
ALLOWED = {
    "webinars": set(),
    "courses": set(),
    "quizzes": {"courses"},
    "finance": set(),
    "brochures": {"finance"},
    "mirror": {"webinars", "courses", "quizzes", "finance", "brochures"},
}
# The one function of the core allowed to import features: it registers them.
FACTORY = (ROOT / "school" / "__init__.py", "_register_features")
MAX_LINES = 700


def _modules() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    )


def _imported_packages(node: ast.AST) -> set[str]:
    found: set[str] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Import):
            found.update(alias.name.split(".")[0] for alias in child.names)
        elif isinstance(child, ast.ImportFrom) and child.module and not child.level:
            found.add(child.module.split(".")[0])
    return found & set(PACKAGES)


def _imports_outside_factory(path: Path, tree: ast.Module) -> set[str]:
    if path != FACTORY[0]:
        return _imported_packages(tree)
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == FACTORY[1]:
            continue
        found |= _imported_packages(node)
    return found


def test_imports_go_one_way():
    wrong = []
    for path in _modules():
        package = path.relative_to(ROOT).parts[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        allowed = {package, CORE} | ALLOWED.get(package, set())
        for target in sorted(_imports_outside_factory(path, tree) - allowed):
            wrong.append(f"{path.relative_to(ROOT)} imports {target}")
    assert wrong == []


def test_the_factory_names_every_feature():
    tree = ast.parse(FACTORY[0].read_text(encoding="utf-8"))
    (register,) = [
        node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == FACTORY[1]
    ]
    assert _imported_packages(register) == set(FEATURES)


def test_no_module_is_over_the_limit():
    long = {
        str(path.relative_to(ROOT)): lines
        for path in _modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def _legacy_rules() -> set[str]:
    rules: set[str] = set()
    for package in FEATURES:
        try:
            views = importlib.import_module(f"{package}.views")
        except ModuleNotFoundError:
            continue
        rules.update(rule for rule, _endpoint in getattr(views, "LEGACY_REDIRECTS", []))
    return rules


@pytest.mark.parametrize("package", PACKAGES)
def test_blueprints_are_named_after_their_package(app, package):
    for name, blueprint in app.blueprints.items():
        owner = blueprint.import_name.split(".")[0]
        if owner == package and owner != CORE:
            assert name == package, blueprint.import_name


def test_every_url_belongs_to_the_package_it_names(app):
    legacy = _legacy_rules()
    wrong = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        blueprint = app.blueprints[rule.endpoint.rpartition(".")[0]]
        owner = blueprint.import_name.split(".")[0]
        segment = rule.rule.strip("/").split("/")[0]
        named = segment.split(".")[0]  # "/webinars.ics" belongs to webinars
        if rule.rule in legacy:
            continue
        if (named in FEATURES) if owner == CORE else (named != owner):
            wrong.append(f"{rule.rule} -> {rule.endpoint} ({owner})")
    assert wrong == []


def test_legacy_addresses_lie_outside_their_feature(app):
    """A listed old address that its feature's prefix already covers is not legacy at all."""
    rules = {rule.rule: rule.endpoint for rule in app.url_map.iter_rules()}
    for old in _legacy_rules():
        assert old in rules, old
        owner = app.blueprints[rules[old].rpartition(".")[0]].import_name.split(".")[0]
        assert old.strip("/").split("/")[0] != owner, old
