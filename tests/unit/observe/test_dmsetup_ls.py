"""``dmsetup ls`` (and ``--tree``, as sosreport captures it)."""

import pytest

from guardian.errors import ParseError
from guardian.observe.dmsetup import DmDevice, parse_ls

KIND = "dmsetup-ls"
E85 = "docker-253:2-3693860-e85dd79353abe6967cbc4f968934ae078d4d9da02010033b73a3df9659e4d547"
DAD = "docker-253:2-3693860-dad0ce9e1adcfe76df319443f429698eafa52dd6c6cb4fb8192f0846656f8824"

# Read off each sample by hand, in the order printed.
EXPECTED = {
    "001.txt": [DmDevice("docker-253:9-20447236-74b14da0413edb9f19ce01285f25f39c10c619e0989fe06ed3ddae1bc"
                         "32319d0", 253, 49)],
    "002.txt": [DmDevice("cl-swap", 253, 1), DmDevice("cl-root", 253, 0), DmDevice(E85, 253, 4),
                DmDevice("cl-home", 253, 2), DmDevice("docker-253:2-3693860-pool", 253, 3)],
    "003.txt": [DmDevice("cl-swap", 253, 1), DmDevice("cl-root", 253, 0), DmDevice(DAD, 253, 5),
                DmDevice(E85, 253, 4), DmDevice("cl-home", 253, 2)],
}


def test_every_sample_has_an_expectation(names):
    assert names(KIND) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_sample(sample, name):
    assert parse_ls(sample(KIND, name)) == EXPECTED[name]


def test_tree_lists_each_named_device_once():
    # `dmsetup ls --tree` (libdm tree output): devices nest under what uses them; bare (maj:min) leaves
    # are plain block devices.
    tree = ("docker-253:2-3693860-abc (253:4)\n"
            " \u2514\u2500docker-253:2-3693860-pool (253:3)\n"
            "    \u251c\u2500 (7:1)\n"
            "    \u2514\u2500 (7:0)\n"
            "docker-253:2-3693860-def (253:5)\n"
            " `-docker-253:2-3693860-pool (253:3)\n"
            "    |- (7:1)\n"
            "    `- (7:0)\n"
            "cl-root (253:0)\n"
            " `- (8:2)\n")
    assert parse_ls(tree) == [DmDevice("docker-253:2-3693860-abc", 253, 4),
                              DmDevice("docker-253:2-3693860-pool", 253, 3),
                              DmDevice("docker-253:2-3693860-def", 253, 5),
                              DmDevice("cl-root", 253, 0)]


def test_old_dmsetup_comma_form():
    assert parse_ls("vg-pool\t(253, 3)\n") == [DmDevice("vg-pool", 253, 3)]


def test_no_devices():
    assert parse_ls("No devices found\n") == []


@pytest.mark.parametrize("text,message", [
    ("", "dmsetup ls: empty output"),
    ("cl-swap\t(253:1)\ncl-root 253:0\n", "dmsetup ls line 2: expected 'NAME (MAJOR:MINOR)'"),
])
def test_errors_name_the_problem(text, message):
    with pytest.raises(ParseError) as caught:
        parse_ls(text)
    assert message in str(caught.value)
