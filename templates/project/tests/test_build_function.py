"""`sam build` (tools/build_function.py): the dependencies for Lambda, without what Lambda never serves."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path, PurePath

import pytest
from dash.fingerprint import check_fingerprint
from page_load import BROWSER_ACCEPT_ENCODING, load_page

from tools.apigateway import LocalGateway
from tools.build_function import (
    Target,
    check_code,
    copy_code,
    missing_dependencies,
    modules_named,
    prune,
    prune_category,
    requirements_for,
    target_of,
)
from tools.stack_config import PROJECT_DIR, TEMPLATE, load_template

REQUIREMENTS = PROJECT_DIR / "src" / "requirements.txt"
REQUIREMENTS_IN = PROJECT_DIR / "src" / "requirements.in"


@pytest.mark.usefixtures("no_system_mime_types")
def test_nothing_a_page_load_fetches_is_pruned(gateway: LocalGateway) -> None:
    """Every script the browser loads (plotly.js and the async chunks included) stays in the build."""
    suites = [url for url in load_page(gateway, BROWSER_ACCEPT_ENCODING) if "/_dash-component-suites/" in url]
    assert any(url.endswith("plotly.min.js") for url in suites)

    for url in suites:
        package, _, rel = url.split("/_dash-component-suites/", 1)[1].split("?")[0].partition("/")
        path, _ = check_fingerprint(rel)
        assert prune_category(PurePath(package, path)) is None, url


@pytest.mark.parametrize(
    ("path", "category"),
    [
        ("dash/dcc/dash_core_components.js.map", "source maps"),
        ("dash/dash-renderer/build/dash_renderer.dev.js", "development bundles"),
        ("dash/deps/react-dom@18.3.1.js", "development bundles"),
        ("share/jupyter/labextensions/jupyterlab-plotly/package.json", "Jupyter extensions and widget bundles"),
        ("dash-4.4.1.data/data/share/jupyter/nbextensions/dash/main.js", "Jupyter extensions and widget bundles"),
        ("plotly/labextension/static/0.03957c7088ad5ed0.js", "Jupyter extensions and widget bundles"),
        ("plotly/package_data/widgetbundle.js", "Jupyter extensions and widget bundles"),
        ("bin/flask", "console scripts"),
        ("certifi/tests/test_certify.py", "package tests"),
        ("serverless_dash/__pycache__/handler.cpython-311.pyc", "stale bytecode"),
    ],
)
def test_what_lambda_never_serves_is_pruned(path: str, category: str) -> None:
    assert prune_category(PurePath(path)) == category


@pytest.mark.parametrize(
    "path",
    [
        "dash/deps/react-dom@18.3.1.min.js",
        "dash/dash-renderer/build/dash_renderer.min.js",
        "dash/dcc/dash_core_components.js",
        "plotly/package_data/plotly.min.js",
        "dash/testing/plugin.py",
        "werkzeug/test.py",
        "dash-4.4.1.dist-info/METADATA",
        "serverless_dash/handler.py",
        "app.py",
        "pages/overview.py",
        "assets/favicon.ico",
        "gapminder.csv",
    ],
)
def test_what_the_function_uses_is_kept(path: str) -> None:
    assert prune_category(PurePath(path)) is None


def test_prune_deletes_matching_files_and_the_directories_left_empty(tmp_path: Path) -> None:
    for rel in ("dash/deps/react@18.3.1.js", "dash/deps/react@18.3.1.min.js", "bin/flask", "share/jupyter/a/b.json"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x" * 10)

    removed = prune(tmp_path)

    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == [
        "dash",
        "dash/deps",
        "dash/deps/react@18.3.1.min.js",
    ]
    assert removed == {
        "development bundles": (1, 10),
        "console scripts": (1, 10),
        "Jupyter extensions and widget bundles": (1, 10),
    }


@pytest.mark.parametrize(
    ("runtime", "zstd_backport"),
    [("python3.11", True), ("python3.13", True), ("python3.14", False)],
)
def test_requirement_markers_are_evaluated_for_the_lambda_runtime(runtime: str, zstd_backport: bool) -> None:
    """Whatever Python builds: backports-zstd only below 3.14, and never the PyPy or Windows extras
    (brotlicffi, colorama); every direct requirement is installed."""
    lines = requirements_for(REQUIREMENTS, Target(runtime, "arm64"))

    names = {line.split("==")[0] for line in lines}
    direct = {line.split("==")[0].split("[")[0] for line in requirements_for(REQUIREMENTS_IN, Target(runtime, "arm64"))}
    assert ("backports-zstd" in names) is zstd_backport
    assert {"dash", "apig-wsgi", "flask-compress", "brotli"} | direct <= names
    assert not names & {"brotlicffi", "colorama"}
    assert all(";" not in line for line in lines)


def test_pip_gets_wheels_for_the_runtime_os_and_architecture() -> None:
    al2 = Target("python3.11", "arm64").pip_platform_args()
    al2023 = Target("python3.13", "x86_64").pip_platform_args()

    assert "manylinux2014_aarch64" in al2
    assert not any("x86_64" in arg or "2_34" in arg for arg in al2)
    assert "manylinux_2_34_x86_64" in al2023
    assert al2[al2.index("--python-version") + 1] == "3.11"
    assert al2023[al2023.index("--python-version") + 1] == "3.13"


def test_target_comes_from_the_template(tmp_path: Path) -> None:
    resource = load_template(TEMPLATE)["Resources"]["DashFunction"]["Properties"]
    assert target_of(TEMPLATE, "DashFunction") == Target(resource["Runtime"], resource["Architectures"][0])

    template = tmp_path / "template.yaml"
    template.write_text(
        "Globals: {Function: {Runtime: python3.12}}\nResources: {Fn: {Properties: {Handler: h.f}}}\n", encoding="utf-8"
    )
    assert target_of(template, "Fn") == Target("python3.12", "x86_64")  # Lambda's default architecture
    template.write_text("Resources: {Fn: {Properties: {Runtime: nodejs22.x}}}\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"python3\.X"):
        target_of(template, "Fn")


def test_a_dependency_missing_from_requirements_is_named(tmp_path: Path) -> None:
    info = tmp_path / "widget-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: widget\nVersion: 1.0\n"
        "Requires-Dist: gizmo>=2\n"
        "Requires-Dist: oldlib; python_version < '3.0'\n"
        "Requires-Dist: extra-only; extra == 'x'\n",
        encoding="utf-8",
    )
    assert missing_dependencies(tmp_path, Target("python3.13", "arm64")) == ["widget needs gizmo>=2"]


def test_sam_build_runs_the_makefile_target_of_each_makefile_function(tmp_path: Path) -> None:
    resources = load_template(TEMPLATE)["Resources"]
    functions = [k for k, r in resources.items() if (r.get("Metadata") or {}).get("BuildMethod") == "makefile"]
    assert "DashFunction" in functions
    make = shutil.which("make")
    assert make, "make is needed: sam build runs it"

    for function in functions:
        dry_run = subprocess.run(
            [make, "--dry-run", "--makefile", str(PROJECT_DIR / "Makefile"), f"build-{function}"],
            cwd=tmp_path,  # sam build runs make in a scratch copy of src/
            env={**os.environ, "ARTIFACTS_DIR": str(tmp_path / "out")},
            capture_output=True,
            text=True,
            check=True,
        )
        assert f'-m tools.build_function {function} --source "{tmp_path}"' in dry_run.stdout


def test_the_code_holds_the_platform_and_the_app_template_yaml_names(tmp_path: Path) -> None:
    """What `sam build` copies from src/: the platform package (the Handler's module), the app
    (DASH_APP) with its pages and assets; and a build without them fails, naming what is missing."""
    modules = modules_named(TEMPLATE, "DashFunction")
    assert modules == {"Handler": "serverless_dash.handler", "DASH_APP": "app"}

    copy_code(PROJECT_DIR / "src", tmp_path / "artefact")
    check_code(tmp_path / "artefact", modules)
    for part in ("serverless_dash/__init__.py", "serverless_dash/loader.py", "app.py"):
        assert (tmp_path / "artefact" / part).exists(), part
    # Whatever else the app is made of (pages/, assets/, its data) goes along as it is.
    sources = {
        p.relative_to(PROJECT_DIR / "src")
        for p in (PROJECT_DIR / "src").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith("requirements")
    }
    assert sources <= {p.relative_to(tmp_path / "artefact") for p in (tmp_path / "artefact").rglob("*")}
    assert not list((tmp_path / "artefact").glob("requirements*"))

    (tmp_path / "artefact" / "app.py").unlink()
    with pytest.raises(SystemExit, match=r"DASH_APP app \(app\.py\)"):
        check_code(tmp_path / "artefact", modules)
