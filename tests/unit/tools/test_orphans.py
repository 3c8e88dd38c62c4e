"""Docker's devicemapper metadata directory read for the orphan search: every file counts."""
import os

import pytest

from guardian.decide.orphans import DockerDevice
from guardian.errors import GuardianError
from guardian.observe.docker_files import Transaction
from guardian.tools.orphans import read_records
from tests.unit.observe.conftest import load_sample

# The corpus's files of one Docker 17.05 host, under the names it gave them.
FILES = {"base": "001.txt", "transaction-metadata": "002.txt",
         "15648f4feb33eb9eb2043e85bfe428601781b3c9822e4360190b91c1f7049aa3": "004.txt",
         "c5dda0293b58cc885407f9b74916cfdbb258e2df812211dd52bfb66c98c420a7": "005.txt",
         "ceae62f8d450d03e56a9c5adab60be9b3eedecdb95b0709d60c6f499c68cac11-init": "008.txt"}


@pytest.fixture
def root(tmp_path):
    directory = tmp_path / "devicemapper" / "metadata"
    directory.mkdir(parents=True)
    for name, sample in FILES.items():
        (directory / name).write_text(load_sample("dm-metadata", sample))
    (directory / "deviceset-metadata").write_text('{"next_device_id":1}')
    return str(tmp_path)


def test_every_device_file_names_its_id_and_the_transaction_is_read(root):
    records = read_records(root)
    assert sorted(records.named) == [1, 2, 5, 6]
    assert records.named[1] == DockerDevice("base", False)
    assert records.transaction == Transaction(5, "c5dda0293b58cc885407f9b74916cfdbb258e2df812211dd52bfb66c98c420a7", 5)
    assert records.unreadable == ()


def test_a_file_that_cannot_be_read_is_kept_as_unreadable_never_skipped(root):
    path = os.path.join(root, "devicemapper", "metadata", ".tmp-ab12")
    with open(path, "w") as handle:
        handle.write('{"device_id":9,"size":')
    records = read_records(root)
    assert [p for p, _ in records.unreadable] == [path]


def test_a_root_without_devicemapper_metadata_is_one_line_naming_it(tmp_path):
    with pytest.raises(GuardianError) as caught:
        read_records(str(tmp_path))
    assert str(caught.value).startswith(str(tmp_path / "devicemapper" / "metadata"))
    assert "give --docker-root" in str(caught.value)


def test_a_file_an_older_docker_wrote_without_deleted_still_names_its_device(root):
    path = os.path.join(root, "devicemapper", "metadata", "ab" * 32)
    with open(path, "w") as handle:
        handle.write('{"device_id":40,"size":10737418240,"transaction_id":40,"initialized":false}')
    assert read_records(root).named[40] == DockerDevice("ab" * 32, False)
