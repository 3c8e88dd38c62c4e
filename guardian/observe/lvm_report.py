"""Parse what LVM prints and names: one `lvs --nameprefixes` row, `lvm config` settings, and
the volume group and LV behind a device-mapper name.

Only name-prefixed lines (LVM2_FIELD='value') are read as a row: anything else LVM prints
around the report is not a field.
"""
import shlex

PREFIX = "LVM2_"


def name_prefixed_row(text):
    """{'seg_monitor': 'monitored', ...} from the first LVM2_ row of `lvs --nameprefixes`;
    {} when there is none."""
    return next(iter(name_prefixed_rows(text)), {})


def name_prefixed_rows(text):
    """Every LVM2_ row of `lvs --nameprefixes`, in order."""
    rows = []
    for line in text.splitlines():
        if line.strip().startswith(PREFIX):
            pairs = (word.partition("=") for word in shlex.split(line))
            rows.append({key[len(PREFIX):].lower(): value for key, _, value in pairs if key.startswith(PREFIX)})
    return rows


def thin_ids(text, pool):
    """{thin device id: 'vg/lv'} of the thin volumes LVM keeps in pool ('vg/lv'), from
    `lvs --nameprefixes -o vg_name,lv_name,pool_lv,thin_id VG`."""
    vg, _, lv = pool.partition("/")
    return {int(row["thin_id"]): "{}/{}".format(row.get("vg_name", vg), row.get("lv_name", "?"))
            for row in name_prefixed_rows(text)
            if row.get("pool_lv") == lv and row.get("vg_name", vg) == vg and row.get("thin_id", "").isdigit()}


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


def lvm_split(dm_name):
    """'docker-thin--pool_tdata' -> ('docker', 'thin-pool_tdata'): LVM doubles '-' inside names."""
    index = 0
    while True:
        index = dm_name.find("-", index)
        if index < 0:
            return None
        if dm_name[index + 1:index + 2] == "-":
            index += 2
            continue
        return dm_name[:index].replace("--", "-"), dm_name[index + 1:].replace("--", "-")


def pool_lv(data_dm_name):
    """vg/lv of an LVM thin pool from its data sub-LV's dm name, or None if it is not one."""
    parts = lvm_split(data_dm_name or "")
    if not parts or not parts[1].endswith("_tdata"):
        return None
    return "{}/{}".format(parts[0], parts[1][:-len("_tdata")])
