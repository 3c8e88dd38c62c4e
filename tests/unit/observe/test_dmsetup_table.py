"""``dmsetup table``: every corpus sample, the thin line, and the errors."""

import pytest

from guardian.errors import ParseError
from guardian.observe.dmsetup import OtherTarget, ThinPoolTable, ThinTable, parse_table

KIND = "dmsetup-table"
SKIP_ZEROING = ("skip_block_zeroing",)

# Read off each sample by hand: (pool tables, other targets as (name, type, args)).
EXPECTED = {
    "001.txt": ([ThinPoolTable(None, 0, 209715200, "7:1", "7:0", 128, 32768, SKIP_ZEROING)], []),
    # `dmsetup table -v`: the name comes from the "Name:" header
    "003.txt": ([ThinPoolTable("dm-thinpool", 0, 104857600, "7:1", "7:0", 128, 32768, SKIP_ZEROING)], []),
    "005.txt": ([ThinPoolTable("docker-253:1-153295518-pool", 0, 209715200, "7:1", "7:0", 128, 32768,
                               SKIP_ZEROING)],
                [("centos-home", 1628528640, "linear", ("8:3", "8161280")),
                 ("centos-swap", 8159232, "linear", ("8:3", "2048")),
                 ("centos-root", 104857600, "linear", ("8:3", "1636689920"))]),
    "007.txt": ([ThinPoolTable("docker-253:2-8409152-pool", 0, 419430400, "7:1", "7:0", 128, 32768,
                               SKIP_ZEROING)],
                [("docker-docker--lv", 16777216, "linear", ("8:16", "2048")),
                 ("centos-swap", 4194304, "linear", ("8:2", "2048")),
                 ("centos-root", 98549760, "linear", ("8:2", "4196352"))]),
}


def test_every_sample_has_an_expectation(names):
    assert names(KIND) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_sample(sample, name):
    pools, others = EXPECTED[name]
    entries = parse_table(sample(KIND, name))
    assert [e for e in entries if isinstance(e, ThinPoolTable)] == pools
    assert [(e.name, e.length_sectors, e.target_type, e.args)
            for e in entries if isinstance(e, OtherTarget)] == others
    assert len(entries) == len(pools) + len(others)


def test_block_size_in_bytes(sample):
    (table,) = parse_table(sample(KIND, "001.txt"))
    assert table.data_block_bytes == 65536


# Synthetic, following drivers/md/dm-thin.c pool_status() STATUSTYPE_TABLE ("%s %s %lu %llu "
# then emit_flags(): the count, then the words) and thin_status() ("%s %lu" [" %s" origin]).
@pytest.mark.parametrize("line,expected", [
    ("p: 0 2048 thin-pool 253:1 253:2 1024 0 0",
     ThinPoolTable("p", 0, 2048, "253:1", "253:2", 1024, 0, ())),
    ("p: 0 2048 thin-pool 253:1 253:2 128 32768 3 skip_block_zeroing ignore_discard error_if_no_space",
     ThinPoolTable("p", 0, 2048, "253:1", "253:2", 128, 32768,
                   ("skip_block_zeroing", "ignore_discard", "error_if_no_space"))),
    ("docker-253:0-1-abc: 0 20971520 thin 253:3 7", ThinTable("docker-253:0-1-abc", 0, 20971520, "253:3", 7)),
    ("0 20971520 thin 253:3 7 8:16", ThinTable(None, 0, 20971520, "253:3", 7, "8:16")),
])
def test_shapes_missing_from_the_corpus(line, expected):
    assert parse_table(line) == [expected]


def test_no_devices():
    assert parse_table("No devices found") == []


@pytest.mark.parametrize("text,message", [
    ("", "dmsetup table: empty output"),
    ("p: 0 2048 thin-pool 7:1 7:0 128", "line 1: thin-pool table needs metadata dev, data dev, block size"),
    ("p: 0 2048 thin-pool 7:1 7:0 128 32768 2 skip_block_zeroing", "announces 2 feature args but has 1"),
    ("p: 0 2048 thin-pool 7:1 7:0 big 32768 0", "data block size must be a whole number, got 'big'"),
    ("t: 0 100 thin 253:3", "thin table needs pool dev, device id"),
    ("t: 0 100 thin 253:3 seven", "device id must be a whole number"),
    ("Tables present:    LIVE\nnot a table", "dmsetup table line 2: not a target line"),
    ("Hello: world", "dmsetup table line 1: not a target line"),
])
def test_errors_name_the_problem(text, message):
    with pytest.raises(ParseError) as caught:
        parse_table(text)
    assert message in str(caught.value)
