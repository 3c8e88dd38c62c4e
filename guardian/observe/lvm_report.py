"""Parse what LVM prints: one `lvs --nameprefixes` row, `lvm config` settings.

Only name-prefixed lines (LVM2_FIELD='value') are read as a row: anything else LVM prints
around the report is not a field.
"""
import shlex

PREFIX = "LVM2_"


def name_prefixed_row(text):
    """{'seg_monitor': 'monitored', ...} from the first LVM2_ row of `lvs --nameprefixes`;
    {} when there is none."""
    for line in text.splitlines():
        if line.strip().startswith(PREFIX):
            pairs = (word.partition("=") for word in shlex.split(line))
            return {key[len(PREFIX):].lower(): value for key, _, value in pairs if key.startswith(PREFIX)}
    return {}


def config_integer(text, name):
    """The integer value of `name=N` as `lvm config` writes it; None when absent or not a number."""
    value = config_value(text, name)
    return int(value) if value is not None and value.isdigit() else None


def config_value(text, name):
    for line in text.splitlines():
        key, _, value = line.strip().partition("=")
        if key.strip() == name:
            return value.strip()
    return None
