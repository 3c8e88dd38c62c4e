"""The config file as read from disk: UTF-8 whatever the locale, never a hang on a FIFO or a device,
a size limit, and refused when anyone but root (or, for a non-root developer, themselves) could
have written it. Real files in tmp_path; each bad file gives one line naming the file."""
import os
import subprocess
import sys

import pytest

from guardian.config import load_config
from guardian.config.load import MAX_BYTES, default_trusted_uids
from guardian.errors import ConfigError

ME = frozenset((os.geteuid(),))


def _write(tmp_path, data, mode=0o644, name="config.yaml"):
    path = tmp_path / name
    path.write_bytes(data)
    os.chmod(str(path), mode)
    return str(path)


def _refused(path, trusted=ME):
    with pytest.raises(ConfigError) as caught:
        load_config(path, trusted_uids=trusted)
    assert caught.value.exit_code == 78
    message = str(caught.value)
    assert "\n" not in message and message.startswith("config " + path)
    return message


@pytest.mark.parametrize("data, message", [
    (b"mode: observe\n# caf\xe9\n", "line 2: not UTF-8 (byte 0xe9)"),
    (b"mode: obs\x00erve\n", "line 1: a NUL byte"),
    (b"\xff\xfemode: observe\n", "line 1: not UTF-8 (byte 0xff)"),
    (b"x" * (MAX_BYTES + 1), ": larger than 1048576 bytes"),
])
def test_bad_bytes_are_refused_naming_the_file(tmp_path, data, message):
    path = _write(tmp_path, data)
    assert _refused(path) == "config {}{}".format(path, " " + message if message[0] != ":" else message)


def test_utf8_comment_and_bom_work_under_lang_c(tmp_path):
    path = _write(tmp_path, "\ufeff# déjà vu: ÄÖÜ\nmode: enforce\n".encode("utf-8"))
    code = ("from guardian.config import load_config; import os;"
            "print(load_config({!r}, trusted_uids={{os.geteuid()}}).mode)".format(path))
    env = dict(os.environ, LANG="C", LC_ALL="C", PYTHONIOENCODING="ascii")
    out = subprocess.check_output([sys.executable, "-c", code], env=env,
                                  cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__)))))
    assert out.decode().strip() == "enforce"


def test_fifo_is_refused_without_hanging(tmp_path):
    path = str(tmp_path / "fifo.yaml")
    os.mkfifo(path)
    assert _refused(path) == "config {}: not a regular file".format(path)


def test_symlink_to_dev_zero_is_refused(tmp_path):
    path = str(tmp_path / "zero.yaml")
    os.symlink("/dev/zero", path)
    assert _refused(path, frozenset((0, os.geteuid()))) == "config {}: not a regular file".format(path)


def test_directory_is_refused(tmp_path):
    assert _refused(str(tmp_path)) == "config {}: not a regular file".format(tmp_path)


@pytest.mark.parametrize("mode", [0o666, 0o664, 0o646, 0o620])
def test_group_or_world_writable_file_is_refused(tmp_path, mode):
    path = _write(tmp_path, b"mode: enforce\n", mode)
    assert _refused(path) == (
        "config {}: writable by group or others (mode {:04o}): refused; chmod go-w".format(path, mode))


def test_file_owned_by_an_untrusted_uid_is_refused(tmp_path):
    path = _write(tmp_path, b"mode: enforce\n")
    other = os.geteuid() + 4242
    assert _refused(path, frozenset((other,))) == (
        "config {}: owned by uid {}, not by {}: refused (it decides what is removed)".format(
            path, os.geteuid(), other))


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")
def test_root_refuses_a_file_owned_by_another_user(tmp_path):
    path = _write(tmp_path, b"mode: enforce\n")
    os.chown(path, 4242, 4242)
    assert "owned by uid 4242, not by 0" in _refused(path, default_trusted_uids())


def test_trusted_owners_are_root_and_a_non_root_caller():
    expected = {0} if os.geteuid() == 0 else {0, os.geteuid()}
    assert default_trusted_uids() == expected


def test_good_file_owned_by_a_trusted_uid_loads(tmp_path):
    path = _write(tmp_path, b"mode: enforce\n", 0o600)
    assert load_config(path, trusted_uids=ME).mode == "enforce"
