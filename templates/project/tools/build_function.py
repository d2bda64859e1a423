"""`sam build` for the Lambda function: its dependencies for Lambda, minus what Lambda never serves.

template.yaml gives DashFunction `BuildMethod: makefile`, so `sam build` runs the Makefile's
`build-DashFunction` target in a copy of src/, which runs

    python -m tools.build_function DashFunction --source <copy of src/> --target $ARTIFACTS_DIR

1. pip installs src/requirements.txt for the function's runtime and architecture (read from
   template.yaml): Linux wheels for arm64 or x86_64 and that Python version, whatever the machine
   building. Environment markers are evaluated for Lambda, not for this machine, so every line is
   installed as written (--no-deps: requirements.txt pins the whole tree); a dependency missing from
   it fails the build with its name.
2. copies the code (src/: the platform package serverless_dash/, your app.py, pages/, assets/ and
   whatever else they import) next to it, and checks that the modules template.yaml names are there
   (the Handler, serverless_dash.handler, and the app, DASH_APP);
3. deletes what Lambda never serves or runs: source maps, development bundles, Jupyter extensions,
   console scripts, the packages' own tests, stale bytecode (PRUNE_RULES);
4. compiles every module to bytecode when this Python is the runtime's version. Lambda's code
   directory is read-only, so without it every cold start compiles Dash and Plotly again (seconds);
5. stores a brotli (quality 11) and a gzip (level 9) copy beside every script and stylesheet, which
   the function serves instead of compressing on each request (src/serverless_dash/precompressed.py).
   Brotli 11 is slow (about a minute for plotly.min.js), so each result is kept in a cache keyed
   by the file's contents (~/.cache/serverless-dash/precompressed): only a new file pays.
"""

from __future__ import annotations

import argparse
import compileall
import gzip
import hashlib
import os
import py_compile
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from importlib.metadata import distributions
from pathlib import Path, PurePath

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from tools.stack_config import TEMPLATE, load_template

# The newest glibc of each Lambda runtime's OS decides which manylinux wheels run there:
# python3.11 runs on Amazon Linux 2 (glibc 2.26), python3.12 and later on Amazon Linux 2023 (2.34).
AL2_RUNTIMES = {"python3.11"}
MANYLINUX = {
    "al2": ("manylinux2014", "manylinux_2_17"),
    "al2023": ("manylinux2014", "manylinux_2_17", "manylinux_2_28", "manylinux_2_34"),
}
MACHINE = {"arm64": "aarch64", "x86_64": "x86_64"}

# Files Lambda never serves or runs, by category, as tests of a path below the artefact root.
JUPYTER_DIRS = ("share/jupyter/", "etc/jupyter/", "dash/labextension/", "plotly/labextension/")
JUPYTER_FILES = ("plotly/package_data/widgetbundle.js",)  # FigureWidget, for notebooks only
# Dash serves the development builds only with debug=True (dev_tools_serve_dev_bundles).
DASH_DEPS = "dash/deps"


def _is_source_map(path: PurePath) -> bool:
    return path.name.endswith(".map")


def _is_dev_bundle(path: PurePath) -> bool:
    """dash_renderer.dev.js, and dash/deps/react@18.3.1.js beside react@18.3.1.min.js."""
    unminified_dep = path.parent.as_posix() == DASH_DEPS and path.suffix == ".js" and ".min." not in path.name
    return path.name.endswith(".dev.js") or unminified_dep


def _is_jupyter(path: PurePath) -> bool:
    posix = path.as_posix()
    # "/share/jupyter/": <dist>.data/data/share/jupyter, as other installers leave it
    return posix.startswith(JUPYTER_DIRS) or "/share/jupyter/" in posix or posix in JUPYTER_FILES


def _is_console_script(path: PurePath) -> bool:
    return path.parts[0] == "bin"


def _is_package_test(path: PurePath) -> bool:
    return any(part in ("tests", "test") for part in path.parts[1:-1])


def _is_stale_bytecode(path: PurePath) -> bool:
    return "__pycache__" in path.parts or path.suffix == ".pyc"


PRUNE_RULES: tuple[tuple[str, Callable[[PurePath], bool]], ...] = (
    ("source maps", _is_source_map),
    ("development bundles", _is_dev_bundle),
    ("Jupyter extensions and widget bundles", _is_jupyter),
    ("console scripts", _is_console_script),
    ("package tests", _is_package_test),
    ("stale bytecode", _is_stale_bytecode),
)


def prune_category(path: PurePath) -> str | None:
    """The category a file (relative to the artefact root) is pruned under, or None to keep it."""
    for category, matches in PRUNE_RULES:
        if matches(path):
            return category
    return None


@dataclass(frozen=True)
class Target:
    runtime: str  # "python3.13"
    architecture: str  # "arm64" or "x86_64"

    @property
    def python_version(self) -> str:
        return self.runtime.removeprefix("python")

    @property
    def machine(self) -> str:
        return MACHINE[self.architecture]

    def pip_platform_args(self) -> list[str]:
        tags = MANYLINUX["al2" if self.runtime in AL2_RUNTIMES else "al2023"]
        args = [arg for tag in tags for arg in ("--platform", f"{tag}_{self.machine}")]
        return [*args, "--implementation", "cp", "--python-version", self.python_version]

    def marker_environment(self) -> dict[str, str]:
        """PEP 508 marker values on Lambda (not on the machine building)."""
        return {
            **default_environment(),
            "implementation_name": "cpython",
            "implementation_version": f"{self.python_version}.0",
            "platform_python_implementation": "CPython",
            "python_version": self.python_version,
            "python_full_version": f"{self.python_version}.0",
            "platform_machine": self.machine,
            "platform_system": "Linux",
            "sys_platform": "linux",
            "os_name": "posix",
        }


def target_of(template: Path, function_id: str) -> Target:
    """Runtime and architecture of `function_id` in template.yaml (Globals as the fallback)."""
    document = load_template(template)
    defaults = (document.get("Globals") or {}).get("Function") or {}
    properties = {**defaults, **document["Resources"][function_id]["Properties"]}
    runtime = properties.get("Runtime")
    architecture = (properties.get("Architectures") or ["x86_64"])[0]
    if not isinstance(runtime, str) or not re.fullmatch(r"python3\.\d+", runtime):
        raise SystemExit(f"{function_id}: Runtime must be a python3.X runtime, found {runtime!r}")
    if architecture not in MACHINE:
        raise SystemExit(f"{function_id}: Architectures must be arm64 or x86_64, found {architecture!r}")
    return Target(runtime, architecture)


def requirements_for(requirements: Path, target: Target) -> list[str]:
    """The lines of requirements.txt that apply on Lambda, markers dropped; pip options kept."""
    environment = target.marker_environment()
    lines = []
    for raw in requirements.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):  # -c/-r other files, --index-url ...: pip reads them as they are
            lines.append(line)
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement as e:
            raise SystemExit(f"{requirements}: {e}") from e
        if requirement.marker is None or requirement.marker.evaluate(environment):
            requirement.marker = None
            lines.append(str(requirement))
    return lines


def pip_install(source: Path, target_dir: Path, target: Target) -> None:
    requirements = source / "requirements.txt"
    with tempfile.TemporaryDirectory() as tmp:
        resolved = Path(tmp) / "requirements.txt"
        resolved.write_text("\n".join(requirements_for(requirements, target)) + "\n", encoding="utf-8")
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        command += ["--no-compile", "--no-deps", "--only-binary=:all:", *target.pip_platform_args()]
        command += ["--target", str(target_dir), "-r", str(resolved)]
        subprocess.run(command, check=True, cwd=source)  # noqa: S603 - this Python's pip, our arguments
    missing = missing_dependencies(target_dir, target)
    if missing:
        raise SystemExit(
            f"{requirements} is incomplete for {target.runtime}/{target.architecture}: "
            + "; ".join(missing)
            + ". Regenerate it as its header says."
        )


def missing_dependencies(target_dir: Path, target: Target) -> list[str]:
    environment = {**target.marker_environment(), "extra": ""}
    installed = {canonicalize_name(d.metadata["Name"]) for d in distributions(path=[str(target_dir)])}
    missing = []
    for dist in distributions(path=[str(target_dir)]):
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is not None and not requirement.marker.evaluate(environment):
                continue
            if canonicalize_name(requirement.name) not in installed:
                missing.append(f"{dist.metadata['Name']} needs {requirement}")
    return missing


def copy_code(source: Path, target_dir: Path) -> None:
    """src/ as it is, without the requirements files (installed above) and local caches."""
    ignore = shutil.ignore_patterns("requirements*.txt", "requirements*.in", "__pycache__", "*.pyc", ".*")
    shutil.copytree(source, target_dir, ignore=ignore, dirs_exist_ok=True)


def modules_named(template: Path, function_id: str) -> dict[str, str]:
    """What template.yaml tells Lambda to import: the Handler's module and the app's (DASH_APP),
    as role -> dotted module name."""
    properties = load_template(template)["Resources"][function_id]["Properties"]
    variables = (properties.get("Environment") or {}).get("Variables") or {}
    app = variables.get("DASH_APP")
    return {
        "Handler": str(properties["Handler"]).rpartition(".")[0],
        "DASH_APP": (app if isinstance(app, str) and app else "app:app").partition(":")[0],
    }


def check_code(target_dir: Path, modules: dict[str, str]) -> None:
    """Each module Lambda will import is in the artefact (a module or a package)."""
    missing = []
    for role, module in modules.items():
        base = target_dir.joinpath(*module.split("."))
        if not (base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()):
            missing.append(f"{role} {module} ({base.relative_to(target_dir)}.py)")
    if missing:
        raise SystemExit(f"the function's code has no {', '.join(missing)}: template.yaml names it")


def prune(target_dir: Path) -> dict[str, tuple[int, int]]:
    """Deletes every file a PRUNE_RULES category matches; (files, bytes) removed per category."""
    removed: dict[str, tuple[int, int]] = {}
    for path in sorted(p for p in target_dir.rglob("*") if p.is_file() or p.is_symlink()):
        category = prune_category(path.relative_to(target_dir))
        if category is None:
            continue
        files, size = removed.get(category, (0, 0))
        removed[category] = (files + 1, size + path.lstat().st_size)
        path.unlink()
    for directory in sorted((p for p in target_dir.rglob("*") if p.is_dir()), reverse=True):
        if not any(directory.iterdir()):
            directory.rmdir()
    return removed


def compile_bytecode(target_dir: Path, target: Target) -> bool:
    """Bytecode for the runtime's Python, if this is that Python. Marked "unchecked-hash": valid
    whatever file times the zip keeps (the files never change on Lambda)."""
    if f"{sys.version_info[0]}.{sys.version_info[1]}" != target.python_version:
        return False
    mode = py_compile.PycInvalidationMode.UNCHECKED_HASH
    if not compileall.compile_dir(target_dir, quiet=2, invalidation_mode=mode, workers=os.cpu_count() or 1):
        raise SystemExit("compiling the function's code to bytecode failed")
    return True


# What the function serves compressed (src/serverless_dash/precompressed.py), from this size up (below it
# compression gains nothing; flask-compress skips under 500 bytes too).
PRECOMPRESS_SUFFIXES = (".js", ".css", ".mjs", ".json", ".svg")
PRECOMPRESS_MIN_BYTES = 1000
BROTLI_QUALITY = 11
GZIP_LEVEL = 9
ENCODED_SUFFIXES = (".br", ".gz")


def precompress_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "serverless-dash" / "precompressed"


def _encode(job: tuple[Path, str, str]) -> str:
    """Writes the cached `encoding` of the file `path` (its sha256 is `digest`); returns the digest."""
    path, digest, encoding = job
    import brotli  # a dependency of flask-compress, in the dev environment too

    cache = precompress_cache_dir() / f"{digest}{encoding}"
    if not cache.is_file():
        data = path.read_bytes()
        if encoding == ".br":
            encoded = brotli.compress(data, quality=BROTLI_QUALITY, lgwin=24)
        else:
            encoded = gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        partial.write_bytes(encoded)
        partial.replace(cache)  # atomic: parallel builds never read half a file
    return digest


def precompress(target_dir: Path) -> tuple[int, int, int]:
    """A .br and a .gz beside every servable text file; (files, bytes before, brotli bytes)."""
    sources = [
        p
        for p in sorted(target_dir.rglob("*"))
        if p.suffix in PRECOMPRESS_SUFFIXES
        and p.is_file()
        and p.stat().st_size >= PRECOMPRESS_MIN_BYTES
        and not _is_console_script(p.relative_to(target_dir))
    ]
    digests = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sources}
    jobs = [(p, digests[p], e) for p in sources for e in ENCODED_SUFFIXES]
    missing = [j for j in jobs if not (precompress_cache_dir() / f"{j[1]}{j[2]}").is_file()]
    if missing:
        how = f"brotli {BROTLI_QUALITY}, gzip {GZIP_LEVEL}; cached for the next builds"
        print(f"compressing {len(missing)} files once ({how})")
        # Largest first, so the long brotli runs start early and the pool ends together.
        missing.sort(key=lambda j: j[0].stat().st_size, reverse=True)
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            list(pool.map(_encode, missing))
    brotli_bytes = 0
    for path, digest, encoding in jobs:
        encoded = path.with_name(path.name + encoding)
        shutil.copyfile(precompress_cache_dir() / f"{digest}{encoding}", encoded)
        if encoding == ".br":
            brotli_bytes += encoded.stat().st_size
    return len(sources), sum(p.stat().st_size for p in sources), brotli_bytes


def install(
    source: Path,
    target_dir: Path,
    target: Target,
    *,
    prune_and_compile: bool = True,
    modules: dict[str, str] | None = None,
) -> None:
    """Everything the function needs in `target_dir`; without pruning and bytecode when told so
    (the benchmark's "before"). `modules`: what Lambda imports (modules_named), checked to be there."""
    pip_install(source, target_dir, target)
    copy_code(source, target_dir)
    if modules:
        check_code(target_dir, modules)
    if not prune_and_compile:
        return
    for category, (files, size) in prune(target_dir).items():
        print(f"pruned {category}: {files} files, {size / 1e6:.1f} MB")
    if compile_bytecode(target_dir, target):
        print(f"compiled bytecode for {target.runtime}")
    else:
        print(
            f"no bytecode: this Python is {sys.version_info[0]}.{sys.version_info[1]}, the runtime "
            f"{target.runtime}; build with that Python for faster cold starts"
        )
    files, before, brotli_bytes = precompress(target_dir)
    print(f"stored brotli and gzip copies of {files} files: {before / 1e6:.1f} MB -> {brotli_bytes / 1e6:.1f} MB (br)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.build_function", description=__doc__.splitlines()[0])
    parser.add_argument("function_id", help="the function's logical id in template.yaml")
    parser.add_argument("--source", type=Path, required=True, help="the function's code (a copy of src/)")
    parser.add_argument("--target", type=Path, required=True, help="the artefact directory ($ARTIFACTS_DIR)")
    parser.add_argument("--template", type=Path, default=TEMPLATE)
    args = parser.parse_args(argv)
    target = target_of(args.template, args.function_id)
    args.target.mkdir(parents=True, exist_ok=True)
    modules = modules_named(args.template, args.function_id)
    install(args.source.resolve(), args.target.resolve(), target, modules=modules)


if __name__ == "__main__":
    main()
