"""mountinfo of real namespaces captured in the test bed (Docker 20.10 devicemapper, kernel 6.1):
dockerd's, a container's, and an `unshare`d process that bind-mounted a container's filesystem."""
import os

import pytest

from guardian.errors import ParseError
from guardian.observe.holders import MountQuery, container_mount_matcher, find_holds
from guardian.host.processes import container_in_cgroup, is_docker_daemon_command
from guardian.observe.mountinfo import escape, parse_mountinfo

HERE = os.path.join(os.path.dirname(__file__), "captured")
LEAKED = "docker-254:0-8388741-0b4044b3bd55cc844a92b8e457c7510ed0d5a0cb582d0633b2fc50317a4be854"
RUNNING = "docker-254:0-8388741-bacfbeaad6d0de7d10930f1f2306b4733678b835f1788ec6d5c4ab9d6e56580b"
CONTAINER = "12115375788f864b9f392f427597fcb9721ae8351cac09acad06916bbee1c348"


def mounts(name):
    with open(os.path.join(HERE, name)) as handle:
        return parse_mountinfo(handle.read(), name)


def test_fields_of_a_thin_device_mount_in_dockerds_namespace():
    mount = [m for m in mounts("mountinfo-dockerd.txt") if m.fstype == "xfs" and m.device == "253:2"][0]
    assert mount.source == "/dev/mapper/" + RUNNING
    assert mount.mount_point.endswith("/devicemapper/mnt/" + RUNNING.rsplit("-", 1)[1])
    assert mount.root == "/" and mount.optional == ("shared:2",)


def test_a_leaked_bind_is_found_by_its_device_whatever_its_path():
    wanted = container_mount_matcher("c" * 64, LEAKED, "253:1").wanted
    assert [m.mount_point for m in mounts("mountinfo-leak-holder.txt") if wanted(m)] == ["/tmp/leak"]


def test_a_running_containers_own_root_is_matched_by_device_and_nothing_else_is():
    wanted = container_mount_matcher(CONTAINER, RUNNING, "253:2").wanted
    found = [m for m in mounts("mountinfo-container.txt") if wanted(m)]
    assert [(m.root, m.mount_point) for m in found] == [("/rootfs", "/")]


def test_container_files_under_containers_id_are_matched_by_path():
    wanted = container_mount_matcher(CONTAINER, None).wanted
    assert wanted(parse_mountinfo("1 2 0:50 / /var/lib/docker/containers/{}/mounts/shm rw - tmpfs shm rw"
                                  .format(CONTAINER))[0])


def test_escaped_paths_are_decoded():
    assert parse_mountinfo(r"36 35 98:0 / /mnt/a\040b rw - ext4 /dev/sda1 rw")[0].mount_point == "/mnt/a b"


def test_a_line_that_is_not_mountinfo_is_one_line_error():
    with pytest.raises(ParseError) as err:
        parse_mountinfo("36 35 98:0 / /mnt rw ext4 /dev/sda1 rw", "/proc/1/mountinfo")
    assert str(err.value) == "/proc/1/mountinfo line 1: not a mountinfo line: '36 35 98:0 / /mnt rw ext4 /dev/sda1 rw'"


@pytest.mark.parametrize("line", [
    "0::/docker/" + CONTAINER,                                  # cgroup v2, cgroupfs driver (the bed)
    "0::/system.slice/docker-" + CONTAINER + ".scope",          # cgroup v2, systemd driver
    "4:memory:/system.slice/docker-" + CONTAINER + ".scope",    # CentOS 7, systemd driver
    "11:cpuset:/docker/" + CONTAINER,                           # cgroup v1, cgroupfs driver
])
def test_container_of_a_process_from_its_cgroup(line):
    assert container_in_cgroup("12:pids:/\n" + line + "\n") == CONTAINER


def test_a_host_process_is_in_no_container():
    assert container_in_cgroup("0::/\n") == ""


@pytest.mark.parametrize("name", ["mountinfo-dockerd.txt", "mountinfo-container.txt", "mountinfo-leak-holder.txt"])
@pytest.mark.parametrize("query", [
    container_mount_matcher("c" * 64, LEAKED, "253:1"),
    container_mount_matcher(CONTAINER, RUNNING, "253:2"),
    container_mount_matcher(CONTAINER, RUNNING, None),
], ids=["leaked", "running", "running-without-device-number"])
def test_the_needle_prefilter_finds_what_parsing_every_line_finds(name, query):
    with open(os.path.join(HERE, name)) as handle:
        text = handle.read()
    assert query.find(text, name) == tuple(m for m in parse_mountinfo(text, name) if query.wanted(m))


def test_a_namespace_without_any_needle_is_not_parsed():
    query = container_mount_matcher(CONTAINER, RUNNING, "253:2")
    assert query.find("not mountinfo at all, never parsed", "x") == ()


@pytest.mark.parametrize("path", ["/var/lib/docker", "/mnt/a b", "/mnt/tab\there", "/mnt/back\\slash"])
def test_escape_is_what_the_kernel_writes_and_unescape_reads_back(path):
    line = "36 35 98:0 / {} rw - ext4 /dev/sda1 rw".format(escape(path))
    assert " " not in escape(path) and parse_mountinfo(line)[0].mount_point == path


@pytest.mark.parametrize("command, daemon", [
    ("/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock", True),
    ("/usr/bin/dockerd-current --add-runtime docker-runc=/usr/libexec/docker/docker-runc-current", True),
    ("/usr/bin/docker daemon -s devicemapper", True),
    ("/usr/bin/docker run -it centos", False),
    ("sleep 600", False),
    ("", False),
])
def test_the_docker_daemon_is_told_by_its_command_line(command, daemon):
    assert is_docker_daemon_command(command) is daemon


def captured(name):
    with open(os.path.join(HERE, name)) as handle:
        return handle.read()


def test_every_mounts_source_and_mount_point_are_written_alike_in_mountstats_and_mountinfo():
    """Captured on the host in one namespace (kernel 6.18), with a space in a path and a source."""
    stats = captured("mountstats-host-escapes.txt")
    for mount in mounts("mountinfo-host-escapes.txt"):
        assert "device {} mounted on {} with fstype {}".format(
            escape(mount.source), escape(mount.mount_point), mount.fstype) in stats


def test_a_namespace_is_first_read_by_mountstats_unless_the_query_knows_only_device_numbers():
    assert container_mount_matcher(CONTAINER, RUNNING, "253:2").first_file == "mountstats"
    by_number = MountQuery((), lambda m: m.device == "253:2", ("253:2",))
    assert by_number.first_file == "mountinfo" and by_number.line_needles() == (" 253:2 ",)


def test_a_containers_device_mounted_under_its_kernel_name_is_found_from_mountstats():
    """The captured tmpfs stands in for a thin device that somebody mounted as /dev/dm-7."""
    query = container_mount_matcher(CONTAINER, "docker-254:0-1-" + "f" * 64, "253:7")
    stats = captured("mountstats-host-escapes.txt").splitlines()
    assert [line for line in stats if any(n in line for n in query.line_needles())] == [
        "device /dev/dm-7 mounted on /tmp/cap/tab with fstype tmpfs"]
    assert "/dev/block/253:7" in query.needles


def test_find_holds_finds_this_process_in_its_own_namespace():
    query = MountQuery((" /proc ",), lambda m: m.mount_point == "/proc")
    holds = find_holds(query)
    mine = [h for h in holds if h.namespace == os.readlink("/proc/self/ns/mnt")]
    assert len(mine) == 1 and os.getpid() in [h.pid for h in mine[0].holders]
    assert [m.mount_point for m in mine[0].mounts] == ["/proc"]


def test_the_filesystem_under_a_loop_file_is_found_by_its_device_the_whole_mount_before_a_bind():
    # dockerd's namespace mounts /scratch (254:0) and binds its root /docker-1 of it onto itself:
    # the loop files' device names the whole filesystem, where a statvfs tells its space
    from guardian.observe.mountinfo import mount_of_device
    found = mount_of_device(mounts("mountinfo-dockerd.txt"), "254:0")
    assert (found.root, found.mount_point) == ("/", "/scratch")
    assert mount_of_device(mounts("mountinfo-dockerd.txt"), "8:99") is None
