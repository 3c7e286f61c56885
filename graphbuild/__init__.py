"""graphbuild: a declarative build graph with content hashes for the images of a Python monorepo."""

__version__ = "0.1.0"
