"""The lock keeps up with pyproject.toml, and the tests run on the versions it deploys.

requirements.txt pins the runtime dependencies (what the Procfile deploy installs) and ends
with `.`, quotebot itself; requirements-test.txt includes it and pins the test tools.
scripts/lock writes both from pyproject.toml.
"""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name

REPO = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
RUNTIME = [Requirement(text) for text in PROJECT["dependencies"]]
TEST_TOOLS = [Requirement(text) for text in PROJECT["optional-dependencies"]["test"]]


@dataclass
class LockFile:
    """One requirements file: its pins by name, its `-r` includes, its other lines."""

    pins: dict[NormalizedName, Requirement]
    includes: list[str]
    others: list[str]


def read_lock(filename: str) -> LockFile:
    lock = LockFile({}, [], [])
    for raw in (REPO / filename).read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-r "):
            lock.includes.append(line.removeprefix("-r ").strip())
        elif line[0].isalnum():
            requirement = Requirement(line)
            name = canonicalize_name(requirement.name)
            assert name not in lock.pins, f"{filename} pins {requirement.name} twice"
            lock.pins[name] = requirement
        else:
            lock.others.append(line)
    return lock


RUNTIME_LOCK = read_lock("requirements.txt")
TEST_LOCK = read_lock("requirements-test.txt")


def pinned_version(requirement: Requirement) -> str:
    """The version of a `name==version` line (and nothing else: no range, no wildcard)."""
    specifiers = list(requirement.specifier)
    assert len(specifiers) == 1, f"{requirement} is not pinned to one version"
    (specifier,) = specifiers
    assert specifier.operator == "==", f"{requirement} is not pinned with =="
    assert "*" not in specifier.version, f"{requirement} pins a wildcard"
    return specifier.version


def not_satisfied(
    requirements: Iterable[Requirement], pins: dict[NormalizedName, Requirement]
) -> list[str]:
    """The requirements the pins leave out, or pin at a version outside their specifier."""
    problems = []
    for requirement in requirements:
        pin = pins.get(canonicalize_name(requirement.name))
        if pin is None:
            problems.append(f"{requirement}: not pinned")
        elif not requirement.specifier.contains(pinned_version(pin), prereleases=True):
            problems.append(f"{requirement}: pinned at {pinned_version(pin)}")
    return problems


def installed_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def closure(roots: Iterable[Requirement]) -> dict[NormalizedName, list[Requirement]]:
    """Every package the roots need, with what requires it: the installed packages' own
    requirements, followed through extras, with markers as on this platform."""
    needed: dict[NormalizedName, list[Requirement]] = {}
    followed: set[tuple[NormalizedName, str]] = set()
    todo = list(roots)
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        needed.setdefault(name, []).append(requirement)
        if installed_version(name) is None:
            continue  # reported as not installed by the test of the venv's versions
        for extra in ["", *requirement.extras]:
            if (name, extra) in followed:
                continue
            followed.add((name, extra))
            for text in metadata.requires(name) or []:
                dependency = Requirement(text)
                if dependency.marker is None or dependency.marker.evaluate({"extra": extra}):
                    todo.append(dependency)
    return needed


def test_each_file_pins_every_package_with_double_equals() -> None:
    for lock in (RUNTIME_LOCK, TEST_LOCK):
        for requirement in lock.pins.values():
            pinned_version(requirement)
            assert not requirement.marker, f"{requirement}: the lock is for one platform"


def test_requirements_txt_ends_by_installing_quotebot_itself() -> None:
    lines = [
        line.strip()
        for line in (REPO / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert lines[-1] == ".", "requirements.txt must end with `.` (the Procfile runs quotebot)"
    assert RUNTIME_LOCK.others == ["."], RUNTIME_LOCK.others
    assert RUNTIME_LOCK.includes == [], RUNTIME_LOCK.includes


def test_requirements_test_txt_includes_the_runtime_lock_and_repins_none_of_it() -> None:
    assert TEST_LOCK.includes == ["requirements.txt"], TEST_LOCK.includes
    assert TEST_LOCK.others == [], TEST_LOCK.others
    both = sorted(RUNTIME_LOCK.pins.keys() & TEST_LOCK.pins.keys())
    assert both == [], f"pinned in both files: {both}"


def test_every_runtime_dependency_is_pinned_in_requirements_txt_within_its_range() -> None:
    assert not_satisfied(RUNTIME, RUNTIME_LOCK.pins) == []


def test_every_test_tool_is_pinned_in_requirements_test_txt_within_its_range() -> None:
    assert not_satisfied(TEST_TOOLS, TEST_LOCK.pins) == []


def test_the_venv_has_exactly_the_pinned_versions() -> None:
    wrong = {
        str(pin): installed_version(name) or "not installed"
        for name, pin in (RUNTIME_LOCK.pins | TEST_LOCK.pins).items()
        if installed_version(name) != pinned_version(pin)
    }
    assert wrong == {}, "installed versions differ from the lock (run ./scripts/test)"


def test_every_package_the_runtime_needs_is_pinned_in_requirements_txt_and_no_other() -> None:
    needed = closure(RUNTIME)
    requirements = [requirement for group in needed.values() for requirement in group]
    assert not_satisfied(requirements, RUNTIME_LOCK.pins) == []
    unneeded = sorted(RUNTIME_LOCK.pins.keys() - needed.keys())
    assert unneeded == [], f"requirements.txt pins what nothing needs: {unneeded}"


def test_every_package_the_test_tools_need_is_pinned_and_no_other() -> None:
    needed = closure(TEST_TOOLS)
    requirements = [requirement for group in needed.values() for requirement in group]
    assert not_satisfied(requirements, RUNTIME_LOCK.pins | TEST_LOCK.pins) == []
    unneeded = sorted(TEST_LOCK.pins.keys() - needed.keys())
    assert unneeded == [], f"requirements-test.txt pins what nothing needs: {unneeded}"


def test_python_version_file_names_the_python_running_the_tests() -> None:
    pinned = (REPO / ".python-version").read_text(encoding="utf-8").strip()
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert pinned == running, f".python-version says {pinned}; the tests run on {running}"
    requires = SpecifierSet(PROJECT["requires-python"])
    assert requires.contains(f"{pinned}.0"), f"{pinned} is not {requires}"
