"""Which locked packages an image builds from source: those uv.lock has no wheel of for the
image's CPython and Linux machine (glibc of the Debian release its base has), known before any
build runs, with the Debian packages such a build usually needs."""

from __future__ import annotations

from functools import cache

from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from graphbuild.core.uv import LockedPackage

GLIBC_MINOR = 36  # bookworm's glibc 2.36: the oldest base graphbuild writes (trixie has 2.41)
# What building a well-known sdist needs in the builder (-dev packages) and the runtime (its
# shared libraries); a hint, not a rule: the package's own docs have the last word.
SYSTEM_PACKAGES = {
    "psycopg2": ("libpq-dev", "libpq5"),
    "mysqlclient": ("default-libmysqlclient-dev pkg-config", "libmariadb3"),
    "lxml": ("libxml2-dev libxslt1-dev", "libxml2 libxslt1.1"),
    "pillow": ("libjpeg-dev zlib1g-dev", "libjpeg62-turbo zlib1g"),
    "cffi": ("libffi-dev", "libffi8"),
    "pycairo": ("libcairo2-dev pkg-config", "libcairo2"),
    "python-ldap": ("libldap2-dev libsasl2-dev", "libldap-2.5-0"),
    "pyodbc": ("unixodbc-dev", "libodbc2"),
    "gssapi": ("libkrb5-dev", "libgssapi-krb5-2"),
}

TOOLCHAIN_BACKENDS = {  # build backend -> (the Debian package that brings it, what it is)
    "maturin": ("cargo", "the Rust toolchain"),
    "scikit_build_core": ("cmake", "CMake and a C++ compiler"),
    "mesonpy": ("meson", "Meson and a compiler"),
}


def toolchain_of(backend: str | None) -> tuple[str, str] | None:
    """(the Debian package, what it is) a build backend needs beyond a C compiler, or None."""
    return TOOLCHAIN_BACKENDS.get((backend or "").split(".", 1)[0])


@cache
def supported_tags(python: str, machine: str) -> frozenset[Tag]:
    """The wheel tags pip would accept for CPython `python` (X.Y) on Linux `machine`."""
    major, minor = (int(p) for p in python.split(".")[:2])
    platforms = [f"manylinux_2_{n}_{machine}" for n in range(GLIBC_MINOR, 4, -1)]
    platforms += [f"manylinux{legacy}_{machine}" for legacy in ("2014", "2010", "1")]
    platforms.append(f"linux_{machine}")
    version = (major, minor)
    tags = set(cpython_tags(version, platforms=platforms))
    tags |= set(compatible_tags(version, interpreter=f"cp{major}{minor}", platforms=platforms))
    return frozenset(tags)


def has_wheel(package: LockedPackage, python: str, machine: str) -> bool:
    """Whether one of the package's locked wheels installs on CPython `python` on `machine`."""
    accepted = supported_tags(python, machine)
    for name in package.wheels:
        try:
            tags = parse_wheel_filename(name)[3]
        except InvalidWheelFilename:
            continue
        if tags & accepted:
            return True
    return False


def builds_from_source(
    packages: list[LockedPackage], python: str, machines: list[str]
) -> tuple[str, ...]:
    """`name version` of each package that has an sdist but no wheel for some machine."""
    return tuple(
        f"{p.name} {p.version}"
        for p in packages
        if p.sdist and not all(has_wheel(p, python, m) for m in machines)
    )


def system_packages_hint(names: tuple[str, ...]) -> str:
    """What the builder and runtime likely need for the packages that build from source."""
    hints = []
    for entry in names:
        name = entry.split()[0]
        if name in SYSTEM_PACKAGES:
            build, run = SYSTEM_PACKAGES[name]
            hints.append(f"{name}: build_packages {build}, runtime_packages {run}")
    return "; ".join(hints)


def system_packages(names: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The Debian packages the builder and the runtime likely need for `names` (`name
    version` of packages that build from source), sorted; empty for ones not known."""
    build: set[str] = set()
    run: set[str] = set()
    for entry in names:
        needs = SYSTEM_PACKAGES.get(entry.split()[0])
        if needs is not None:
            build.update(needs[0].split())
            run.update(needs[1].split())
    return sorted(build), sorted(run)
