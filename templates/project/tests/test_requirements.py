"""src/requirements.txt (what `sam build` installs) pins what src/requirements.in asks for.

Add a dependency to requirements.in and forget `make lock`, and these fail, saying so.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from tools.stack_config import PROJECT_DIR

REQUIREMENTS_IN = PROJECT_DIR / "src" / "requirements.in"
REQUIREMENTS_TXT = PROJECT_DIR / "src" / "requirements.txt"
FIX = "src/requirements.txt is out of step with src/requirements.in: run `make lock` (then `make install`)"


def read_requirements(path: Path) -> list[Requirement]:
    """The requirements of a pip requirements file: comments, blank lines and options left out."""
    found = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        try:
            found.append(Requirement(line))
        except InvalidRequirement as error:
            raise AssertionError(f"{path.name}:{number}: {error}") from None
    return found


def pinned_versions() -> dict[str, list[str]]:
    """Package name -> the versions requirements.txt pins (several when markers split them)."""
    pins: dict[str, list[str]] = {}
    for requirement in read_requirements(REQUIREMENTS_TXT):
        exact = [s.version for s in requirement.specifier if s.operator == "=="]
        assert len(exact) == 1 and len(requirement.specifier) == 1, f"{requirement} is not pinned with ==. {FIX}"
        pins.setdefault(canonicalize_name(requirement.name), []).append(exact[0])
    return pins


def test_every_direct_requirement_is_pinned_as_asked() -> None:
    pins = pinned_versions()
    problems = []
    for wanted in read_requirements(REQUIREMENTS_IN):
        versions = pins.get(canonicalize_name(wanted.name))
        if not versions:
            problems.append(f"{wanted} is not in requirements.txt")
            continue
        problems += [f"{wanted.name}=={v} does not satisfy {wanted}" for v in versions if v not in wanted.specifier]
    assert not problems, "\n".join([*problems, FIX])


def test_what_the_installed_requirements_need_is_pinned() -> None:
    """Walks the dependencies (extras included) of every requirement, from the metadata of the
    installed packages whose version is the one pinned: each must be pinned too."""
    pins = pinned_versions()
    todo = [(r, frozenset(r.extras)) for r in read_requirements(REQUIREMENTS_IN)]
    seen: set[tuple[str, frozenset[str]]] = set()
    walked, problems = 0, []
    while todo:
        requirement, extras = todo.pop()
        name = canonicalize_name(requirement.name)
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
        if installed not in pins.get(name, []):
            continue  # another version installed: its metadata says nothing about the pinned one
        walked += 1
        for line in metadata.requires(name) or []:
            dependency = Requirement(line)
            if dependency.marker and not any(dependency.marker.evaluate({"extra": e}) for e in extras or {""}):
                continue
            if canonicalize_name(dependency.name) not in pins:
                problems.append(f"{dependency.name} (needed by {requirement.name}) is not in requirements.txt")
            key = (canonicalize_name(dependency.name), frozenset(dependency.extras))
            if key not in seen:
                seen.add(key)
                todo.append((dependency, key[1]))
    assert not problems, "\n".join([*problems, FIX])
    assert walked or not REQUIREMENTS_IN.read_text().strip(), "no pinned requirement is installed: run `make install`"


def test_the_lock_command_is_make_lock() -> None:
    header = REQUIREMENTS_TXT.read_text(encoding="utf-8").splitlines()[:3]
    assert any(line.strip("# ") == "make lock" for line in header), (
        f"requirements.txt was not written by make lock. {FIX}"
    )
