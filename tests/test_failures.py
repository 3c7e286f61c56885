"""Failures that stay local: a push the registry failed with a 5xx is tried again, and an
image bake failed is retried in a further round when the registry caused it, while the images
built on a broken one are skipped (the rounds logic on stand-in bake runs)."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from graphbuild.build.docker import PUSH_SCRIPT
from graphbuild.build.rounds import build_in_rounds
from graphbuild.build.runner import JobStatus, Outcome
from graphbuild.core.labels import Label

FLAKY_PUSH = """#!/bin/sh
# `push`: answers as the registry did, from the next line of {answers} ("ok" or an error).
n=$(($(cat {count} 2>/dev/null || echo 0) + 1)); echo $n > {count}
answer=$(sed -n "${n}p" {answers})
[ "$answer" = ok ] && { echo "pushed $2"; exit 0; }
echo "$answer" >&2; exit 1
"""


@pytest.mark.parametrize(
    ("answers", "code", "pushes"),
    [
        (["received unexpected HTTP status: 500 Internal Server Error", "ok"], 0, 2),
        (["unauthorized: authentication required", "ok"], 1, 1),  # not the registry's fault
        (["503 Service Unavailable"] * 3 + ["ok"], 1, 3),  # two more tries, then it gives up
    ],
)
def test_a_push_is_retried_when_the_registry_answers_5xx(
    tmp_path: Path, answers: list[str], code: int, pushes: int, monkeypatch: pytest.MonkeyPatch
):
    (tmp_path / "answers").write_text("\n".join(answers) + "\n")
    docker = tmp_path / "docker"
    docker.write_text(FLAKY_PUSH.replace("{answers}", str(tmp_path / "answers"))
                      .replace("{count}", str(tmp_path / "count")))  # fmt: skip
    docker.chmod(0o755)
    script = PUSH_SCRIPT.replace('sleep "$pause"', "sleep 0")  # the pause, not its length
    done = subprocess.run(["sh", "-c", script, str(docker), "reg/acme/api:abc"],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == code, done.stdout + done.stderr
    assert int((tmp_path / "count").read_text()) == pushes
    if code == 0:
        assert "the registry answered 5xx; again in 2s" in done.stdout
        assert done.stdout.endswith("pushed reg/acme/api:abc\n")


A, B, C = Label("", "a"), Label("", "b"), Label("", "c")
FIVE_HUNDRED = ("ERROR: failed to push: 500 Internal Server Error",)


def test_a_registry_failure_is_retried_after_a_pause_and_builds_then():
    rounds: list[list[str]] = []
    pauses: list[float] = []

    def bake(labels: Sequence[Label]) -> list[tuple[Label, Outcome]]:
        rounds.append([lb.name for lb in labels])
        first = len(rounds) == 1
        return [
            (lb, Outcome(lb.name, JobStatus.FAILED, tail=FIVE_HUNDRED) if first and lb == A
             else Outcome(lb.name, JobStatus.CANCELLED if first else JobStatus.OK))
            for lb in labels
        ]  # fmt: skip

    results = build_in_rounds([A, B, C], {C: (A,)}, bake, False, lambda _: None, pauses.append)
    assert {lb.name: o.status for lb, o in results.items()} == {
        "a": JobStatus.OK, "b": JobStatus.OK, "c": JobStatus.OK,
    }  # fmt: skip
    assert rounds == [["a", "b", "c"], ["a", "b", "c"]]  # c waited for a's retry, not skipped
    assert pauses == [2.0]


def test_a_registry_that_keeps_failing_is_given_up_after_two_retries():
    rounds: list[list[str]] = []

    def bake(labels: Sequence[Label]) -> list[tuple[Label, Outcome]]:
        rounds.append([lb.name for lb in labels])
        return [(lb, Outcome(lb.name, JobStatus.FAILED, tail=FIVE_HUNDRED)) for lb in labels]

    pauses: list[float] = []
    results = build_in_rounds([A], {}, bake, False, lambda _: None, pauses.append)
    assert results[A].status is JobStatus.FAILED
    assert rounds == [["a"], ["a"], ["a"]] and pauses == [2.0, 8.0]


def test_fail_fast_stops_after_the_first_failing_round():
    def bake(labels: Sequence[Label]) -> list[tuple[Label, Outcome]]:
        return [(A, Outcome("a", JobStatus.FAILED)), (B, Outcome("b", JobStatus.CANCELLED))]

    results = build_in_rounds([A, B], {}, bake, True, lambda _: None, lambda _: None)
    assert [results[A].status, results[B].status] == [JobStatus.FAILED, JobStatus.CANCELLED]
