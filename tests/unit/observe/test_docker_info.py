"""``docker info`` text: every corpus sample, checked number by number."""

import pytest

from guardian.errors import ParseError
from guardian.observe.docker_info import DockerInfo, parse_docker_info, parse_docker_info_text

KIND = "docker-info"

# Values that recur across samples (Docker's decimal rounding of its loop-lvm defaults).
LOOP_TOTAL = 107400000000  # "107.4 GB": the 100 GiB sparse data file
META_TOTAL = 2147000000  # "2.147 GB": the 2 GiB sparse metadata file
BASE_SIZE = 10740000000  # "10.74 GB": dm.basesize 10 GiB, also the default min free space
BLOCK_64K = 65536  # "65.54 kB" is a rounded 64 KiB pool block
BLOCK_512K = 524288  # "524.3 kB" is a rounded 512 KiB pool block
LOOP = dict(data_loop_file="/var/lib/docker/devicemapper/devicemapper/data",
            metadata_loop_file="/var/lib/docker/devicemapper/devicemapper/metadata")
LOOP_DEVS = dict(data_file="/dev/loop0", metadata_file="/dev/loop1")
DEFERRED_OFF = dict(deferred_removal=False, deferred_deletion=False, deferred_deleted_count=0)
DEFERRED_ON = dict(deferred_removal=True, deferred_deletion=True, deferred_deleted_count=0)
LOOPBACK_OLD = ("WARNING: Usage of loopback devices is strongly discouraged for production use. "
                "Use `--storage-opt dm.thinpooldev` to specify a custom block storage device.")
LOOPBACK_NEW = ("WARNING: devicemapper: usage of loopback devices is strongly discouraged for production "
                "use. Use `--storage-opt dm.thinpooldev` to specify a custom block storage device.")
BRIDGE = ("WARNING: bridge-nf-call-iptables is disabled", "WARNING: bridge-nf-call-ip6tables is disabled")
DEPRECATED = "WARNING: the devicemapper storage-driver is deprecated, and will be removed in a future release."


def dm(**fields):
    return DockerInfo(storage_driver="devicemapper", **fields)


# Read off each sample by hand. Sizes are the printed decimal figures times 1000^n.
EXPECTED = {
    "001.txt": dm(pool_name="docker-253:0-278707-pool", pool_blocksize_bytes=BLOCK_64K,
                  backing_filesystem="extfs", data_file="/dev/loop3", metadata_file="/dev/loop4",
                  data_used_bytes=567700000, data_total_bytes=LOOP_TOTAL, data_available_bytes=3827000000,
                  metadata_used_bytes=1004000, metadata_total_bytes=META_TOTAL,
                  metadata_available_bytes=2146000000, udev_sync_supported=True,
                  library_version="1.02.93 (2015-01-30)", kernel_version="4.0.1-300.fc22.x86_64", **LOOP),
    "003.txt": dm(pool_name="docker-253:0-4655104-pool", pool_blocksize_bytes=BLOCK_64K,
                  backing_filesystem="<unknown>", data_file="/dev/atomicos/docker-data",
                  metadata_file="/dev/atomicos/docker-meta", data_used_bytes=11800000,
                  data_total_bytes=4123000000, metadata_used_bytes=53250, metadata_total_bytes=8389000,
                  udev_sync_supported=True, library_version="1.02.93 (2015-01-30)",
                  kernel_version="3.18.7-200.fc21.x86_64"),
    "005.txt": dm(server_version="1.12.1", pool_name="docker-253:1-650320-pool", pool_blocksize_bytes=BLOCK_64K,
                  base_device_size_bytes=BASE_SIZE, backing_filesystem="xfs", data_used_bytes=5223000000,
                  data_total_bytes=LOOP_TOTAL, data_available_bytes=44740000000, metadata_used_bytes=6988000,
                  metadata_total_bytes=META_TOTAL, metadata_available_bytes=2140000000,
                  min_free_bytes=BASE_SIZE, udev_sync_supported=True,
                  data_loop_file=LOOP["data_loop_file"], warnings=(LOOPBACK_OLD,), **dict(LOOP_DEVS, **DEFERRED_OFF)),
    "007.txt": dm(pool_name="docker-253:0-202318689-pool", pool_blocksize_bytes=BLOCK_64K,
                  backing_filesystem="xfs", data_file="/dev/vg-docker/data",
                  metadata_file="/dev/vg-docker/metadata", data_used_bytes=16660000000,
                  data_total_bytes=160000000000, data_available_bytes=143300000000,
                  metadata_used_bytes=14010000, metadata_total_bytes=10740000000,
                  metadata_available_bytes=10720000000),
    "009.txt": dm(server_version="1.12.6", pool_name="docker-thinpool", pool_blocksize_bytes=BLOCK_512K,
                  base_device_size_bytes=BASE_SIZE, backing_filesystem="xfs"),
    "011.txt": dm(server_version="18.06.2-ce", pool_name="docker-253:1-34025556-pool",
                  pool_blocksize_bytes=BLOCK_64K, base_device_size_bytes=BASE_SIZE, backing_filesystem="xfs",
                  udev_sync_supported=True, data_used_bytes=390600000, data_total_bytes=LOOP_TOTAL,
                  data_available_bytes=3965000000, metadata_used_bytes=17900000,
                  metadata_total_bytes=META_TOTAL, metadata_available_bytes=2130000000,
                  **dict(LOOP, **LOOP_DEVS)),
    "015.txt": dm(server_version="1.10.3", pool_name="docker-253:1-100663428-pool",
                  pool_blocksize_bytes=BLOCK_64K, base_device_size_bytes=BASE_SIZE, backing_filesystem="xfs",
                  data_file="/dev/loop2", metadata_file="/dev/loop3", data_used_bytes=1298000000,
                  data_total_bytes=LOOP_TOTAL, data_available_bytes=9556000000, metadata_used_bytes=2306000,
                  metadata_total_bytes=META_TOTAL, metadata_available_bytes=2145000000),
    "017.txt": dm(pool_name="docker-253:6-131075-pool", pool_blocksize_bytes=BLOCK_64K,
                  data_file="/home/docker/devicemapper/devicemapper/data",
                  metadata_file="/home/docker/devicemapper/devicemapper/metadata", data_used_bytes=1720000000,
                  data_total_bytes=LOOP_TOTAL, metadata_used_bytes=2732000, metadata_total_bytes=META_TOTAL,
                  library_version="1.02.79 (2013-08-13)", kernel_version="3.14.18"),
    "019.txt": dm(server_version="17.03.0-ce", pool_name="docker-thinpool", pool_blocksize_bytes=BLOCK_512K,
                  base_device_size_bytes=BASE_SIZE, backing_filesystem="xfs", data_used_bytes=52320000000,
                  data_total_bytes=65280000000, data_available_bytes=12960000000, metadata_used_bytes=14000000,
                  metadata_total_bytes=683700000, metadata_available_bytes=669700000,
                  min_free_bytes=6527000000, udev_sync_supported=True, deferred_removal=True,
                  deferred_deletion=False, deferred_deleted_count=0,
                  library_version="1.02.135-RHEL7 (2016-11-16)"),
    "021.txt": dm(server_version="1.13.0", pool_name="docker-253:0-968-pool", pool_blocksize_bytes=BLOCK_64K,
                  base_device_size_bytes=BASE_SIZE, backing_filesystem="ext4", data_file="/dev/loop0"),
    "023.txt": dm(pool_name="docker-254:3-12587682-pool", pool_blocksize_bytes=BLOCK_64K,
                  backing_filesystem="extfs", data_used_bytes=66910000000, data_total_bytes=LOOP_TOTAL,
                  data_available_bytes=40460000000, metadata_used_bytes=52620000,
                  metadata_total_bytes=META_TOTAL, metadata_available_bytes=2095000000,
                  udev_sync_supported=True, deferred_removal=False, library_version="1.02.102 (2015-07-07)",
                  kernel_version="4.1.3-1-ARCH", **dict(LOOP, **LOOP_DEVS)),
    # the inline WARNING sits between the two loop-file lines
    "025.txt": dm(pool_name="docker-8:1-67109312-pool", pool_blocksize_bytes=BLOCK_64K,
                  base_device_size_bytes=BASE_SIZE, backing_filesystem="xfs", data_used_bytes=1370000000,
                  data_total_bytes=LOOP_TOTAL, data_available_bytes=33350000000, metadata_used_bytes=2146000,
                  metadata_total_bytes=META_TOTAL, metadata_available_bytes=2145000000,
                  min_free_bytes=BASE_SIZE, udev_sync_supported=True,
                  library_version="1.02.135-RHEL7 (2016-11-16)", warnings=(LOOPBACK_OLD,),
                  **dict(LOOP, **dict(LOOP_DEVS, **DEFERRED_OFF))),
    "027.txt": dm(server_version="1.12.0-dev", pool_name="docker-8:19-16121929-pool",
                  pool_blocksize_bytes=BLOCK_64K, base_device_size_bytes=BASE_SIZE, backing_filesystem="xfs",
                  data_used_bytes=265900000, data_total_bytes=LOOP_TOTAL, data_available_bytes=107100000000,
                  metadata_used_bytes=696300, metadata_total_bytes=META_TOTAL,
                  metadata_available_bytes=META_TOTAL, min_free_bytes=BASE_SIZE, udev_sync_supported=True,
                  data_loop_file=LOOP["data_loop_file"], **dict(LOOP_DEVS, **DEFERRED_ON)),
    "029.txt": dm(pool_name="vg001-docker--pool", pool_blocksize_bytes=BLOCK_512K, backing_filesystem="xfs",
                  data_used_bytes=20450000, data_total_bytes=20400000000, data_available_bytes=20380000000,
                  metadata_used_bytes=49150),
    "031.txt": dm(server_version="1.12.1-rc2", pool_name="docker_lvm_vg-docker_lvm",
                  pool_blocksize_bytes=BLOCK_512K, base_device_size_bytes=8590000000, backing_filesystem="xfs",
                  data_used_bytes=3343000000, data_total_bytes=52940000000, data_available_bytes=49590000000,
                  metadata_used_bytes=1020000, metadata_total_bytes=209700000,
                  metadata_available_bytes=208700000, min_free_bytes=3705000000, udev_sync_supported=True,
                  deferred_removal=True, deferred_deletion=False, deferred_deleted_count=0,
                  library_version="1.02.107-RHEL7 (2016-06-09)", kernel_version="3.10.0-327.28.2.el7.x86_64"),
    # 19.03 Client:/Server: layout with a trailing WARNING block (one warning on two lines)
    "041.txt": dm(server_version="19.03.5", pool_name="docker-253:0-350832-pool", pool_blocksize_bytes=BLOCK_64K,
                  base_device_size_bytes=BASE_SIZE, backing_filesystem="xfs", udev_sync_supported=True,
                  data_used_bytes=11800000, data_total_bytes=LOOP_TOTAL, data_available_bytes=LOOP_TOTAL,
                  metadata_used_bytes=581600, metadata_total_bytes=META_TOTAL,
                  metadata_available_bytes=META_TOTAL, min_free_bytes=BASE_SIZE,
                  library_version="1.02.158-RHEL7 (2019-05-13)", kernel_version="3.10.0-327.el7.x86_64",
                  docker_root_dir="/var/lib/docker", warnings=BRIDGE + (DEPRECATED, LOOPBACK_NEW),
                  **dict(LOOP, **dict(LOOP_DEVS, **DEFERRED_ON))),
    "043.txt": dm(server_version="19.03.12", pool_name="docker-253:0-25195331-pool",
                  pool_blocksize_bytes=BLOCK_64K, base_device_size_bytes=BASE_SIZE, backing_filesystem="xfs",
                  udev_sync_supported=True, data_used_bytes=2637000000, data_total_bytes=LOOP_TOTAL,
                  data_available_bytes=2680000000, metadata_used_bytes=3023000, metadata_total_bytes=META_TOTAL,
                  metadata_available_bytes=2144000000, min_free_bytes=BASE_SIZE,
                  library_version="1.02.146-RHEL7 (2018-01-22)", kernel_version="3.10.0-862.14.4.el7.x86_64",
                  docker_root_dir="/var/lib/docker", **dict(LOOP, **dict(LOOP_DEVS, **DEFERRED_ON))),
    "045.txt": dm(pool_name="docker-253:1-50336964-pool", pool_blocksize_bytes=BLOCK_64K,
                  base_device_size_bytes=BASE_SIZE, backing_filesystem="xfs", udev_sync_supported=True,
                  data_used_bytes=17350000000, data_total_bytes=LOOP_TOTAL, data_available_bytes=4350000000,
                  metadata_used_bytes=27340000, metadata_total_bytes=META_TOTAL,
                  metadata_available_bytes=2120000000, min_free_bytes=BASE_SIZE,
                  library_version="1.02.149-RHEL7 (2018-07-20)", **dict(LOOP, **dict(LOOP_DEVS, **DEFERRED_ON))),
    "049.txt": dm(pool_name="docker-253:0-6029417-pool", pool_blocksize_bytes=BLOCK_64K,
                  backing_filesystem="extfs", data_used_bytes=505900000, data_total_bytes=LOOP_TOTAL,
                  data_available_bytes=106900000000, metadata_used_bytes=1311000, metadata_total_bytes=META_TOTAL,
                  metadata_available_bytes=2146000000, udev_sync_supported=True, deferred_removal=False,
                  library_version="1.02.95-RHEL6 (2015-09-08)", kernel_version="2.6.32-642.6.2.el6.x86_64",
                  docker_root_dir="/var/lib/docker", **dict(LOOP, **LOOP_DEVS)),
    "051.txt": DockerInfo(data_used_bytes=312000000, data_total_bytes=16590000000,
                          data_available_bytes=16280000000),
    # 0.7-dev: "Driver:" and binary "Mb" (2405.4 * 2^20, 102400.0 * 2^20 = 100 GiB ...)
    "054.txt": dm(pool_name="docker-0:31-15505662-pool",
                  data_file="/var/lib/docker/devicemapper/devicemapper/data",
                  metadata_file="/var/lib/docker/devicemapper/devicemapper/metadata",
                  data_used_bytes=2522244710, data_total_bytes=107374182400, metadata_used_bytes=2411725,
                  metadata_total_bytes=2147483648, kernel_version="3.11.4-300.1.fc20.x86_64"),
    "055.txt": dm(server_version="1.9.1", pool_name="docker-253:0-10499681-pool", pool_blocksize_bytes=BLOCK_64K,
                  base_device_size_bytes=LOOP_TOTAL, data_used_bytes=295900000, data_total_bytes=LOOP_TOTAL,
                  data_available_bytes=3611000000, metadata_used_bytes=716800, metadata_total_bytes=META_TOTAL,
                  metadata_available_bytes=META_TOTAL, udev_sync_supported=True,
                  library_version="1.02.107-RHEL7 (2015-12-01)", kernel_version="3.10.0-327.el7.x86_64",
                  **dict(LOOP, **dict(LOOP_DEVS, **DEFERRED_OFF))),
    "059.txt": dm(pool_name="store-tpool-tpool", pool_blocksize_bytes=BLOCK_64K, backing_filesystem="extfs",
                  data_used_bytes=739700000, data_total_bytes=10740000000, data_available_bytes=9998000000,
                  metadata_used_bytes=761900, metadata_total_bytes=12580000, metadata_available_bytes=11820000,
                  udev_sync_supported=False, deferred_removal=False, library_version="1.02.82-git (2013-10-04)",
                  kernel_version="3.16.0-30-generic"),
    # every indent lost; the WARNING lacks its backticks
    "061.txt": dm(server_version="1.12.3-rc1", pool_name="docker-8:16-134217866-pool",
                  pool_blocksize_bytes=BLOCK_64K, base_device_size_bytes=BASE_SIZE, backing_filesystem="xfs",
                  data_file="/dev/loop4", metadata_file="/dev/loop5", data_used_bytes=63440000,
                  data_total_bytes=LOOP_TOTAL, data_available_bytes=107200000000, metadata_used_bytes=667600,
                  metadata_total_bytes=META_TOTAL, metadata_available_bytes=META_TOTAL, min_free_bytes=BASE_SIZE,
                  udev_sync_supported=True, data_loop_file="/data/docker/devicemapper/devicemapper/data",
                  metadata_loop_file="/data/docker/devicemapper/devicemapper/metadata",
                  library_version="1.02.107-RHEL7 (2016-06-09)", kernel_version="3.10.0-327.36.3.el7.x86_64",
                  warnings=("WARNING: Usage of loopback devices is strongly discouraged for production use. "
                            "Use --storage-opt dm.thinpooldev to specify a custom block storage device.",),
                  **DEFERRED_OFF),
    "063.txt": dm(server_version="1.12.4", pool_name="docker-8:1-1072929-pool", pool_blocksize_bytes=BLOCK_64K,
                  base_device_size_bytes=BASE_SIZE, backing_filesystem="xfs", data_used_bytes=525500000,
                  data_total_bytes=LOOP_TOTAL, data_available_bytes=8327000000, metadata_used_bytes=1384000,
                  metadata_total_bytes=META_TOTAL, metadata_available_bytes=2146000000, min_free_bytes=BASE_SIZE,
                  udev_sync_supported=True, library_version="1.02.135-RHEL7 (2016-09-28)",
                  kernel_version="3.10.0-514.2.2.el7.x86_64", warnings=(LOOPBACK_OLD,),
                  **dict(LOOP, **dict(LOOP_DEVS, **DEFERRED_OFF))),
    "065.txt": dm(server_version="18.05.0-ce", pool_name="docker-8:3-1049277-pool", pool_blocksize_bytes=BLOCK_64K,
                  base_device_size_bytes=BASE_SIZE, backing_filesystem="xfs", udev_sync_supported=True,
                  data_used_bytes=39980000, data_total_bytes=LOOP_TOTAL, data_available_bytes=1235000000,
                  metadata_used_bytes=643100, metadata_total_bytes=META_TOTAL, metadata_available_bytes=1235000000,
                  min_free_bytes=BASE_SIZE, library_version="1.02.146-RHEL7 (2018-01-22)",
                  kernel_version="3.10.0-327.el7.x86_64", docker_root_dir="/var/lib/docker",
                  warnings=(LOOPBACK_NEW,) + BRIDGE, **dict(LOOP, **dict(LOOP_DEVS, **DEFERRED_ON))),
    "067.txt": dm(server_version="1.12.6", pool_name="docker-8:5-255288-pool", pool_blocksize_bytes=BLOCK_64K,
                  base_device_size_bytes=BASE_SIZE, backing_filesystem="xfs", data_used_bytes=686700000,
                  data_total_bytes=LOOP_TOTAL, data_available_bytes=106700000000, metadata_used_bytes=1229000,
                  metadata_total_bytes=META_TOTAL, metadata_available_bytes=2146000000, min_free_bytes=BASE_SIZE,
                  udev_sync_supported=True, library_version="1.02.135-RHEL7 (2016-09-28)",
                  kernel_version="3.10.0-229.el7.x86_64", warnings=(LOOPBACK_OLD,),
                  **dict(LOOP, **dict(LOOP_DEVS, **DEFERRED_ON))),
}


# Samples that are not what docker info printed, refused at the first line it did not print (the
# loader drops the '# source:' line: line N here is line N+1 of the file).
REFUSED = {
    "013.txt": "docker info: not docker info output at line 5: '**Data Space Available: 0B**'",  # markdown bold
    "033.txt": "docker info: not docker info output at line 7: '[...]'",  # docs elisions
    "035.txt": "docker info: not docker info output at line 1: '[...]'",
    "037.txt": "docker info: not docker info output at line 24: '<output truncated>'",
    "038.txt": "docker info: not docker info output at line 28: '<...>'",
    "039.txt": "docker info: not docker info output at line 26: '<...>'",
    "047.txt": "docker info: not docker info output at line 17: '... ...'",  # a blog's elision (and a note)
    "053.txt": "docker info: not docker info output at line 12: '...'",
    "057.txt": "docker info: not docker info output at line 1: '`Containers: 21'",  # a markdown tick
}


def test_every_sample_has_an_expectation(names):
    assert names(KIND) == sorted(set(EXPECTED) | set(REFUSED))
    assert not set(EXPECTED) & set(REFUSED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_sample(sample, name):
    assert parse_docker_info_text(sample(KIND, name))._asdict() == EXPECTED[name]._asdict()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_detection_picks_text(sample, name):
    assert parse_docker_info(sample(KIND, name)) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_an_edited_sample_is_refused_at_its_first_edited_line(sample, name):
    with pytest.raises(ParseError) as caught:
        parse_docker_info(sample(KIND, name))
    assert str(caught.value) == REFUSED[name]


@pytest.mark.parametrize("before, after", [
    ("$ docker info\n", ""),
    ("[root@host ~]# docker info\n", ""),
    ("user@host:~$ sudo docker info 2>&1\n", "[root@host ~]#\n"),
    ("```\n", "```\n"),
    ("```console\n$ docker info\n", "$\n```\n"),
    ("\n$ docker info\n```\n", "```\n"),
])
def test_a_paste_under_its_prompt_line_or_in_a_code_fence_reads_as_the_output(sample, before, after):
    text = sample(KIND, "041.txt")
    assert parse_docker_info(before + text + after) == EXPECTED["041.txt"]


@pytest.mark.parametrize("before, after, message", [
    ("```\n", "", "docker info: the ``` code fence opened at line 1 is not closed (a cut paste?)"),
    ("$ docker ps\n", "", "docker info: not docker info output at line 1: '$ docker ps'"),
    ("", "$ docker ps\n", "docker info: not docker info output at line 70: '$ docker ps'"),
])
def test_a_paste_with_more_than_the_output_is_refused(sample, before, after, message):
    with pytest.raises(ParseError) as caught:
        parse_docker_info(before + sample(KIND, "041.txt") + after)
    assert str(caught.value) == message


def test_client_section_does_not_count():
    text = ("Client:\n Debug Mode: false\n Storage Driver: bogus\n\n"
            "Server:\n Storage Driver: devicemapper\n  Pool Name: p\n")
    assert parse_docker_info_text(text) == DockerInfo(storage_driver="devicemapper", pool_name="p")


def test_trailing_spaces_and_crlf():
    text = "Storage Driver: devicemapper  \r\n Data Space Used: 1.5 GB \r\n Udev Sync Supported: true\r\n"
    assert parse_docker_info_text(text) == DockerInfo(storage_driver="devicemapper", data_used_bytes=1500000000,
                                                      udev_sync_supported=True)


def test_other_driver_parses_without_pool_fields():
    text = ("Server Version: 20.10.5\nStorage Driver: overlay2\n Backing Filesystem: xfs\n"
            " Supports d_type: true\n Native Overlay Diff: true\nKernel Version: 3.10.0-1160.el7.x86_64\n")
    assert parse_docker_info_text(text) == DockerInfo(
        storage_driver="overlay2", backing_filesystem="xfs", server_version="20.10.5",
        kernel_version="3.10.0-1160.el7.x86_64")


@pytest.mark.parametrize("text,message", [
    ("", "docker info: no 'Storage Driver' or 'Driver' field found"),
    ("Client:\n Debug Mode: false\n\nServer:\nERROR: Cannot connect to the Docker daemon at "
     "unix:///var/run/docker.sock. Is the docker daemon running?\n",
     "it says 'ERROR: Cannot connect to the Docker daemon"),
    ("total 4\ndrwxr-xr-x 2 root root 4096 data\n", "not docker info output at line 1: 'total 4'"),
    ("Client:\n Debug Mode: false\n\nServer:\nERROR: Cannot connect to the Docker daemon at "
     "unix:///var/run/docker.sock. Is the docker daemon running?\nerrors pretty printing info\n",
     "it says 'ERROR: Cannot connect to the Docker daemon"),
    ("Cannot connect to the Docker daemon. Is the docker daemon running on this host?\n",
     "it says 'Cannot connect to the Docker daemon. Is the docker daemon running on this host?'"),
    ("Storage Driver: devicemapper\n Pool Name: docker-pool     # the pool LVM made\n",
     "'Pool Name' has value 'docker-pool     # the pool LVM made': a pool name is one word"),
    ("Storage Driver: devicemapper\n Data Space Used: lots\n", "'Data Space Used' has value 'lots'"),
    ("Storage Driver: devicemapper\n Data Space Total: 12 XB\n", "unknown unit 'XB'"),
    ("Storage Driver: devicemapper\n Udev Sync Supported: yes\n", "expected true or false"),
    ("Storage Driver: devicemapper\n Deferred Deleted Device Count: many\n", "expected a whole number"),
])
def test_errors_name_the_problem(text, message):
    with pytest.raises(ParseError) as caught:
        parse_docker_info_text(text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("printed,block", [
    ("65.54 kB", 65536),
    ("524.3kB", 524288),
    ("1.049 MB", 1048576),
    ("1.074 GB", 1073741824),  # the largest dm-thin block; a 64 KiB snap alone would be off by 256 KiB
    ("196.6 kB", 196608),  # 3 x 64 KiB: allowed by dm-thin, not a power of two
])
def test_pool_blocksize_undoes_docker_rounding(printed, block):
    text = "Storage Driver: devicemapper\n Pool Blocksize: %s\n" % printed
    assert parse_docker_info_text(text).pool_blocksize_bytes == block


def test_pool_blocksize_zero_is_an_error():
    with pytest.raises(ParseError) as caught:
        parse_docker_info_text("Storage Driver: devicemapper\n Pool Blocksize: 0 B\n")
    assert "'Pool Blocksize' has value '0 B': a pool block size must be positive" in str(caught.value)
