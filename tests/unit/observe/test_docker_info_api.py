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
    # cut off after "Deferred Removal Enabled": salvaged from the complete pairs
    "001.txt": DockerInfo(storage_driver="devicemapper", pool_name="docker--vg-docker--pool",
                          pool_blocksize_bytes=524288, base_device_size_bytes=BASE_SIZE,
                          backing_filesystem="xfs", data_used_bytes=7591000000, data_total_bytes=14760000000,
                          data_available_bytes=7164000000, metadata_used_bytes=2507000,
                          metadata_total_bytes=25170000, metadata_available_bytes=22660000,
                          min_free_bytes=1475000000, udev_sync_supported=True, deferred_removal=True),
    # the object's opening brace was lost in the paste
    "003.txt": DockerInfo(storage_driver="devicemapper", docker_root_dir="/var/lib/docker",
                          pool_name="docker-253:0-2624099-pool", pool_blocksize_bytes=65536,
                          backing_filesystem="extfs", data_used_bytes=6740000000, data_total_bytes=LOOP_TOTAL,
                          metadata_used_bytes=6484000, metadata_total_bytes=META_TOTAL, udev_sync_supported=True,
                          library_version="1.02.89-RHEL6 (2014-09-01)", kernel_version="2.6.32-431.el6.x86_64",
                          **dict(LOOP, **LOOP_DEVS)),
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
    # a Java client's lower-camel re-serialization ("driverStatuses"), cut after that array
    "007.txt": DockerInfo(storage_driver="devicemapper", docker_root_dir="/var/lib/docker",
                          pool_name="docker-253:1-201992528-pool", pool_blocksize_bytes=65536,
                          base_device_size_bytes=BASE_SIZE, backing_filesystem="xfs", data_used_bytes=15350000000,
                          data_total_bytes=LOOP_TOTAL, data_available_bytes=4296000000,
                          metadata_used_bytes=17380000, metadata_total_bytes=META_TOTAL,
                          metadata_available_bytes=2130000000, min_free_bytes=BASE_SIZE, udev_sync_supported=True,
                          deferred_removal=False, deferred_deletion=False, deferred_deleted_count=0,
                          library_version="1.02.135-RHEL7 (2016-11-16)", **dict(LOOP, **LOOP_DEVS)),
    # docker ~0.10: binary "Mb" (851.8 * 2^20 = 893177036.8, rounds to ...037)
    "009.txt": DockerInfo(storage_driver="devicemapper", kernel_version="3.11.10-301.fc20.x86_64",
                          pool_name="docker-253:1-131550-pool",
                          data_file="/var/lib/docker/devicemapper/devicemapper/data",
                          metadata_file="/var/lib/docker/devicemapper/devicemapper/metadata",
                          data_used_bytes=893177037, data_total_bytes=107374182400,
                          metadata_used_bytes=1572864, metadata_total_bytes=2147483648),
    # a Go [][2]string literal of DriverStatus: no driver name, the pool fields say devicemapper
    "010.txt": DockerInfo(pool_name="docker-8:1-130861-pool", pool_blocksize_bytes=65536,
                          backing_filesystem="extfs", data_used_bytes=2661000000, data_total_bytes=LOOP_TOTAL,
                          data_available_bytes=16800000000, metadata_used_bytes=2683000,
                          metadata_total_bytes=META_TOTAL, metadata_available_bytes=2145000000,
                          udev_sync_supported=False, deferred_removal=False,
                          data_loop_file="/mnt/sda1/var/lib/docker/devicemapper/devicemapper/data",
                          metadata_loop_file="/mnt/sda1/var/lib/docker/devicemapper/devicemapper/metadata",
                          library_version="1.02.82-git (2013-10-04)", **LOOP_DEVS),
}


def test_every_sample_has_an_expectation(names):
    assert names(KIND) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_sample(sample, name):
    assert parse_docker_info_api(sample(KIND, name))._asdict() == EXPECTED[name]._asdict()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_detection_picks_json(sample, name):
    assert parse_docker_info(sample(KIND, name)) == EXPECTED[name]


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


def test_truncated_sample_keeps_only_complete_pairs():
    cut = '{"Driver": "devicemapper", "DriverStatus": [["Pool Name", "p"], ["Data Space Used", "1'
    assert parse_docker_info_api(cut) == DockerInfo(storage_driver="devicemapper", pool_name="p")


def test_driver_without_status():
    assert parse_docker_info_api('{"Driver": "vfs", "DriverStatus": null}') == DockerInfo(storage_driver="vfs")


@pytest.mark.parametrize("payload,message", [
    ('{"ID": "X", "Containers": 2, "Driver": "devicemap',
     "docker info JSON: not valid JSON (Unterminated string starting at"),
    ('{"ID": "X", "Containers": 2, "Driver": "devicemap',
     "and no complete 'Pool Name' DriverStatus pair to salvage"),
    ('{"Driver": "devicemapper", "DriverStatus": [["Pool Blocksize", "65.54 kB"], ["Pool Na',
     "no complete 'Pool Name'"),
    ("", "not valid JSON"),
    ("42", "expected an object or a DriverStatus list, got int"),
    ('{"DriverStatus": [["Pool Name"]]}', "DriverStatus must be a list of [label, value] string pairs"),
    ('[["Pool Name", "p"], ["Data Space Used", "many"]]', "'Data Space Used' has value 'many'"),
])
def test_errors_name_the_problem(payload, message):
    with pytest.raises(ParseError) as caught:
        parse_docker_info_api(payload)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
