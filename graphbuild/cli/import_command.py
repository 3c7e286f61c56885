"""`graphbuild import DOCKERFILE`: the package's BUILD.toml from a Dockerfile, all or nothing."""

from __future__ import annotations

import argparse
from pathlib import Path

from graphbuild.analysis.load import load_workspace
from graphbuild.analysis.run import analyze
from graphbuild.cli.common import EXIT_OK
from graphbuild.core.errors import GraphbuildError, UnmatchedInput, WriteError
from graphbuild.core.model import Workspace
from graphbuild.core.reading import read_optional
from graphbuild.core.writes import write_checked
from graphbuild.importer.convert import Imported, import_dockerfile
from graphbuild.importer.root import edit_root
from graphbuild.importer.source import dockerignore_patterns
from graphbuild.importer.stages import RootFacts, safe_name


def read_text(path: Path, shown: str) -> str:
    """A file's text, or a one-line error naming it."""
    text = read_optional(path, shown)
    if text is None:
        raise GraphbuildError(f"cannot read {shown}: No such file or directory")
    return text


def ignore_file(dockerfile: Path, context: Path) -> Path | None:
    """The ignore file Docker would read: `<Dockerfile>.dockerignore` beside the Dockerfile,
    else the context's `.dockerignore`."""
    for candidate in (
        dockerfile.with_name(dockerfile.name + ".dockerignore"),
        context / ".dockerignore",
    ):
        if candidate.is_file():
            return candidate
    return None


def run_import(args: argparse.Namespace, root: Path) -> int:
    """Write the package's BUILD.toml and the root's additions, then load the workspace; on
    any error both files are put back as they were, and the error names the Dockerfile's line."""
    here = Path(args.directory)  # `-C DIR`: paths are relative to it, as git's and make's
    source = (here / args.dockerfile).resolve()
    shown = source.relative_to(root).as_posix() if source.is_relative_to(root) else str(source)
    text = read_text(source, args.dockerfile)
    folder = (here / args.package).resolve() if args.package else source.parent
    if not folder.is_relative_to(root):
        raise GraphbuildError(f"{folder} is outside the workspace {root}")
    package = folder.relative_to(root).as_posix().strip(".")
    build = folder / "BUILD.toml"
    root_build = root / "BUILD.toml"
    root_text = read_text(root_build, "BUILD.toml")
    workspace = load_workspace(root)
    at_root = not package  # a Dockerfile at the workspace root: the root BUILD.toml gains it
    if (build.exists() and not at_root) or (at_root and workspace_has_targets(workspace)):
        raise GraphbuildError(
            f"{package or '.'}/BUILD.toml has targets already: import into a new package"
        )
    settings = workspace.settings
    facts = RootFacts(
        externals={n: e.written or e.image for n, e in workspace.externals.items()},
        args=dict(settings.args),
        floor=settings.dockerfile_syntax,
        check=settings.dockerfile_check,
    )
    ignore = ignore_file(source, folder)
    exclude = dockerignore_patterns(read_text(ignore, str(ignore))) if ignore else []
    name = args.name or safe_name(folder.name)
    has_git = (folder / ".git").exists()
    result = import_dockerfile(text, shown, package, name, facts, exclude, has_git)
    new_root = edit_root(root_text, result, settings.default is not None, "BUILD.toml")
    if at_root:
        new_root += "\n" + result.build_toml
    files = {} if at_root else {f"{package}/BUILD.toml": result.build_toml}
    files["BUILD.toml"] = new_root
    try:  # a dry run checks the files as the import would, then puts every file back
        write_checked(root, files, lambda: analyze(root, use_cache=False), keep=not args.dry_run)
    except WriteError:
        raise
    except GraphbuildError as err:
        raise at_dockerfile(
            err, f"{package}/BUILD.toml" if package else "BUILD.toml", result, shown
        ) from None
    if args.dry_run:
        print_dry_run(package, result, root_text, new_root)
        return EXIT_OK
    print(summary(package, result, settings.default is None, root_text != new_root))
    return EXIT_OK


def workspace_has_targets(workspace: Workspace) -> bool:
    """True when the root BUILD.toml declares targets of its own."""
    return any(p.path == "" and p.targets for p in workspace.packages)


def at_dockerfile(
    err: GraphbuildError, written: str, result: Imported, shown: str
) -> GraphbuildError:
    """An error about the BUILD.toml just written, moved to the Dockerfile line it came from
    (the key's instruction, else its stage's FROM)."""
    if err.file != written:
        return err
    line = result.origins.get(f"{err.label} {err.key}")
    if line is None:
        stage = f"{err.label} {(err.key or 'stage[0]').split('.')[0]}.from"
        line = result.origins.get(stage)
    message = err.message
    if isinstance(err, UnmatchedInput):
        context = written.rpartition("/")[0] or "."
        message += (
            f" (the build context is {context}/, the Dockerfile's folder; import with "
            "--package DIR if Docker's context was another folder)"
        )
    return type(err)(message, file=shown, line=line)


def summary(package: str, result: Imported, set_default: bool, root_changed: bool) -> str:
    """What the import wrote, in a few lines."""
    lines = [f"wrote {package or '.'}/BUILD.toml: images {', '.join(result.images)}"]
    if result.externals:
        lines.append(f"new externals: {', '.join(f'@{n}' for n in sorted(result.externals))}")
    if result.args:
        lines.append(
            "new workspace args: " + ", ".join(f"{k}={v}" for k, v in sorted(result.args.items()))
        )
    if result.floor:
        lines.append(f"raised [workspace] dockerfile_syntax to {result.floor}")
    if result.check:
        lines.append(f"[workspace] dockerfile_check = {result.check} (its # check= line)")
    if set_default:
        lines.append(f"[workspace] default = {result.default} (the Dockerfile's last stage)")
    if not root_changed:
        lines.append("BUILD.toml (root) unchanged")
    return "\n".join(lines)


def print_dry_run(package: str, result: Imported, before: str, after: str) -> None:
    """The BUILD.toml and the root's changes that an import would write."""
    import difflib

    if package:
        print(f"# {package}/BUILD.toml (would be written)")
        print(result.build_toml, end="")
    added = ", ".join(f"@{n} = {i}" for n, i in sorted(result.externals.items())) or "none"
    print(f"\n# externals it would add: {added}")
    diff = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        "a/BUILD.toml",
        "b/BUILD.toml",
    )
    text = "".join(diff)
    print("# the root BUILD.toml's change" if text else "# the root BUILD.toml: unchanged")
    print(text, end="")
