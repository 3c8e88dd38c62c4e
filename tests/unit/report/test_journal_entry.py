"""Journal entries: field names journald accepts, and the native protocol's two value forms."""
import struct

from guardian.report.log import encode_journal_entry, journal_field_name


def test_field_names_are_upper_case_and_safe():
    assert journal_field_name("pool") == "POOL"
    assert journal_field_name("data.percent") == "DATA_PERCENT"
    assert journal_field_name("_private") == "PRIVATE"


def test_single_line_values_use_key_equals_value():
    assert encode_journal_entry({"MESSAGE": "hi", "PRIORITY": 6}) == b"MESSAGE=hi\nPRIORITY=6\n"


def test_multi_line_values_use_the_length_form():
    data = encode_journal_entry({"MESSAGE": "a\nb"})
    assert data == b"MESSAGE\n" + struct.pack("<Q", 3) + b"a\nb\n"
