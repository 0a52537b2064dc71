"""A production install runs: the declared dependencies only, no test extras (what the Dockerfile installs).

Builds a virtual environment from `[project].dependencies` alone, installs the package with `--no-deps`
from a copy of the sources, imports every module of the installed packages, runs `shequ --help`, and
starts `shequ demo` from it until the dashboard answers.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = tuple(sorted(p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()
                        and p.name in ("shared", "services", "bootstrap")))

IMPORT_EVERY_MODULE = """
import importlib, pkgutil, sys
failed = []
count = 0
for name in sys.argv[1:]:
    package = importlib.import_module(name)
    assert not package.__file__.startswith(sys.argv[0]), package.__file__
    for info in pkgutil.walk_packages(package.__path__, name + "."):
        count += 1
        try:
            importlib.import_module(info.name)
        except Exception as exc:
            failed.append(f"{info.name}: {type(exc).__name__}: {exc}")
print("imported", count)
if failed:
    print("\\n".join(failed))
    sys.exit(1)
"""


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:  # noqa: ANN003
    return subprocess.run(args, capture_output=True, text=True, timeout=600, **kwargs)


@pytest.fixture(scope="module")
def production_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv holding `[project].dependencies` and the package (installed from a copy, not editable)."""
    where = tmp_path_factory.mktemp("production-install")
    source = where / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, source / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    (where / "requirements.txt").write_text("\n".join(dependencies) + "\n")
    venv = where / "venv"
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-r", str(where / "requirements.txt")],
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--no-deps", str(source)],
    ]
    for step in steps:
        done = _run(step, cwd=where)
        assert done.returncode == 0, f"{' '.join(step)} failed:\n{done.stdout}\n{done.stderr}"
    return venv


def test_the_production_install_has_no_test_extras(production_venv: Path) -> None:
    test_only = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["test"]
    installed = _run([str(production_venv / "bin" / "python"), "-m", "pip", "list", "--format=freeze"]).stdout.lower()
    names = {line.split("==")[0].replace("_", "-") for line in installed.splitlines()}
    for requirement in test_only:
        name = requirement.split("==")[0].split("[")[0].lower().replace("_", "-")
        assert name not in names, f"{name} (a test extra) is in the production install"
    assert "mongomock-ng" not in names  # the read store is a real wire-protocol server, never a mock
    assert "nx-27017" in names  # the embedded read-store server ships with the package


def test_every_module_imports_in_a_production_install(production_venv: Path, tmp_path: Path) -> None:
    done = _run([str(production_venv / "bin" / "python"), "-c", IMPORT_EVERY_MODULE, *PACKAGES], cwd=tmp_path)
    assert done.returncode == 0, f"modules fail to import without the test extras:\n{done.stdout}\n{done.stderr}"
    assert int(done.stdout.split("imported ", 1)[1].split()[0]) > 40  # the walk found the packages' modules


def test_the_command_line_starts_in_a_production_install(production_venv: Path, tmp_path: Path) -> None:
    done = _run([str(production_venv / "bin" / "shequ"), "--help"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for command in ("demo", "serve", "project", "rebuild", "token", "trace"):
        assert command in done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_demo_serves_the_dashboard_from_a_production_install(production_venv: Path, tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("KAFKA_BOOTSTRAP_SERVERS", "MONGO_URL")}
    env.update(SHEQU_DATA_DIR=str(tmp_path / "data"), PYTHONUNBUFFERED="1")
    process = subprocess.Popen([str(production_venv / "bin" / "shequ"), "demo", "--no-seed", "--port", str(port)],
                               cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        deadline = time.monotonic() + 180
        ready = False
        while time.monotonic() < deadline and not ready:
            line = process.stdout.readline()
            if not line:
                break
            ready = line.startswith("SHEQU_READY")
        assert ready, f"shequ demo did not start from the production install (exit {process.poll()})"
        for page_path in ("district", "staff"):  # the pages' own files and the ones they share ship installed
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/{page_path}/", timeout=10) as page:
                assert page.status == 200
                assert "<html" in page.read().decode().lower()
            for asset in ("static/main.js", "static/app.css", "common/base.css", "common/dom.js", "common/shell.js"):
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/{page_path}/{asset}", timeout=10) as served:
                    assert served.status == 200, f"{page_path}/{asset}"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/docs", timeout=10) as page:
            listing = page.read().decode()
        for service in ("grid", "economy", "welfare", "volunteering", "district"):
            assert f'href="/{service}/docs"' in listing
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/{service}/openapi.json", timeout=10) as spec:
                assert spec.status == 200
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    assert process.returncode == 0
