"""`graphbuild emit`: write the Dockerfile, the bake file, the lock and the files asked for."""

from __future__ import annotations

import argparse
import sys

from graphbuild.cli.commands import Invocation, Needs
from graphbuild.cli.common import EXIT_OK

NAME = "emit"
HELP = "write the Dockerfile, the bake file and the lock"
NEEDS = Needs.ANALYSIS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Its arguments."""
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; print a diff and exit 1 when the files on disk differ",
    )
    parser.add_argument(
        "--registry",
        action="store_true",
        help="leave images whose hash tag is pushed already out of the rebuild group",
    )
    parser.add_argument(
        "--since",
        metavar="REF",
        help="baseline of the rebuild group: the lock at REF (default: the lock on disk)",
    )


def run(args: argparse.Namespace, at: Invocation) -> int:
    """Run it: what the last emit wrote is kept while nothing it read has moved and its files
    are on disk as written (decided before the renderers are even imported)."""
    assert at.root is not None and at.store is not None
    if at.git is None or args.check or args.registry or args.since:
        from graphbuild.cli.emit_command import run_emit

        return run_emit(args, at.root, at.store, at.git)

    from graphbuild.cli.common import hidden_outputs_warning
    from graphbuild.core.slice_files import stale_slices
    from graphbuild.plan.reuse import EMIT_OUTPUT, begin_reusable, note_fate, recall_emit

    reusable = begin_reusable(at.root, at.store, at.git, EMIT_OUTPUT, NAME)
    begun, key, kept = reusable.begun, reusable.key, recall_emit(reusable, at.root)
    slices = begun.root_file.settings.lock_slices
    if kept is not None and stale_slices(at.root, slices, kept.files):
        kept = None
    note_fate(at.store, EMIT_OUTPUT, reusable.last, reused=kept is not None)
    if kept is not None:
        sys.stdout.write(kept.stdout)
        sys.stderr.write(hidden_outputs_warning(at.root, kept.committed))
        return EXIT_OK

    begun.read_ahead()  # while the renderers import
    from graphbuild.cli.emit_command import emit_begun

    return emit_begun(args, begun, key)
