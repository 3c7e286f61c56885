"""Ask a registry (Docker Registry HTTP API v2) whether an image's hash tag is pushed already.

Anonymous, or with the credentials `docker login` stored in the standard docker config
(`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`, the `auths.HOST.auth` entry), and
through a bearer-token challenge when the registry answers 401 with one. Loopback registries
are spoken to over plain HTTP, as the docker CLI does; every other one over HTTPS.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from graphbuild.core.errors import RegistryError

MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)
LOOPBACK = re.compile(r"^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$")
CHALLENGE_RE = re.compile(r'(\w+)="([^"]*)"')
TIMEOUT = 15


def split_reference(registry: str, image: str) -> tuple[str, str]:
    """(host, repository) of `{registry}/{image}`: the host is the registry's first part."""
    host, _, path = registry.strip("/").partition("/")
    return host, f"{path}/{image}" if path else image


def docker_credentials(host: str) -> str | None:
    """The `user:password` base64 that `docker login` stored for host, if any."""
    folder = os.environ.get("DOCKER_CONFIG") or str(Path.home() / ".docker")
    try:
        config = json.loads(Path(folder, "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    entry = config.get("auths", {}).get(host) or config.get("auths", {}).get(f"https://{host}")
    return entry.get("auth") if isinstance(entry, dict) else None


def request(url: str, method: str, headers: dict[str, str]) -> int:
    """The HTTP status of one request (errors with a status are answers, not failures)."""
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, method=method, headers=headers), timeout=TIMEOUT
        ) as response:
            return response.status
    except urllib.error.HTTPError as err:
        if err.code == 401:
            raise Challenge(err.headers.get("WWW-Authenticate", "")) from None
        return err.code
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise RegistryError(f"registry {urllib.parse.urlsplit(url).netloc}: {reason}") from None


class Challenge(Exception):
    """A 401 answer carrying the registry's WWW-Authenticate header."""


def bearer_token(challenge: str, credentials: str | None) -> str:
    """A token from the realm a Bearer challenge names (sending our credentials, if any)."""
    fields = dict(CHALLENGE_RE.findall(challenge))
    realm = fields.pop("realm", None)
    if not challenge.lower().startswith("bearer") or not realm:
        raise RegistryError(
            f"registry asks for authentication this client does not speak: {challenge}"
        )
    url = f"{realm}?{urllib.parse.urlencode(fields)}"
    headers = {"Authorization": f"Basic {credentials}"} if credentials else {}
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, headers=headers), timeout=TIMEOUT
        ) as r:
            answer = json.loads(r.read())
    except (urllib.error.URLError, OSError, ValueError) as err:
        raise RegistryError(f"registry token service {realm}: {err}") from None
    token = answer.get("token") or answer.get("access_token")
    if not token:
        raise RegistryError(f"registry token service {realm} gave no token")
    return token


def tag_exists(registry: str, image: str, tag: str) -> bool:
    """True when `{registry}/{image}:{tag}` has a manifest in the registry."""
    host, repository = split_reference(registry, image)
    scheme = "http" if LOOPBACK.match(host) else "https"
    url = f"{scheme}://{host}/v2/{repository}/manifests/{tag}"
    headers = {"Accept": MANIFEST_TYPES}
    credentials = docker_credentials(host)
    if credentials:
        headers["Authorization"] = f"Basic {credentials}"
    try:
        status = request(url, "HEAD", headers)
    except Challenge as challenge:
        headers["Authorization"] = f"Bearer {bearer_token(str(challenge), credentials)}"
        try:
            status = request(url, "HEAD", headers)
        except Challenge:
            raise RegistryError(
                f"registry {host} refused the credentials for {repository}"
            ) from None
    if status == 200:
        return True
    if status == 404:
        return False
    raise RegistryError(f"registry {host} answered {status} for {repository}:{tag}")
