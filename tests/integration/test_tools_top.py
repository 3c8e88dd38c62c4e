"""top on a real Docker devicemapper pool: containers ordered by what they wrote; the snapshot released."""
import json

import pytest

from tests.integration.tools_helpers import IMAGE, docker_bed, run

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def bed():
    with docker_bed() as bed:
        yield bed


def test_top_orders_containers_by_what_they_wrote(bed):
    for name, mib in (("small", 5), ("big", 40), ("middle", 15)):
        bed.docker("run", "--name", name, "--network", "none", IMAGE,
                   "dd", "if=/dev/urandom", "of=/data", "bs=1M", "count={}".format(mib))
    result = bed.guardian("top", "--json", "-n", "0")
    assert result.returncode == 0, result.stderr
    assert "thin_ls reads all of" in result.stderr
    rows = json.loads(result.stdout)
    containers = [r for r in rows if r["kind"] == "container"]
    assert [r["name"] for r in containers] == ["big", "middle", "small"]
    assert containers[0]["exclusive_bytes"] >= 40 * MIB
    assert any(r["kind"] == "image layer" and r["name"].startswith(IMAGE) for r in rows)
    assert bed.held_metadata_root() == "-"

    text = bed.guardian("top", "-n", "2")
    assert text.returncode == 0 and len(text.stdout.splitlines()) == 3 and " big" in text.stdout.splitlines()[1]


def test_top_releases_a_stale_metadata_snapshot_first_and_its_own_after(bed):
    run("dmsetup", "message", bed.pool, "0", "reserve_metadata_snap")
    assert bed.held_metadata_root() != "-"
    result = bed.guardian("top")
    assert result.returncode == 0, result.stderr
    assert "releasing a metadata snapshot left held" in result.stderr
    assert bed.held_metadata_root() == "-"


def test_the_daemons_usage_read_names_the_biggest_containers_and_releases_its_snapshot(bed):
    """What the daemon exports (daemon/usage.py), on this direct-lvm pool: the top N containers of
    the first test by name; in observe mode nothing is read (no snapshot is a change there)."""
    from guardian.daemon.usage import UsageReader
    from tests.integration.actions_helpers import context
    config = "pool:\n  name: {}\nmetrics:\n  top_consumers: 2\n".format(bed.pool)
    ctx, observer = context("mode: enforce\n" + config)
    snapshot = observer.snapshot(refresh_docker=True)
    usage, seconds = UsageReader(ctx.settings, ctx.host, ctx.log).read(snapshot)
    assert [c.name for c in usage.top if c.kind == "container"] == ["big", "middle"]
    assert usage.top[0].exclusive_bytes >= 40 * MIB and seconds > 0
    assert dict(usage.by_kind)["container"] >= (40 + 15 + 5) * MIB and usage.devices >= 7
    assert bed.held_metadata_root() == "-"
    ctx, _ = context("mode: observe\n" + config)
    assert UsageReader(ctx.settings, ctx.host, ctx.log).read(snapshot) is None
