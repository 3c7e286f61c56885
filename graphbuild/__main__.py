"""`python -m graphbuild`."""

from graphbuild.cli import console

console()
