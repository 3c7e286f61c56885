"""`python_dev`: an app's runtime plus debugging tools, for running it locally under a debugger.

Built FROM the app image itself, so it is the runtime, unchanged, with tools on top; the user
is switched back to the app's uid afterwards.
"""

from __future__ import annotations

from graphbuild.core.model import Expansion, Settings, Target
from graphbuild.definition.fields import Key
from graphbuild.rules.api import Rule
from graphbuild.rules.builtin.common import StageSpec, apt_install, check_label, check_packages

SCHEMA = {
    "app": Key("str", required=True),
    "tools": Key("list[str]", default=["curl", "less", "procps", "strace"]),
    "uid": Key("int", default=10001),
}


def expand_python_dev(target: Target, settings: Settings) -> Expansion:
    """One stage: the app image, root for the install, the tools, the app's uid again."""
    config = target.config
    app = check_label(target, "app", config["app"])
    tools = check_packages(target, "tools", config["tools"])
    spec = StageSpec(None, app).add("tools", "USER root", apt_install(tools))
    spec.add("uid", f"USER {config['uid']}:{config['uid']}")
    stage = spec.build(target, settings)
    return Expansion(target=target, stages=(stage,), output=stage.label)


RULE = Rule(name="python_dev", schema=SCHEMA, expand=expand_python_dev, image_default=True)
