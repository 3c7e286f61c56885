"""A stand-in for the docker CLI without buildx, for driving `graphbuild build` in fast tests."""

from __future__ import annotations

import stat
from pathlib import Path

FAKE_DOCKER = """#!/bin/sh
# A stand-in for the docker CLI: no buildx; `image inspect` finds the tags listed in the tags
# file beside it (fails without one); `build` prints BuildKit-style progress and writes an
# image id to --iidfile. The context (`--context NAME` or $DOCKER_CONTEXT) of each build is
# noted in the contexts file beside it, and each push in the pushes file; the context
# named {down} answers as a daemon that is not there.
context=${DOCKER_CONTEXT:-default}
if [ "$1" = --context ]; then context=$2; shift 2; fi
if [ "$1 $2 $3" = "buildx imagetools create" ] && [ {buildx} = yes ]; then
  shift 3; echo "$context $*" >> "$(dirname "$0")/merges"; exit 0
fi
if [ "$1 $2" = "buildx version" ] && [ {buildx} = yes ]; then echo "buildx v0.13.1"; exit 0; fi
if [ "$1" = buildx ]; then exit 1; fi
if [ "$1" = pull ]; then echo "$context $*" >> "$(dirname "$0")/pulls"; exit 0; fi
if [ "$1" = push ]; then echo "$context $2" >> "$(dirname "$0")/pushes"; exit 0; fi
if [ "$1" = image ] && [ "$2" = inspect ]; then  # the image store: the tags file beside
  tags="$(dirname "$0")/tags"; [ -f "$tags" ] || exit 2; shift 4; rc=0
  for tag in "$@"; do
    if grep -qxF "$tag" "$tags"; then echo "[\\"$tag\\"]"
    else echo "Error response from daemon: No such image: $tag" >&2; rc=1; fi
  done
  exit $rc
fi
target=""
iidfile=""
platform=""
while [ $# -gt 0 ]; do
  [ "$1" = --target ] && target=$2
  [ "$1" = --iidfile ] && iidfile=$2
  [ "$1" = --platform ] && platform=$2
  shift
done
echo "$context $target $platform" >> "$(dirname "$0")/contexts"
if [ "$context" = "{down}" ]; then
  echo "ERROR: Cannot connect to the Docker daemon at unix:///run/{down}.sock."
  exit 1
fi
echo "#1 [internal] load build definition from Dockerfile"
echo "#1 DONE 0.0s"
echo "#2 [$target 1/2] RUN true"
echo "#2 CACHED"
case "$target" in *{fail}*)
  echo "#3 [$target 2/2] RUN false"; echo "#3 ERROR: exit code: 1"; exit 1;;
esac
sleep {delay}
echo "#3 [$target 2/2] COPY x /x"
echo "#3 DONE 0.1s"
printf 'sha256:%064d' 7 > "$iidfile"
"""


def fake_docker(
    tmp_path: Path,
    fail: str = "no-such-stage",
    delay: float = 0,
    down: str = "no-such-context",
    buildx: bool = False,
) -> str:
    """The stand-in, written to tmp_path: builds of a target matching `fail` fail; each build
    takes `delay` seconds; the context `down` is unreachable; with `buildx`, `buildx version`
    answers and `imagetools create` is noted in the merges file."""
    path = tmp_path / "docker"
    text = FAKE_DOCKER.replace("{fail}", fail).replace("{delay}", str(delay))
    path.write_text(text.replace("{down}", down).replace("{buildx}", "yes" if buildx else "no"))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


PLATFORM_DOCKER = """#!/bin/sh
# A stand-in for the docker CLI that knows one thing: every image is held here for linux/amd64,
# and the registry's manifest list of any image is the file beside it, if there is one.
case "$1 $2" in
  "image inspect") echo linux/amd64 ;;
  "buildx imagetools") cat "$(dirname "$0")/index.json" 2>/dev/null || exit 1 ;;
  *) exit 1 ;;
esac
"""
BOTH_PLATFORMS = (
    '{"mediaType": "application/vnd.oci.image.index.v1+json", "manifests": ['
    '{"digest": "sha256:a", "platform": {"os": "linux", "architecture": "amd64"}},'
    '{"digest": "sha256:b", "platform": {"os": "linux", "architecture": "arm64"}}]}'
)


def platform_docker(tmp_path: Path, index: str | None = None) -> str:
    """The platform stand-in, written to tmp_path; `index`: the manifest list it answers."""
    path = tmp_path / "platform-docker"
    path.write_text(PLATFORM_DOCKER)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    if index is not None:
        (tmp_path / "index.json").write_text(index)
    return str(path)
