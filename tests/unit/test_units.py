"""Sizes: Docker's decimal output, operators' binary input, our binary display."""

import pytest

from guardian.errors import ParseError
from guardian.units import format_bytes, parse_docker_size, parse_size_option


@pytest.mark.parametrize("text,expected", [
    ("65.54 kB", 65540),
    ("107.4 GB", 107400000000),
    ("107.4GB", 107400000000),  # compact, Docker >= 17.05
    ("0 B", 0),
    ("0B", 0),
    ("1.004 MB", 1004000),
    ("524.3kB", 524300),
    ("581.6 KB", 581600),  # hand-typed in Docker's docs; still decimal
    ("3.892 GiB", 4179003179),  # go-units BytesSize ("Total Memory"): 3 GiB + 0.892 GiB
    ("2405.4 Mb", 2522244710),  # 0.7-dev: "%.1f Mb" of bytes/(1024*1024): 2405.4 * 1048576
    ("102400.0 Mb", 107374182400),  # = the 100 GiB loop file default
    (" 2.3 Mb ", 2411725),
    ("4096", 4096),
])
def test_parse_docker_size(text, expected):
    assert parse_docker_size(text) == expected


@pytest.mark.parametrize("text,message", [
    ("", "expected a number and a unit"),
    ("lots", "expected a number and a unit"),
    ("-1 GB", "expected a number and a unit"),
    ("1.2.3 GB", "expected a number and a unit"),
    ("12 XB", "unknown unit 'XB'"),
    ("12 gb", "unknown unit 'gb'"),
])
def test_parse_docker_size_errors(text, message):
    with pytest.raises(ParseError) as caught:
        parse_docker_size(text)
    assert message in str(caught.value)


@pytest.mark.parametrize("text,expected", [
    ("10G", 10 * 2 ** 30),
    ("10g", 10 * 2 ** 30),
    ("10GB", 10 * 2 ** 30),
    ("10GiB", 10 * 2 ** 30),
    ("512MiB", 512 * 2 ** 20),
    ("100M", 100 * 2 ** 20),
    ("1.5T", 3 * 2 ** 39),
    ("64k", 65536),
    ("2P", 2 * 2 ** 50),
    ("4096", 4096),
    ("4096B", 4096),
    ("10 G", 10 * 2 ** 30),
    ("0.3K", 307),  # 307.2 bytes: the fraction of a byte is dropped, as RAMInBytes does
])
def test_parse_size_option(text, expected):
    assert parse_size_option(text) == expected


@pytest.mark.parametrize("text", ["", "G", "ten G", "10X", "10Gi", "10iB", "-5G", "10  G", "1,5G"])
def test_parse_size_option_errors(text):
    with pytest.raises(ParseError) as caught:
        parse_size_option(text)
    assert repr(text) in str(caught.value)


@pytest.mark.parametrize("count,expected", [
    (0, "0 B"),
    (1023, "1023 B"),
    (1024, "1 KiB"),
    (1536, "1.5 KiB"),
    (3 * 2 ** 29, "1.5 GiB"),
    (107374182400, "100 GiB"),
    (107400000000, "100 GiB"),
    (2 ** 40 + 2 ** 39, "1.5 TiB"),
    (-2 ** 20, "-1 MiB"),
])
def test_format_bytes(count, expected):
    assert format_bytes(count) == expected
