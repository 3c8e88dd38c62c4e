"""``GET /info`` JSON (and bare DriverStatus lists): every corpus sample, number by number."""

import json

import pytest

from guardian.errors import ParseError
from guardian.observe.docker_info import DockerInfo, parse_docker_info, parse_docker_info_api

KIND = "info-json"

LOOP_TOTAL = 107400000000
META_TOTAL = 2147000000
BASE_SIZE = 10740000000
LOOP = dict(data_loop_file="/var/lib/docker/devicemapper/devicemapper/data",
            metadata_loop_file="/var/lib/docker/devicemapper/devicemapper/metadata")
LOOP_DEVS = dict(data_file="/dev/loop0", metadata_file="/dev/loop1")
BRIDGE = ("WARNING: bridge-nf-call-iptables is disabled", "WARNING: bridge-nf-call-ip6tables is disabled")
# Multi-line warnings come back on one line, exactly as the text parser gives them.
API_EXPOSED = ("WARNING: API is accessible on http://0.0.0.0:2375 without encryption. Access to the remote "
               "API is equivalent to root access on the host. Refer to the 'Docker daemon attack surface' "
               "section in the documentation for more information: "
               "https://docs.docker.com/engine/security/security/#docker-daemon-attack-surface")
DEPRECATED = "WARNING: the devicemapper storage-driver is deprecated, and will be removed in a future release."
LOOPBACK = ("WARNING: devicemapper: usage of loopback devices is strongly discouraged for production use. "
            "Use `--storage-opt dm.thinpooldev` to specify a custom block storage device.")

# Read off each sample by hand.
EXPECTED = {
    "005.txt": DockerInfo(storage_driver="devicemapper", server_version="19.03.8",
                          kernel_version="3.10.0-327.el7.x86_64", docker_root_dir="/var/lib/docker",
                          pool_name="docker-253:0-307923-pool", pool_blocksize_bytes=65536,
                          base_device_size_bytes=BASE_SIZE, backing_filesystem="xfs", udev_sync_supported=True,
                          data_used_bytes=661500000, data_total_bytes=LOOP_TOTAL, data_available_bytes=46780000000,
                          metadata_used_bytes=970800, metadata_total_bytes=META_TOTAL,
                          metadata_available_bytes=META_TOTAL, min_free_bytes=BASE_SIZE, deferred_removal=True,
                          deferred_deletion=True, deferred_deleted_count=0,
                          library_version="1.02.158-RHEL7 (2019-05-13)",
                          warnings=(API_EXPOSED,) + BRIDGE + (DEPRECATED, LOOPBACK), **dict(LOOP, **LOOP_DEVS)),
    # docker ~0.10: binary "Mb" (851.8 * 2^20 = 893177036.8, rounds to ...037)
    "009.txt": DockerInfo(storage_driver="devicemapper", kernel_version="3.11.10-301.fc20.x86_64",
                          pool_name="docker-253:1-131550-pool",
                          data_file="/var/lib/docker/devicemapper/devicemapper/data",
                          metadata_file="/var/lib/docker/devicemapper/devicemapper/metadata",
                          data_used_bytes=893177037, data_total_bytes=107374182400,
                          metadata_used_bytes=1572864, metadata_total_bytes=2147483648),
}


# Samples that are not what the API answered, refused (the loader drops the '# source:' line).
REFUSED = {
    # cut off after "Deferred Removal Enabled" by a search excerpt
    "001.txt": "docker info: truncated JSON at line 69",
    # pasted into a Javadoc and re-wrapped, without the object's opening brace
    "003.txt": "docker info: not docker info output at line 1: "
               "'\"Containers\":10, \"Debug\":0, \"DockerRootDir\":\"/var/lib/docker\",'",
    # a Java client's lower-camel re-serialization ("driverStatuses"), cut after that array
    "007.txt": "docker info: truncated JSON at line 1",
    # a Go [][2]string literal of DriverStatus, not JSON
    "010.txt": "docker info: not docker info output at line 1: 'info.DriverStatus = [][2]string{'",
}


def test_every_sample_has_an_expectation(names):
    assert names(KIND) == sorted(set(EXPECTED) | set(REFUSED))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_sample(sample, name):
    assert parse_docker_info_api(sample(KIND, name))._asdict() == EXPECTED[name]._asdict()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_detection_picks_json(sample, name):
    assert parse_docker_info(sample(KIND, name)) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_cut_or_rewritten_sample_is_refused(sample, name):
    with pytest.raises(ParseError) as caught:
        parse_docker_info(sample(KIND, name))
    assert str(caught.value) == REFUSED[name]


def test_a_java_clients_lower_camel_keys_are_not_the_api(sample):
    """007 with its closing brace still lacks the API's keys: no guess from 'driver'."""
    with pytest.raises(ParseError) as caught:
        parse_docker_info(sample(KIND, "007.txt") + "}")
    assert str(caught.value).startswith("docker info JSON: no 'Driver' key, so not Docker's /info (keys: "
                                        "['architecture', 'containers', ")


@pytest.mark.parametrize("before, after", [
    ("$ docker info --format '{{json .}}'\n", ""),
    ("# curl -s --unix-socket /var/run/docker.sock http://localhost/info\n", ""),
    ("```json\n", "\n```\n"),
])
def test_a_paste_under_its_prompt_line_or_in_a_code_fence_reads_as_the_output(sample, before, after):
    assert parse_docker_info(before + sample(KIND, "005.txt") + after) == EXPECTED["005.txt"]


def test_decoded_object_and_bare_list(sample):
    obj = json.loads(sample(KIND, "005.txt"))
    assert parse_docker_info_api(obj) == EXPECTED["005.txt"]
    assert parse_docker_info(obj) == EXPECTED["005.txt"]
    assert parse_docker_info_api(obj["DriverStatus"]) == EXPECTED["005.txt"]._replace(
        storage_driver=None, server_version=None, kernel_version=None, docker_root_dir=None, warnings=())


def test_other_driver_parses_without_pool_fields():
    obj = {"Driver": "overlay2", "ServerVersion": "20.10.5", "Warnings": None,
           "DriverStatus": [["Backing Filesystem", "xfs"], ["Supports d_type", "true"]]}
    assert parse_docker_info_api(obj) == DockerInfo(storage_driver="overlay2", backing_filesystem="xfs",
                                                    server_version="20.10.5")


def test_driver_without_status():
    assert parse_docker_info_api('{"Driver": "vfs", "DriverStatus": null}') == DockerInfo(storage_driver="vfs")


@pytest.mark.parametrize("payload,message", [
    ('{"ID": "X", "Containers": 2, "Driver": "devicemap', "docker info: truncated JSON at line 1"),
    ('{"Driver": "devicemapper",\n "DriverStatus": [["Pool Name", "p"], ["Data Space Used", "1',
     "docker info: truncated JSON at line 2"),
    ('{"Driver": "devicemapper",\n "DriverStatus": [["Pool Name", "p"]]\n', "docker info: truncated JSON at line 2"),
    ('{"Driver": "devicemapper"}\n$ ', "docker info: not valid JSON at line 2 column 1 (Extra data)"),
    ("", "docker info: not JSON at line 1: ''"),
    ("42", "docker info: not JSON at line 1: '42'"),
    ('"x"', "docker info: not JSON at line 1: '\"x\"'"),
    ('{"driver": "devicemapper"}', "docker info JSON: no 'Driver' key, so not Docker's /info (keys: ['driver'])"),
    ('{"Driver": "devicemapper", "DriverStatus": [["Pool Name"]]}',
     "DriverStatus must be a list of [label, value] string pairs"),
    ('[["Pool Name", "p"], ["Data Space Used", "many"]]', "'Data Space Used' has value 'many'"),
])
def test_errors_name_the_problem(payload, message):
    with pytest.raises(ParseError) as caught:
        parse_docker_info_api(payload)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
