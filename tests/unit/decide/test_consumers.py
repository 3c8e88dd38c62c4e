"""Who uses the pool, for the metrics: the top N containers and image layers by what they alone
map, every kind summed, from thin_ls output captured in the test bed and Docker's files."""
import pytest

from guardian.decide.consumers import usage, why_not_read
from guardian.tools.top import owners, parse_thin_ls, rows
from tests.unit.tools.test_docker_state import docker_tree
from tests.unit.tools.test_top import KIB64, captured


def bed_rows(tmp_path):
    return rows(parse_thin_ls(captured("thin_ls-0.9.0-format-blocks.txt")), owners(docker_tree(tmp_path)), KIB64)


def test_a_container_is_counted_with_its_init_layer_and_the_biggest_comes_first(tmp_path):
    found = usage(bed_rows(tmp_path), 10)
    assert [(c.kind, c.name, c.exclusive_bytes // KIB64) for c in found.top] == [
        ("container", "c1", 355 + 34), ("container", "c2", 118 + 36), ("image layer", "busybox:bed layer 1/1", 40)]
    assert found.top[0].mapped_bytes == (1386 + 1066) * KIB64
    assert found.devices == 6


def test_only_n_of_each_kind_are_named_and_every_device_is_in_its_kind_sum(tmp_path):
    found = usage(bed_rows(tmp_path), 1)
    assert [(c.kind, c.name) for c in found.top] == [("container", "c1"), ("image layer", "busybox:bed layer 1/1")]
    assert dict(found.by_kind) == {"container": (355 + 34 + 118 + 36) * KIB64, "image layer": 40 * KIB64,
                                   "base": 38 * KIB64, "deleted": 0, "unknown": 0}


def test_a_device_docker_does_not_name_is_summed_never_named(tmp_path):
    from guardian.tools.top import ThinUsage
    found = usage(rows([ThinUsage(9, 10, 10, 0), ThinUsage(10, 4, 4, 0)], {}, KIB64), 10)
    assert found.top == () and dict(found.by_kind)["unknown"] == 14 * KIB64


@pytest.mark.parametrize("mode, level, count, why", [
    ("enforce", "ok", 10, None),
    ("enforce", "warning", 10, None),
    ("observe", "ok", 10, "the daemon in observe mode"),
    ("dry-run", "ok", 10, "the daemon in dry-run mode"),
    ("enforce", "ok", 0, "metrics.top_consumers is 0"),
    ("enforce", "high", 10, "the pool is high: the ladder comes first"),
    ("enforce", "critical", 10, "the pool is critical"),
    ("enforce", None, 10, "no pool is watched"),
])
def test_usage_is_read_in_enforce_mode_below_the_high_marks_only(mode, level, count, why):
    said = why_not_read(mode, level, count)
    assert why_not_read(mode, level, count, metrics_enabled=False) == "metrics.enabled is false"
    assert said is None if why is None else said.startswith(why)
