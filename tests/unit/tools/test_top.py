"""top: thin_ls output parsed as captured in the test bed, rows named from Docker's files, biggest writer first."""
import os

import pytest

from guardian.errors import ParseError
from guardian.tools.top import ThinUsage, owners, parse_thin_ls, render, rows
from tests.unit.tools.test_docker_state import docker_tree

DATA = os.path.join(os.path.dirname(__file__), "data")
KIB64 = 64 * 1024


def captured(name):
    """A capture without its '# Source' lines: the rest is verbatim thin_ls output."""
    with open(os.path.join(DATA, name)) as handle:
        return "".join(line for line in handle if not line.startswith("#"))


def test_parses_thin_ls_0_9_output_as_captured():
    assert parse_thin_ls(captured("thin_ls-0.9.0-format-blocks.txt")) == [
        ThinUsage(1, 1031, 38, 993), ThinUsage(2, 1066, 40, 1026), ThinUsage(3, 1066, 34, 1032),
        ThinUsage(4, 1386, 355, 1031), ThinUsage(5, 1066, 36, 1030), ThinUsage(6, 1146, 118, 1028)]


def test_parses_output_without_header():
    assert parse_thin_ls("1 1031  38  993\n") == [ThinUsage(1, 1031, 38, 993)]


@pytest.mark.parametrize("line", ["1 64MiB 0 1", "1 2 3", "DEVICE 1 2 3 4"])
def test_a_line_that_is_not_four_numbers_is_a_one_line_error(line):
    with pytest.raises(ParseError) as error:
        parse_thin_ls("DEV MAPPED_BLOCKS EXCLUSIVE_BLOCKS SHARED_BLOCKS\n" + line + "\n")
    assert "thin_ls line 2" in str(error.value) and "\n" not in str(error.value)


def test_rows_are_named_from_dockers_files_and_ordered_by_what_each_wrote(tmp_path):
    root = docker_tree(tmp_path)
    table = rows(parse_thin_ls(captured("thin_ls-0.9.0-format-blocks.txt")), owners(root), KIB64)
    assert [(r.kind, r.name, r.device_id) for r in table] == [
        ("container", "c1", 4),
        ("container", "c2", 6),
        ("image layer", "busybox:bed layer 1/1", 2),
        ("base", "Docker's base device", 1),
        ("container init layer", "c2", 5),
        ("container init layer", "c1", 3)]
    assert table[0].exclusive_bytes == 355 * KIB64 and table[0].mapped_bytes == 1386 * KIB64


def test_a_device_docker_does_not_know_is_shown_not_dropped():
    (row,) = rows([ThinUsage(9, 10, 10, 0)], {}, KIB64)
    assert (row.kind, row.device_id, row.exclusive_bytes) == ("unknown", 9, 10 * KIB64)


def test_render_has_a_header_and_one_line_per_row():
    text = render(rows([ThinUsage(9, 10, 10, 0)], {}, KIB64))
    assert text.splitlines()[0].split() == ["KIND", "EXCLUSIVE", "SHARED", "MAPPED", "ID", "NAME"]
    assert "640 KiB" in text.splitlines()[1]
