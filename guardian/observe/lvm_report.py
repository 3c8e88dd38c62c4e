"""Parse what LVM prints: one `lvs --nameprefixes` row, one `lvm config` setting.

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
    for line in text.splitlines():
        key, _, value = line.strip().partition("=")
        if key.strip() == name and value.strip().isdigit():
            return int(value.strip())
    return None
