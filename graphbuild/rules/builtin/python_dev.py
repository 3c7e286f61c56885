"""`python_dev`: an app's runtime plus debugging tools, for running it locally under a debugger.

Built FROM the app image itself, so it is the runtime, unchanged, with tools on top; the user
is switched back to the app's uid afterwards.
"""

from __future__ import annotations

import attrs

from graphbuild.core.facts import Facts, Service
from graphbuild.core.labels import parse_label
from graphbuild.core.model import Expansion, Target
from graphbuild.definition.fields import ValueType, option
from graphbuild.rules.api import Context, Rule
from graphbuild.rules.builder import StageBuilder
from graphbuild.rules.builtin.common import apt_install, check_packages


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
    uid: int = option(ValueType.INT, "The app's uid, switched back to after.", default=10001)


def expand_python_dev(target: Target, config: PythonDev, context: Context) -> Expansion:
    """One stage: the app image, root for the install, the tools, the app's uid again. Its
    app's files are where they are in the app: it runs (and syncs) as the app does."""
    tools = check_packages(target, "tools", config.tools)
    spec = StageBuilder(target, None, config.app).instruction("tools", "USER", "root")
    apt_install(spec, "tools", tools)
    spec.instruction("uid", "USER", f"{config.uid}:{config.uid}")
    stage = spec.build(context.settings)
    app = context.facts_of(parse_label(config.app, target.label.package)).service or Service()
    facts = Facts(service=attrs.evolve(app, dev=True))
    return Expansion(target=target, stages=(stage,), output=stage.label, facts=facts)


RULE = Rule(
    name="python_dev",
    doc="An app's runtime plus debugging tools, for running it locally under a debugger.",
    config=PythonDev,
    expand=expand_python_dev,
    image_default=True,
)
