"""Imports go one way: kernel <- platform <- services <- bootstrap, and a domain imports no infrastructure.

Read from the source (every `import` and `from ... import`, at module level or inside functions), so a
late import cannot hide a wrong direction.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

INFRASTRUCTURE = ("fastapi", "starlette", "uvicorn", "kafka", "pymongo", "psycopg", "prometheus_client",
                  "pydantic_settings", "jwt", "typer", "rich", "httpx")
"""Third-party packages that are infrastructure: no kernel or domain module may import them."""


def imports_of(path: Path) -> list[str]:
    """Every module a file imports (relative imports resolved against its package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.append(module)
            # `from shared import platform` names a module too
            found += [f"{module}.{alias.name}" for alias in node.names]
    return found


def modules_under(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)


def violations(files: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for path in files:
        for module in imports_of(path):
            if any(module == f or module.startswith(f + ".") for f in forbidden):
                bad.append(f"{path.relative_to(ROOT)} imports {module}")
    return sorted(set(bad))


def test_the_kernel_imports_only_the_standard_library_and_eventsourcing() -> None:
    files = modules_under("shared/kernel")
    assert files
    assert violations(files, ("shared.platform", "bootstrap", "services", *INFRASTRUCTURE, "pydantic")) == []


def test_the_platform_never_imports_a_service_or_the_composition_root() -> None:
    files = modules_under("shared/platform")
    assert files
    assert violations(files, ("services", "bootstrap")) == []


def test_services_never_import_the_composition_root() -> None:
    assert violations(modules_under("services"), ("bootstrap",)) == []


@pytest.mark.parametrize("service", ["grid", "economy", "welfare", "volunteering"])
def test_a_domain_model_imports_no_infrastructure(service: str) -> None:
    domain = ROOT / "services" / service / "domain.py"
    assert violations([domain], ("shared.platform", "bootstrap", *INFRASTRUCTURE)) == []
    others = tuple(f"services.{s}" for s in ("grid", "economy", "welfare", "volunteering", "district") if s != service)
    assert violations([domain], others) == []


def test_the_checker_sees_a_wrong_direction(tmp_path: Path) -> None:
    """The rule is not vacuous: a platform file importing a service, late, is caught."""
    offender = ROOT / "shared" / "platform" / "_offender_for_test.py"
    offender.write_text("def f():\n    from services.grid import domain\n    import fastapi\n")
    try:
        assert violations([offender], ("services",)) == ["shared/platform/_offender_for_test.py imports services.grid",
                                                         "shared/platform/_offender_for_test.py imports "
                                                         "services.grid.domain"]
    finally:
        offender.unlink()


def test_only_the_composition_root_assembles_services() -> None:
    """No service imports another service's domain or application (they meet over public events only)."""
    bad = []
    for service in ("grid", "economy", "welfare", "volunteering", "district"):
        others = [s for s in ("grid", "economy", "welfare", "volunteering", "district") if s != service]
        forbidden = tuple(f"services.{o}.{part}" for o in others
                          for part in ("domain", "application", "api", "contract", "config", "reactions", "demo"))
        bad += violations(modules_under(f"services/{service}"), forbidden)
    assert bad == []


def test_the_staff_workbench_is_a_client_that_imports_no_service() -> None:
    """services/staff_web serves a page that calls the services' HTTP APIs; it depends on the platform only."""
    files = modules_under("services/staff_web")
    assert files
    domain_services = tuple(f"services.{s}" for s in ("grid", "economy", "welfare", "volunteering", "district"))
    assert violations(files, (*domain_services, "bootstrap")) == []
