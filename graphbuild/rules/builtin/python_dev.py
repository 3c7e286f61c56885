"""`python_dev`: an app's runtime plus debugging tools, for running it locally under a debugger.

Built FROM the stage the app's `#dependencies` is built on (the interpreter and the app's
user): the tools go on as root, then the app's `#dependencies` steps are repeated (its runtime
packages, the venv, the environment, its uid), then the app's own files are copied as the app
copies them (its member's install, its src). So it is the app's runtime with tools, and an edit
of the app's source, lock or libraries re-runs only the layers after the tools, never their
install. In another package than its app (whose src paths are that package's), it is built
FROM the app image itself.
"""

from __future__ import annotations

import attrs

from graphbuild.core.facts import AppLayers, Facts, Service
from graphbuild.core.labels import parse_label
from graphbuild.core.model import Expansion, Target
from graphbuild.definition.fields import ValueType, option
from graphbuild.rules.api import Context, Rule
from graphbuild.rules.builder import StageBuilder
from graphbuild.rules.builtin.common import apt_install, check_packages
from graphbuild.rules.builtin.uv_builder import MEMBER_PREFIX


@attrs.frozen
class PythonDev:
    """The keys of a python_dev target."""

    app: str = option(
        ValueType.STR, "The python_app image to add tools to.", required=True,
        label_of=("python_app",),
    )  # fmt: skip
    tools: tuple[str, ...] = option(
        ValueType.STR_LIST, "Debian packages of debugging tools.",
        default=["curl", "less", "procps", "strace"],
    )  # fmt: skip
    uid: int = option(
        ValueType.INT, "The uid it runs as, switched to after the tools (the app's, as a rule).",
        default=10001,
    )  # fmt: skip


def expand_python_dev(target: Target, config: PythonDev, context: Context) -> Expansion:
    """One stage: root for the install, the tools, the app's runtime steps, its uid, the app's
    own files. Its app's files are where they are in the app: it runs (and syncs) as the app
    does."""
    tools = check_packages(target, "tools", config.tools)
    facts = context.facts_of(parse_label(config.app, target.label.package))
    layers = facts.app
    if layers is None or (layers.src and layers.package != target.label.package):
        # its src is another package's build context paths: FROM the app image itself
        layers = AppLayers(dependencies=config.app)
    spec = StageBuilder(target, None, layers.runtime_base or layers.dependencies)
    apt_install(spec.instruction("tools", "USER", "root"), "tools", tools, facts.apt_caches)
    if layers.runtime_base is not None:
        spec.steps += layers.runtime  # no context paths: the same steps in any package
    if layers.uid != config.uid:
        spec.instruction("uid", "USER", f"{config.uid}:{config.uid}")
    if layers.member is not None and layers.venv is not None:
        spec.copy_from("app", layers.member, MEMBER_PREFIX + "/", layers.venv + "/")
    if layers.src:
        spec.inputs += list(layers.src)
        spec.copy("app", layers.src, layers.src_destination)
    stage = spec.build(context.settings)
    service = Facts(service=attrs.evolve(facts.service or Service(), dev=True))
    return Expansion(target=target, stages=(stage,), output=stage.label, facts=service)


RULE = Rule(
    name="python_dev",
    doc="An app's runtime plus debugging tools, for running it locally under a debugger.",
    config=PythonDev,
    expand=expand_python_dev,
    image_default=True,
)
