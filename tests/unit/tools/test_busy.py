"""busy's report and path matching (the namespace walk itself is the holders engine's, proven in the bed)."""
from guardian.cli import main
from guardian.host.processes import Holder
from guardian.observe import holders
from guardian.observe.holders import Hold
from guardian.observe.mountinfo import parse_mountinfo
from guardian.tools.busy import SHOWN_HOLDERS, _under, busy, render

# A leaked container mount as /proc/PID/mountinfo shows it in an `unshare` namespace (bed capture shape).
LINE = ("412 380 253:4 / /var/lib/docker/devicemapper/mnt/bae1b2d165d9 rw,relatime - xfs "
        "/dev/mapper/docker-254:0-16908421-bae1b2d165d9 rw,nouuid")
CONTAINER = "7778da4532e9e9d1c3b8fe99b69c97b981fcdded9d3aa5b725a8762d584ead26"


def hold(holders, daemon=False):
    return Hold("mnt:[4026532198]", holders[0].pid, tuple(holders), tuple(parse_mountinfo(LINE)), daemon)


def test_report_names_namespace_mounts_pids_commands_and_containers():
    text = render([hold([Holder(812, "sleep 600", ""), Holder(900, "nginx", CONTAINER)])], "container web",
                  {CONTAINER: "web"})
    assert text.splitlines() == [
        "busy: 1 mount namespace(s) hold container web:",
        "mnt:[4026532198]  (enter: nsenter --mount=/proc/812/ns/mnt)",
        "  mount /var/lib/docker/devicemapper/mnt/bae1b2d165d9 (xfs /dev/mapper/docker-254:0-16908421-bae1b2d165d9)",
        "  pid 812 sleep 600",
        "  pid 900 nginx  [container web 7778da4532e9]"]


def test_dockerds_namespace_is_marked_and_long_lists_are_cut():
    many = [Holder(pid, "worker", "") for pid in range(1, SHOWN_HOLDERS + 6)]
    lines = render([hold(many, daemon=True)], "/x", {}).splitlines()
    assert "dockerd's own namespace" in lines[1]
    assert lines[-1] == "  ... and 5 more processes in this namespace"


def test_nothing_held_is_one_line():
    assert render([], "/x", {}) == "busy: nothing holds /x in any mount namespace"


def test_a_path_matches_itself_and_what_is_under_it_only():
    (mount,) = parse_mountinfo(LINE)
    assert _under("/var/lib/docker/devicemapper/mnt")(mount)
    assert _under("/var/lib/docker/devicemapper/mnt/bae1b2d165d9")(mount)
    assert not _under("/var/lib/docker/devicemapper/mnt/bae1")(mount)


def test_a_path_that_is_nowhere_is_an_error_naming_it_not_all_clear(tmp_path, capsys):
    typo = str(tmp_path / "no" / "such" / "path")
    assert main(["busy", typo, "--docker-root", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == "pool-guardian: {}: no such file or directory, and no mount namespace " \
        "has a mount there\n".format(typo)


def test_a_path_gone_here_but_mounted_in_another_namespace_is_listed(tmp_path, monkeypatch, capsys):
    gone = "/var/lib/docker/devicemapper/mnt/bae1b2d165d9"
    monkeypatch.setattr(holders, "find_holds", lambda wanted: [hold([Holder(812, "sleep 600", "")])])
    assert busy(None, gone, False, str(tmp_path)) == 0
    assert capsys.readouterr().out.startswith("busy: 1 mount namespace(s) hold {}:".format(gone))
