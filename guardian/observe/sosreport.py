"""Find the captures we can parse inside an unpacked sosreport.

Support cases arrive as sosreports, not as shell access. sos names each captured
command after the command line (spaces become underscores), under the plugin that ran
it: the ``docker`` plugin runs ``docker info``, the ``devicemapper`` plugin runs
``dmsetup info -c``, ``dmsetup table``, ``dmsetup status`` and ``dmsetup ls --tree``.
This only lists the directory; the parsers read the files.
"""

import os

# What we parse -> where sos puts it, best first.
CAPTURES = {
    "docker_info": ("sos_commands/docker/docker_info",),
    "dmsetup_status": ("sos_commands/devicemapper/dmsetup_status",),
    "dmsetup_table": ("sos_commands/devicemapper/dmsetup_table",),
    "dmsetup_ls": ("sos_commands/devicemapper/dmsetup_ls_--tree",),
}


def find_captures(root_dir):
    """{'docker_info': path, ...} for every capture present; accepts the archive's top folder too."""
    root = _report_root(root_dir)
    found = {}
    for capture, candidates in CAPTURES.items():
        path = next((os.path.join(root, c) for c in candidates if os.path.isfile(os.path.join(root, c))), None)
        if path is not None:
            found[capture] = path
    return found


def _report_root(root_dir):
    """The folder holding sos_commands: root_dir itself, or its only sosreport-* child."""
    if os.path.isdir(os.path.join(root_dir, "sos_commands")):
        return root_dir
    children = [os.path.join(root_dir, name) for name in sorted(os.listdir(root_dir))]
    reports = [child for child in children if os.path.isdir(os.path.join(child, "sos_commands"))]
    return reports[0] if len(reports) == 1 else root_dir
