"""Metadata headroom: the metadata a pool needs when its data is full, from one status line's counts.
The real counts come from corpus `docker info` captures (their figures in 4 KiB metadata blocks and
64 KiB data blocks) and say on each test which capture."""
import pytest

from guardian.decide.metadata import (MIN_DATA_PERCENT, Use, empty_blocks, keeps_reserve, project,
                                      release_at_least, reserve_blocks)

GB_BLOCKS = 1e9 / 65536         # docker info's decimal GB in 64 KiB data blocks
KB_BLOCKS = 1e3 / 4096          # docker info's decimal kB in 4 KiB metadata blocks


def docker_use(data_used_gb, data_total_gb, meta_used_kb, meta_total_kb):
    return Use(round(meta_used_kb * KB_BLOCKS), round(meta_total_kb * KB_BLOCKS), round(data_used_gb * GB_BLOCKS),
               round(data_total_gb * GB_BLOCKS), "docker info")


def test_an_almost_empty_pool_uses_what_the_kernel_formats_plus_a_leaf_of_mappings():
    """CentOS 7.2, kernel 3.10.0-327 (corpus docker-info/041): 11.8MB of 107.4GB data, 581.6kB of
    2.147GB metadata = 142 blocks; Fedora 21, kernel 3.18 (003): 11.8 MB of 4.123 GB, 53.25 kB of
    8.389 MB = 13 blocks. 11.8 MB is 180 data blocks: one btree leaf."""
    centos = docker_use(0.0118, 107.4, 581.6, 2.147e6)
    fedora = docker_use(0.0118, 4.123, 53.25, 8389)
    assert empty_blocks(centos.metadata_total, centos.data_total, False) + 1 == centos.metadata_used == 142
    assert empty_blocks(fedora.metadata_total, fedora.data_total, False) + 1 == fedora.metadata_used == 13


def test_the_kernels_reserve_is_a_tenth_of_the_metadata_device_and_at_most_16_mib():
    assert reserve_blocks(1024) == 102
    assert reserve_blocks(524288) == 4096
    assert empty_blocks(1024, 16384, True) - empty_blocks(1024, 16384, False) == 102


def test_a_small_metadata_device_that_holds_a_full_pool_says_how_full_it_will_be():
    """Ubuntu 14.04, kernel 3.16 (corpus docker-info/059): 739.7 MB of 10.74 GB data, 761.9 kB of
    12.58 MB metadata; ~1.5 metadata blocks per 100 data blocks needs ~80% of the device when data
    is full, past the 70% high mark at ~88% data."""
    use = docker_use(0.7397, 10.74, 761.9, 12580)
    projection = project(use, keeps_reserve(use, "3.16.0-30-generic"))
    assert projection.runs_out_at is None
    assert 1.4 < 100 * projection.per_block < 1.6
    assert 78 < projection.needed_percent < 82
    assert 85 < projection.data_percent_at(70.0, use.data_total) < 90


def test_metadata_too_small_for_a_full_pool_runs_out_where_its_need_meets_the_device():
    # empty 7 + 1 + 1 = 9 blocks; (1100 - 9) / 1000 blocks per data block; (2048 - 9) / 1.091 = 1869
    projection = project(Use(1100, 2048, 1000, 10000))
    assert projection.empty == 9 and projection.needed == 10919
    assert projection.runs_out_at == pytest.approx(18.69, abs=0.01)
    assert projection.size_for(70.0) == 15599       # a full pool's metadata at 70%


def test_under_5_percent_data_nothing_is_projected_the_empty_pool_would_dominate():
    assert project(Use(500, 2048, 499, 10000)) is None
    assert project(Use(500, 2048, 500, 10000)) is not None
    assert MIN_DATA_PERCENT == 5.0


def test_an_unknown_reserve_counted_as_use_over_states_the_need_never_under_states_it():
    """16 MiB of metadata keeps 409 blocks of reserve on a kernel that has it; counted as use,
    they bring the run-out earlier, never later."""
    use = Use(2000, 4096, 3000, 16384)
    with_reserve, as_use = project(use, True), project(use, False)
    assert as_use.needed > with_reserve.needed
    assert as_use.runs_out_at < with_reserve.runs_out_at


@pytest.mark.parametrize("release, used, keeps", [
    ("6.1.0-13-amd64", 600, True),          # mainline since 4.19
    ("6.1.0-13-amd64", 100, False),         # less used than the reserve: it is not counted
    ("3.10.0-1160.el7.x86_64", 600, False),     # CentOS 7: not known, so not assumed
    (None, 600, False),
    ("4.18.0-348.el8.x86_64", 600, False),  # stable backports are not known from the release
])
def test_the_reserve_is_assumed_only_where_the_release_or_the_counts_say_so(release, used, keeps):
    assert keeps_reserve(Use(used, 4096, 3000, 16384), release) is keeps


def test_a_release_is_compared_by_its_first_two_numbers():
    assert release_at_least("4.19.0", (4, 19)) and release_at_least("10.0", (4, 19))
    assert not release_at_least("4.9.337", (4, 19)) and not release_at_least("unknown", (4, 19))


# The test bed's pool (bench/metadata_fill.py, first run 2026-12-07, kernel 6.1.0-56-amd64): 1 GiB
# of 64 KiB data blocks, 1124 KiB = 281 metadata blocks, filled with rounds of an image, two layers
# and four containers; `dmsetup status` counts (metadata used/total, data used/total).
BED_KERNEL = "6.1.0-56-amd64"
BED_EMPTY = Use(38, 281, 0, 16384)
BED_ROUND_END = Use(84, 281, 1536, 16384)       # 9.38% data: one full round
BED_AFTER_IMAGE = Use(90, 281, 2560, 16384)     # 15.62%: right after the next image, written in full
BED_RAN_OUT_AT = 53.94                          # metadata 281/281, "ro", a write failing EIO


def test_the_beds_empty_pool_uses_its_format_and_the_kernels_reserve():
    assert keeps_reserve(BED_EMPTY, BED_KERNEL)
    assert empty_blocks(BED_EMPTY.metadata_total, BED_EMPTY.data_total, True) == BED_EMPTY.metadata_used == 38


def test_the_beds_pool_ran_out_where_a_full_rounds_mix_projects_and_a_sample_after_a_pull_reads_late():
    """A full round projects 49.5%: 4 points early. Right after an image (many blocks, few metadata
    blocks each) the ratio reads low and says 73%: 19 points late, still a run-out before data is
    full, which is what the doctor and grow act on."""
    assert project(BED_ROUND_END, keeps_reserve(BED_ROUND_END, BED_KERNEL)).runs_out_at == pytest.approx(49.5, abs=0.1)
    late = project(BED_AFTER_IMAGE, keeps_reserve(BED_AFTER_IMAGE, BED_KERNEL)).runs_out_at
    assert late == pytest.approx(73.0, abs=0.1) and BED_RAN_OUT_AT < late < 100
