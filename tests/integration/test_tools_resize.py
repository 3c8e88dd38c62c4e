"""resize on a real Docker devicemapper pool: refused while dockerd runs, grows while it is stopped."""
import json
import os

import pytest

from tests.integration.tools_helpers import IMAGE, docker_bed


MIB = 1024 * 1024


@pytest.fixture(scope="module", params=["xfs", "ext4"])
def bed(request):
    """Docker's two filesystems: xfs (CentOS 7's default) grows with xfs_growfs, ext4 with resize2fs."""
    with docker_bed(fs=request.param) as bed:
        bed.fs = request.param
        yield bed


def df_total_kib(output):
    """The size column of `df -k /` inside the container."""
    return int(output.strip().splitlines()[-1].split()[-5])


def test_resize_grows_a_stopped_container_and_docker_mounts_it_bigger(bed):
    before = df_total_kib(bed.docker("run", "--name", "grow", "--network", "none", IMAGE, "df", "-k", "/").stdout)
    metadata = bed.metadata_file("grow")
    refused = bed.guardian("resize", "grow", "512M")
    assert refused.returncode == 1 and refused.stderr.startswith("pool-guardian: dockerd is running (pid ")

    bed.stop_dockerd()
    try:
        shrink = bed.guardian("resize", "grow", "100M")
        assert shrink.returncode == 1 and "never shrinks" in shrink.stderr
        grown = bed.guardian("resize", "grow", "512M")
        assert grown.returncode == 0, grown.stderr
        with open(metadata) as handle:
            assert json.load(handle)["size"] == 512 * MIB
        backups = [n for n in os.listdir(os.path.dirname(metadata))
                   if n.startswith("." + os.path.basename(metadata) + ".pool-guardian-backup-")]
        assert len(backups) == 1
        with open(os.path.join(os.path.dirname(metadata), backups[0])) as handle:
            assert json.load(handle)["size"] == 320 * MIB
    finally:
        bed.start_dockerd()

    assert bed.inspect("grow")["GraphDriver"]["Data"]["DeviceSize"] == str(512 * MIB)
    after = df_total_kib(bed.docker("start", "-a", "grow").stdout)
    grown_kib = (512 - 320) * 1024
    if bed.fs == "xfs":
        assert after - before == grown_kib          # the internal log stays as it was; the rest is new space
    else:
        assert grown_kib * 0.9 < after - before <= grown_kib     # less the new block groups' inode tables


def test_resize_refuses_a_bad_size_in_one_line(bed):
    bad = bed.guardian("resize", "grow", "lots")
    assert bad.returncode == 2 and "size 'lots'" in bad.stderr and len(bad.stderr.splitlines()) == 1
