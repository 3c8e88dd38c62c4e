"""Parse what LVM prints: one `lvs --nameprefixes` row, `lvm config` settings.

Name-prefixed rows (LVM2_FIELD='value') are kept apart from warnings by their prefix, which
matters when the command ran in-process (guardian.host.lvm_library): there, LVM's warnings and
its report arrive in one stream.
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


def config_string(text, name):
    """The string value of `name="..."` as `lvm config` writes it; None when absent or not a string."""
    value = config_value(text, name)
    if value is None or len(value) < 2 or value[0] != '"' or value[-1] != '"':
        return None
    return value[1:-1]


def config_value(text, name):
    for line in text.splitlines():
        key, _, value = line.strip().partition("=")
        if key.strip() == name:
            return value.strip()
    return None
