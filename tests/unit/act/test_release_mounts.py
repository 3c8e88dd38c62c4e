"""release_mounts when Docker cannot be asked: a failed result (the rung backs off), not a crash.
The soak (tests/soak) found it: with dockerd SIGKILLed mid-climb, every release_mounts run was an
action.crashed entry."""
import contextlib
from types import SimpleNamespace

from guardian.act import mounts
from guardian.act.base import FAILED
from guardian.host.docker_api import DockerCallError


@contextlib.contextmanager
def unreachable(ctx, section):
    yield Unreachable()


class Unreachable:
    def read(self, *args, **kwargs):
        raise DockerCallError("docker: cannot reach unix:///var/run/docker.sock: Connection refused")


def test_docker_unreachable_is_a_failed_result_naming_dockers_error(settings, monkeypatch):
    monkeypatch.setattr(mounts, "docker_for", unreachable)
    ctx = SimpleNamespace(settings=settings("ladder:\n  release_mounts:\n    enabled: true\n"))
    result = mounts.release_mounts(None, ctx)
    assert (result.rung, result.outcome) == ("release_mounts", FAILED)
    assert result.summary == ("could not list the containers: docker: cannot reach unix:///var/run/docker.sock: "
                              "Connection refused")
