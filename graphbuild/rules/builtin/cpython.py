"""What building CPython takes on Debian: the packages, the ./configure flags, and the #prep
step that trims an installed prefix the way an expert would."""

from __future__ import annotations

from collections.abc import Iterable

# CPython's build dependencies on Debian and Ubuntu, and the libraries the result links to
# (bookworm/jammy names; trixie and noble renamed some, e.g. libssl3t64: set runtime_packages).
BUILD_PACKAGES = (
    "build-essential", "ca-certificates", "curl", "libbz2-dev", "libffi-dev", "libgdbm-dev",
    "liblzma-dev", "libncurses-dev", "libreadline-dev", "libsqlite3-dev", "libssl-dev",
    "uuid-dev", "xz-utils", "zlib1g-dev",
)  # fmt: skip
RUNTIME_PACKAGES = (
    "ca-certificates", "libbz2-1.0", "libffi8", "libgdbm6", "liblzma5", "libncursesw6",
    "libreadline8", "libsqlite3-0", "libssl3", "libuuid1", "zlib1g",
)  # fmt: skip
DEV_PACKAGES = ("build-essential", "pkg-config")


def configure_flags(ensurepip: bool, optimize: bool, own: Iterable[str]) -> list[str]:
    """./configure flags: ensurepip only when asked, PGO + LTO when asked, then the user's."""
    flags = [] if ensurepip else ["--without-ensurepip"]
    if optimize:
        flags += ["--enable-optimizations", "--with-lto"]
    return [*flags, *own]


def trim(prefix: str, version: str, ensurepip: bool) -> str:
    """The #prep step: strip, and remove what no program imports at run time."""
    stdlib, dynload = f"{prefix}/lib/python{version}", f"{prefix}/lib/python{version}/lib-dynload"
    removed = [f"{prefix}/share", f"{prefix}/include", f"{stdlib}/idlelib", f"{stdlib}/turtledemo"]
    removed += [f"{prefix}/bin/idle3*", f"{stdlib}/config-{version}*/python.o"]
    removed += [f"{dynload}/_test*", f"{dynload}/_ctypes_test*"]
    removed += [f"{dynload}/_xxtestfuzz*", f"{dynload}/xxlimited*"]
    if not ensurepip:
        removed += [f"{stdlib}/ensurepip", f"{prefix}/bin/pip*"]
        removed += [f"{stdlib}/site-packages/[!R]*"]  # all but its README.txt
    return (
        f"find {prefix} -name 'libpython*.a' -delete && rm -rf {' '.join(removed)}"
        f" && find {stdlib} -type d \\( -name test -o -name tests -o -name idle_test \\)"
        " -prune -exec rm -rf {} +"
        f" && if ! ls {dynload}/_tkinter.* >/dev/null 2>&1;"
        f" then rm -rf {stdlib}/tkinter {stdlib}/turtle.py; fi"
        f" && find {prefix} -name '*.opt-[12].pyc' -delete"
        f" && find {stdlib} -path '*/__pycache__/*.pyc' | while read -r pyc;"
        ' do name="${pyc##*/}"; [ -e "${pyc%/__pycache__/*}/${name%%.*}.py" ] || rm -f "$pyc"; done'
        f" && find {stdlib} -type d -name __pycache__ -empty -delete"
        f" && strip --strip-unneeded {prefix}/bin/python{version}"
        f" && find {prefix} -type f \\( -name '*.so' -o -name '*.so.[0-9]*' \\) ! -name '*.py'"
        " -exec strip --strip-unneeded {} +"
        f" && ln -sf python{version} {prefix}/bin/python"
    )
