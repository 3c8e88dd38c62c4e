"""Snapshots for policy tests, built from a real RHEL 7 thin-pool status line with chosen usage."""
import pytest

from guardian.config import load_config_text
from guardian.observe.dmsetup import parse_status
from guardian.observe.snapshot import compose_snapshot

# Shape from a real CentOS 7 loop-lvm pool (corpus dmsetup-status): only the used counts vary.
LINE = "docker-8:1-696417-pool: 0 209715200 thin-pool 1 {meta}/524288 {data}/1638400 - {mode} discard_passdown queue_if_no_space -"


def pool_snapshot(data_percent=10.0, meta_percent=1.0, mode="rw", data_blocks=1638400):
    """data_blocks: the pool's size in its 64 KiB blocks (a grown pool has more)."""
    line = LINE.format(data=int(data_blocks * data_percent / 100), meta=int(524288 * meta_percent / 100),
                       mode=mode).replace(" 209715200 ", " {} ".format(data_blocks * 128)).replace(
                           "/1638400 ", "/{} ".format(data_blocks))
    return compose_snapshot(parse_status(line), [], None, taken_at=0.0)


@pytest.fixture
def settings():
    def make(text=""):
        return load_config_text(text)
    return make
