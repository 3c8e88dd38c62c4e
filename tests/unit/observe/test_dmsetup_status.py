"""``dmsetup status``: every corpus sample, every kernel shape, every error."""

import pytest

from guardian.errors import ParseError
from guardian.observe.dmsetup import OtherTarget, ThinPoolStatus, ThinStatus, parse_status

KIND = "dmsetup-status"


def pool(name, length, tx, meta, data, **rest):
    """Expected ThinPoolStatus fields; everything not given must be None."""
    fields = dict.fromkeys(ThinPoolStatus._fields)
    fields.update(name=name, start=0, length_sectors=length, transaction_id=tx,
                  metadata_used_blocks=meta[0], metadata_total_blocks=meta[1],
                  data_used_blocks=data[0], data_total_blocks=data[1], **rest)
    return fields


RW_PASSDOWN_QUEUE = dict(mode="rw", discard="discard_passdown", no_space_policy="queue_if_no_space")
RW_NOPASSDOWN_QUEUE = dict(mode="rw", discard="no_discard_passdown", no_space_policy="queue_if_no_space")

# Read off each sample by hand: (pools, {thin name: (length, mapped, highest)}, counts by type).
EXPECTED = {
    "001.txt": dict(
        pools=[pool("docker-253:0-278707-pool", 209715200, 1, (179, 524288), (4664, 1638400),
                    **RW_PASSDOWN_QUEUE)],
        thins={"docker-253:0-278707-base": (20971520, 596992, 20971519)},
        counts=dict(pool=1, thin=1, other=2)),
    "003.txt": dict(
        pools=[pool("docker-253:0-278707-pool", 209715200, 4, (231, 524288), (8639, 1638400),
                    **RW_PASSDOWN_QUEUE)],
        thins={"docker-253:0-278707-base": (20971520, 596992, 20971519)},
        counts=dict(pool=1, thin=1, other=2)),
    # wrapped by the docs writer after the transaction id; ends with needs_check '-'
    "004.txt": dict(
        pools=[pool("docker-8:1-123141-pool", 209715200, 91, (422, 524288), (18338, 1638400),
                    needs_check=False, **RW_PASSDOWN_QUEUE)],
        thins={}, counts=dict(pool=1, thin=0, other=0)),
    "005.txt": dict(
        pools=[pool("docker-253:17-1835016-pool", 96460800, 51593, (6270, 1048576), (701943, 753600),
                    **RW_NOPASSDOWN_QUEUE)],
        thins={}, counts=dict(pool=1, thin=0, other=0)),
    # kernel 3.2: stops after the held root; the pool is 100% full
    "007.txt": dict(
        pools=[pool("pool", 41943040, 0, (622, 243968), (81920, 81920))],
        thins={"thin": (41943040, 39832576, 41943039)},
        counts=dict(pool=1, thin=1, other=0)),
    # oldest RHEL 7 shape: stops after the discard word
    "009.txt": dict(
        pools=[pool("docker-8:1-696417-pool", 419430400, 73, (490, 524288), (18758, 3276800),
                    mode="rw", discard="no_discard_passdown")],
        thins={"docker-8:1-696417-base": (41943040, 928768, 41943039)},
        counts=dict(pool=1, thin=1, other=0)),
    # kernel 5.4 with the metadata low water mark; 43 lines
    "011.txt": dict(
        pools=[pool("x22v0-tp_ssd-tpool", 2577285120, 19, (8886, 552960), (629535, 838960),
                    needs_check=False, metadata_low_watermark=1024, **RW_NOPASSDOWN_QUEUE),
               pool("x22v0-tp_big-tpool", 22164602880, 35, (35152, 1075200), (3870070, 7215040),
                    needs_check=False, metadata_low_watermark=1024, **RW_NOPASSDOWN_QUEUE)],
        thins={"x22v0-gerrit--new": (268615680, 255510528, 268459007),
               "x22v0-openvpn--new": (134430720, 24152064, 66272255),
               "x22v0-gerrit--new--backup": (268615680, 6552576, 268443647)},
        counts=dict(pool=2, thin=18, other=23)),
}


def test_every_sample_has_an_expectation(names):
    assert names(KIND) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_sample(sample, name):
    expected = EXPECTED[name]
    entries = parse_status(sample(KIND, name))
    pools = [e for e in entries if isinstance(e, ThinPoolStatus)]
    thins = dict((e.name, e) for e in entries if isinstance(e, ThinStatus))
    others = [e for e in entries if isinstance(e, OtherTarget)]
    assert [p._asdict() for p in pools] == expected["pools"]
    assert dict(pool=len(pools), thin=len(thins), other=len(others)) == expected["counts"]
    for thin_name, (length, mapped, highest) in expected["thins"].items():
        assert thins[thin_name] == ThinStatus(thin_name, 0, length, mapped, highest, None)


def test_percentages_from_blocks(sample):
    healthy = parse_status(sample(KIND, "001.txt"))[3]
    assert healthy.data_used_percent == pytest.approx(100.0 * 4664 / 1638400)
    assert healthy.metadata_used_percent == pytest.approx(100.0 * 179 / 524288)
    full = parse_status(sample(KIND, "007.txt"))[1]
    assert full.data_used_percent == 100.0


def test_several_segments_of_one_device_stay_separate(sample):
    tdata = [e for e in parse_status(sample(KIND, "011.txt")) if e.name == "x22v0-tp_ssd_tdata"]
    assert [(e.start, e.length_sectors, e.target_type) for e in tdata] == [
        (0, 2147696640, "linear"), (2147696640, 429588480, "linear")]


# Synthetic lines for shapes no public sample shows. Each follows the field order of
# drivers/md/dm-thin.c pool_status() (STATUSTYPE_INFO): "<transaction id>
# <used meta>/<total meta> <used data>/<total data> <held root|-> <rw|ro|out_of_data_space>
# <ignore_discard|discard_passdown|no_discard_passdown> <queue_if_no_space|error_if_no_space>
# <needs_check|-> <metadata low water mark> ", or just "Fail" (PM_FAIL) / "Error" (err:).
SYNTHETIC = [
    ("docker-253:0-1-pool: 0 209715200 thin-pool 12 500/524288 1638400/1638400 - out_of_data_space "
     "discard_passdown queue_if_no_space - 1024 ",
     pool("docker-253:0-1-pool", 209715200, 12, (500, 524288), (1638400, 1638400),
          mode="out_of_data_space", discard="discard_passdown", no_space_policy="queue_if_no_space",
          needs_check=False, metadata_low_watermark=1024)),
    ("0 209715200 thin-pool 7 900/524288 100/1638400 - ro ignore_discard error_if_no_space needs_check 4096 ",
     pool(None, 209715200, 7, (900, 524288), (100, 1638400), mode="ro", discard="ignore_discard",
          no_space_policy="error_if_no_space", needs_check=True, metadata_low_watermark=4096)),
    ("pool: 0 2048 thin-pool 3 10/100 20/200 77 rw discard_passdown queue_if_no_space needs_check",
     pool("pool", 2048, 3, (10, 100), (20, 200), held_metadata_root=77, needs_check=True,
          **RW_PASSDOWN_QUEUE)),
]


@pytest.mark.parametrize("line,expected", SYNTHETIC)
def test_kernel_shapes_missing_from_the_corpus(line, expected):
    (entry,) = parse_status(line)
    assert entry._asdict() == expected


@pytest.mark.parametrize("word", ["Fail", "Error"])
def test_failed_pool_has_no_numbers(word):
    (entry,) = parse_status("docker-pool: 0 209715200 thin-pool %s\n" % word)
    assert entry == ThinPoolStatus("docker-pool", 0, 209715200, failed=word)
    assert entry.data_used_percent is None and entry.metadata_used_percent is None


@pytest.mark.parametrize("args,expected", [
    ("Fail", ThinStatus("t", 0, 100, failed="Fail")),
    ("Error", ThinStatus("t", 0, 100, failed="Error")),
    ("-", ThinStatus("t", 0, 100)),  # dm-thin.c thin_status(): device not in the pool metadata
    ("0 -", ThinStatus("t", 0, 100, 0, None)),  # nothing mapped yet
])
def test_thin_shapes(args, expected):
    assert parse_status("t: 0 100 thin %s" % args) == [expected]


def test_status_of_one_device_has_no_name():
    (entry,) = parse_status("0 209715200 thin-pool 1 179/524288 4664/1638400 - rw discard_passdown "
                            "queue_if_no_space - \n")
    assert entry.name is None and entry.transaction_id == 1 and entry.needs_check is False


def test_no_devices():
    assert parse_status("No devices found\n") == []


@pytest.mark.parametrize("text,message", [
    ("", "dmsetup status: empty output"),
    ("  \n\n", "dmsetup status: empty output"),
    ("pool: 0 2048 thin-pool 1 2/3", "line 1: thin-pool status needs at least 4 values"),
    ("a: 0 8 linear \npool: 0 2048 thin-pool 1 2/3", "line 2: thin-pool status needs at least 4 values"),
    ("hello world", "line 1: not a target line"),
    ("422/524288 18338/1638400 - rw", "line 1: not a target line"),
    ("pool: 0 2048 thin-pool x 2/3 4/5 -", "transaction id must be a whole number, got 'x'"),
    ("pool: 0 2048 thin-pool 1 2-3 4/5 -", "metadata usage must be USED/TOTAL blocks, got '2-3'"),
    ("pool: 0 2048 thin-pool 1 2/3 4/y -", "data total blocks must be a whole number, got 'y'"),
    ("pool: 0 2048 thin-pool 1 2/3 4/5 - rx", "mode must be one of rw, ro, out_of_data_space, got 'rx'"),
    ("pool: 0 2048 thin-pool 1 2/3 4/5 - rw passdown", "discard must be one of"),
    ("pool: 0 2048 thin-pool 1 2/3 4/5 - rw discard_passdown queue", "no_space_policy must be one of"),
    ("pool: 0 2048 thin-pool 1 2/3 4/5 - rw discard_passdown queue_if_no_space maybe",
     "needs_check must be one of needs_check, -"),
    ("pool: 0 2048 thin-pool 1 2/3 4/5 - rw discard_passdown queue_if_no_space - lots",
     "metadata low water mark must be a whole number"),
    ("t: 0 100 thin 5", "thin status needs mapped sectors and highest mapped sector"),
])
def test_errors_name_the_problem(text, message):
    with pytest.raises(ParseError) as caught:
        parse_status(text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_error_quotes_the_line():
    with pytest.raises(ParseError) as caught:
        parse_status("pool: 0 2048 thin-pool 1 2/3")
    assert str(caught.value) == ("dmsetup status line 1: thin-pool status needs at least 4 values after "
                                 "'thin-pool' (transaction id, metadata used/total, data used/total, held "
                                 "root), got 2: 'pool: 0 2048 thin-pool 1 2/3'")
