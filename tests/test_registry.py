"""plan --registry against a real distribution registry on loopback (Debian's docker-registry),
and the bearer-token flow against a small stand-in token server."""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from typing import ClassVar

import pytest

from graphbuild.plan.deploy_digests import PushedImage, render_digests
from graphbuild.plan.format_kinds import DigestsFormat
from graphbuild.plan.image_registry import Pushed, pushed, tag_exists
from tests.support import run

REGISTRY = shutil.which("docker-registry") or "/usr/bin/docker-registry"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def registry(tmp_path: Path):
    """A distribution registry serving on 127.0.0.1:<free port>, storage in tmp_path."""
    if not Path(REGISTRY).exists():
        pytest.skip("docker-registry is not installed (CI installs Debian's package)")
    port = free_port()
    config = tmp_path / "registry.yml"
    config.write_text(
        f"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
        f"    rootdirectory: {tmp_path / 'data'}\nhttp:\n  addr: 127.0.0.1:{port}\n"
    )
    process = subprocess.Popen(
        [REGISTRY, "serve", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    host = f"127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://{host}/v2/", timeout=1)
            break
        except OSError:
            time.sleep(0.05)
    yield host
    process.terminate()
    process.wait(timeout=10)


def push_tag(host: str, repository: str, tag: str) -> None:
    """Push a minimal image manifest under a tag, through the registry HTTP API."""
    config = b"{}"
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": len(config),
            "digest": put_blob(host, repository, config),
        },
        "layers": [],
    }
    put_manifest(host, repository, tag, manifest)


def test_plan_counts_pushed_hashes_as_unchanged(example: Path, registry: str, json_snapshot):
    root = example / "BUILD.toml"
    root.write_text(
        root.read_text().replace(
            'registry = "registry.example.com/acme"', f'registry = "{registry}/acme"'
        )
    )
    run("lock", cwd=example)
    for source in ("images/api/src/api/__init__.py", "images/worker/src/worker/__main__.py"):
        with open(example / source, "a") as handle:
            handle.write("# edit\n")
    plan = json.loads(run("plan", "--format", "json", cwd=example).out)
    api = next(t for t in plan["targets"] if t["label"] == "//images/api:api")
    assert api["status"] == "rebuild"
    push_tag(registry, "acme/api", api["hash"].removeprefix("sha256:")[:12])
    result = run("plan", "--registry", "--format", "json", cwd=example)
    assert result.code == 0, result.err
    assert result.out == json_snapshot  # the registry's address is in no hash
    images = {t["label"]: t for t in json.loads(result.out)["targets"] if t["kind"] == "image"}
    assert images["//images/api:api"]["status"] == "unchanged"
    assert images["//images/api:api"]["in_registry"] is True
    assert images["//images/worker:worker@3.11"]["status"] == "rebuild"
    assert images["//images/api:api-dev"]["status"] == "rebuild"  # its own tag is not pushed
    assert "(in registry)" in run("plan", "--registry", cwd=example).out
    assert run("emit", "--registry", cwd=example).code == 0
    group = json.loads((example / "build/docker-bake.rebuild.json").read_text())["group"]["rebuild"]
    assert group["targets"] == ["api-dev", "worker-3-11", "worker-3-13"]


def test_unreachable_registry_is_one_line(example: Path):
    root = example / "BUILD.toml"
    port = free_port()  # nothing listens there
    root.write_text(
        root.read_text().replace(
            'registry = "registry.example.com/acme"', f'registry = "127.0.0.1:{port}/acme"'
        )
    )
    run("lock", cwd=example)
    with open(example / "images/api/src/api/__init__.py", "a") as handle:
        handle.write("# edit\n")
    result = run("plan", "--registry", cwd=example)
    assert result.code == 2
    assert (
        result.err.startswith(f"graphbuild: error: registry 127.0.0.1:{port}: ")
        and result.err.count("\n") == 1
    )


class TokenRegistry(http.server.BaseHTTPRequestHandler):
    """A registry that wants a bearer token, and its token service."""

    seen: ClassVar[list[tuple[str, str | None]]] = []

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        TokenRegistry.seen.append((self.path, self.headers.get("Authorization")))
        body = json.dumps({"token": "t0ken"}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self) -> None:
        TokenRegistry.seen.append((self.path, self.headers.get("Authorization")))
        if self.headers.get("Authorization") == "Bearer t0ken":
            self.send_response(200 if self.path.endswith("/abc") else 404)
        else:
            port = self.server.server_address[1]
            self.send_response(401)
            self.send_header(
                "WWW-Authenticate",
                f'Bearer realm="http://127.0.0.1:{port}/token",service="reg",scope="repository:acme/api:pull"',
            )
        self.end_headers()


def test_bearer_token_flow_with_docker_config_credentials(tmp_path: Path, monkeypatch):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), TokenRegistry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host = f"127.0.0.1:{server.server_address[1]}"
    auth = base64.b64encode(b"ci:secret").decode()
    (tmp_path / "config.json").write_text(json.dumps({"auths": {host: {"auth": auth}}}))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    try:
        assert tag_exists(f"{host}/acme", "api", "abc") is True
        assert tag_exists(f"{host}/acme", "api", "missing") is False
    finally:
        server.shutdown()
    token_requests = [
        (path, header) for path, header in TokenRegistry.seen if path.startswith("/token")
    ]
    assert token_requests[0][0] == "/token?service=reg&scope=repository%3Aacme%2Fapi%3Apull"
    assert token_requests[0][1] == f"Basic {auth}"


def put_blob(host: str, repository: str, data: bytes) -> str:
    """Upload a blob; its digest."""
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    start = urllib.request.urlopen(
        urllib.request.Request(f"http://{host}/v2/{repository}/blobs/uploads/", method="POST")
    )
    location = start.headers["Location"]
    url = location if location.startswith("http") else f"http://{host}{location}"
    url += ("&" if "?" in url else "?") + f"digest={digest}"
    headers = {"Content-Type": "application/octet-stream"}
    urllib.request.urlopen(urllib.request.Request(url, data=data, method="PUT", headers=headers))
    return digest


def put_manifest(host: str, repository: str, reference: str, manifest: dict) -> str:
    """Upload a manifest or index under a tag or digest; its digest."""
    body = json.dumps(manifest).encode()
    urllib.request.urlopen(urllib.request.Request(
        f"http://{host}/v2/{repository}/manifests/{reference}", data=body, method="PUT",
        headers={"Content-Type": manifest["mediaType"]},
    ))  # fmt: skip
    return "sha256:" + hashlib.sha256(body).hexdigest()


def image_manifest(host: str, repository: str, config: dict) -> dict:
    """An OCI image manifest with `config` uploaded and no layers."""
    data = json.dumps(config).encode()
    return {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "size": len(data),
            "digest": put_blob(host, repository, data),
        },
        "layers": [],
    }


def test_pushed_reads_an_index_and_a_single_manifest(registry: str):
    arm = image_manifest(
        registry, "acme/api", {"os": "linux", "architecture": "arm64", "variant": "v8"}
    )
    amd = image_manifest(registry, "acme/api", {"os": "linux", "architecture": "amd64"})
    proof = image_manifest(registry, "acme/api", {"provenance": True})
    entries = []
    for manifest, platform in ((amd, {"os": "linux", "architecture": "amd64"}),
                               (arm, {"os": "linux", "architecture": "arm64", "variant": "v8"}),
                               (proof, {"os": "unknown", "architecture": "unknown"})):  # fmt: skip
        digest = put_manifest(registry, "acme/api", "sha256:" + hashlib.sha256(
            json.dumps(manifest).encode()).hexdigest(), manifest)  # fmt: skip
        entries.append({"mediaType": manifest["mediaType"], "digest": digest,
                        "size": len(json.dumps(manifest)), "platform": platform})  # fmt: skip
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
             "manifests": entries}  # fmt: skip
    index_digest = put_manifest(registry, "acme/api", "abc", index)
    found = pushed(f"{registry}/acme", "api", "abc")
    assert found == Pushed(index_digest, (("linux/amd64", entries[0]["digest"]),
                                          ("linux/arm64/v8", entries[1]["digest"])))  # fmt: skip
    single = put_manifest(registry, "acme/worker", "def", image_manifest(
        registry, "acme/worker", {"os": "linux", "architecture": "amd64"}))  # fmt: skip
    assert pushed(f"{registry}/acme", "worker", "def") == Pushed(single, (("linux/amd64", single),))
    assert pushed(f"{registry}/acme", "worker", "missing") is None


def test_digests_formats(text_snapshot):
    images = [
        PushedImage("worker", "//images/worker:worker", "reg.example/acme/worker", "0123456789ab",
                    Pushed("sha256:" + "b" * 64, (("linux/amd64", "sha256:" + "c" * 64),))),
        PushedImage("api", "//images/api:api", "reg.example/acme/api", "ba9876543210",
                    Pushed("sha256:" + "a" * 64, (("linux/amd64", "sha256:" + "d" * 64),
                                                  ("linux/arm64", "sha256:" + "e" * 64)))),
    ]  # fmt: skip
    text = "".join(f"== {kind}\n{render_digests(images, kind)}" for kind in DigestsFormat)
    assert text == text_snapshot


def test_digests_need_push_and_a_registry(example: Path):
    result = run("build", "--digests", "d.json", "--docker", "/bin/true", cwd=example)
    assert (result.code, result.err) == (
        2, "graphbuild: error: --digests FILE records what --push pushed: give --push too\n"
    )  # fmt: skip
    assert not (example / "d.json").exists()
