"""Ask a registry (Docker Registry HTTP API v2) whether an image's hash tag is pushed already,
and which manifest digests it points at.

Anonymous, or with the credentials `docker login` stored in the standard docker config
(`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`, the `auths.HOST.auth` entry), and
through a bearer-token challenge when the registry answers 401 with one. Loopback registries
are spoken to over plain HTTP, as the docker CLI does; every other one over HTTPS.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import attrs

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
MAX_BODY = 4 << 20  # a manifest or image config: kilobytes


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


def request(url: str, method: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """The HTTP status and body of one request (errors with a status are answers, not
    failures); a body is read up to MAX_BODY bytes."""
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, method=method, headers=headers), timeout=TIMEOUT
        ) as response:
            return response.status, response.read(MAX_BODY) if method == "GET" else b""
    except urllib.error.HTTPError as err:
        if err.code == 401:
            raise Challenge(err.headers.get("WWW-Authenticate", "")) from None
        return err.code, b""
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


def ask(registry: str, image: str, path: str, method: str) -> tuple[int, bytes]:
    """One request for `/v2/{repository}/{path}` of `{registry}/{image}`, authenticated as
    the docker CLI would be."""
    host, repository = split_reference(registry, image)
    scheme = "http" if LOOPBACK.match(host) else "https"
    url = f"{scheme}://{host}/v2/{repository}/{path}"
    headers = {"Accept": MANIFEST_TYPES}
    credentials = docker_credentials(host)
    if credentials:
        headers["Authorization"] = f"Basic {credentials}"
    try:
        return request(url, method, headers)
    except Challenge as challenge:
        headers["Authorization"] = f"Bearer {bearer_token(str(challenge), credentials)}"
        try:
            return request(url, method, headers)
        except Challenge:
            raise RegistryError(
                f"registry {host} refused the credentials for {repository}"
            ) from None


def tag_exists(registry: str, image: str, tag: str) -> bool:
    """True when `{registry}/{image}:{tag}` has a manifest in the registry."""
    status, _ = ask(registry, image, f"manifests/{tag}", "HEAD")
    if status == 200:
        return True
    if status == 404:
        return False
    host, repository = split_reference(registry, image)
    raise RegistryError(f"registry {host} answered {status} for {repository}:{tag}")


@attrs.frozen
class Pushed:
    """What a tag points at in the registry: the digest of its manifest (or index), and the
    manifest of each platform (`linux/arm64/v8` -> digest); attestations left out."""

    digest: str
    platforms: tuple[tuple[str, str], ...]


def pushed(registry: str, image: str, tag: str) -> Pushed | None:
    """The digests `{registry}/{image}:{tag}` points at; None when the tag is not there."""
    status, body = ask(registry, image, f"manifests/{tag}", "GET")
    host, repository = split_reference(registry, image)
    if status == 404:
        return None
    if status != 200:
        raise RegistryError(f"registry {host} answered {status} for {repository}:{tag}")
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    try:
        manifest = json.loads(body)
    except ValueError:
        raise RegistryError(f"registry {host}: {repository}:{tag} is not a manifest") from None
    if "manifests" in manifest:  # an index: one manifest per platform, and attestations
        found = []
        for entry in manifest["manifests"]:
            platform = entry.get("platform") or {}
            if platform.get("os", "unknown") == "unknown":  # an attestation manifest
                continue
            found.append((platform_name(platform), entry["digest"]))
        return Pushed(digest, tuple(sorted(found)))
    config_digest = manifest.get("config", {}).get("digest", "")
    status, config_body = ask(registry, image, f"blobs/{config_digest}", "GET")
    if status != 200:
        raise RegistryError(f"registry {host} answered {status} for {repository}'s config")
    return Pushed(digest, ((platform_name(json.loads(config_body)), digest),))


def platform_name(platform: dict[str, str]) -> str:
    """`os/architecture[/variant]` of an OCI platform (or image config)."""
    parts = [platform.get("os", ""), platform.get("architecture", "")]
    return "/".join([*parts, platform["variant"]] if platform.get("variant") else parts)
