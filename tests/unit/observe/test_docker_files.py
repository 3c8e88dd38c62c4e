"""Docker's devicemapper metadata files and ``docker inspect`` GraphDriver data."""

import json

import pytest

from guardian.errors import ParseError
from guardian.observe.docker_files import (
    DeviceMetadata, GraphDriverDevice, Transaction, parse_device_metadata, parse_graphdriver, parse_graphdrivers,
    parse_transaction_metadata)

TEN_GIB = 10737418240

# Read off each sample by hand: which file it is, and what it holds.
METADATA = {
    "001.txt": (parse_device_metadata, DeviceMetadata(1, TEN_GIB, 1, True, False)),  # "base"
    "002.txt": (parse_transaction_metadata, Transaction(
        5, "c5dda0293b58cc885407f9b74916cfdbb258e2df812211dd52bfb66c98c420a7", 5)),  # transaction-metadata
    "004.txt": (parse_device_metadata, DeviceMetadata(2, TEN_GIB, 2, False, False)),
    "005.txt": (parse_device_metadata, DeviceMetadata(5, TEN_GIB, 5, False, False)),
    "006.txt": (parse_device_metadata, DeviceMetadata(3, TEN_GIB, 3, False, False)),
    "007.txt": (parse_device_metadata, DeviceMetadata(4, TEN_GIB, 4, False, False)),
    "008.txt": (parse_device_metadata, DeviceMetadata(6, TEN_GIB, 6, False, False)),
    "009.txt": (parse_device_metadata, DeviceMetadata(7, TEN_GIB, 7, False, False)),
    "010.txt": (parse_device_metadata, DeviceMetadata(34709, TEN_GIB, 844170, False, False)),
}

GRAPHDRIVERS = {
    "001.txt": GraphDriverDevice("devicemapper", 139, "docker-253:0-559511492-aa5ca2480c3fb5665db23937f543319"
                                 "feb0a5c36b09b31c396230280a80d6a69", 107374182400),
    "003.txt": GraphDriverDevice("devicemapper", 71, "docker-252:1-262198-05f711fc64a60ff6381d516287cb1dffd04c9"
                                 "704a27c6496d01a6f64049656e9", TEN_GIB),
    "005.txt": GraphDriverDevice("devicemapper", 286, "docker-253:0-67183793-079fe28f5109fad562526543bd93b63ae"
                                 "39214c66afdfaf4172d1a6f41bdd0db", TEN_GIB),
    "007.txt": GraphDriverDevice("devicemapper", 36, "docker-253:1-132971-fcb29d4645d296034f08c235ac50ad21fb4f"
                                 "43720fb0ee124bfff8ca45690528", TEN_GIB),
    "009.txt": GraphDriverDevice("devicemapper", 46, "docker-253:0-3151424-e13853936b449f9bd9a2576c667f16985f"
                                 "3cc0ff6aef95785d85a57b8049b9a5", TEN_GIB),
}


def test_every_metadata_sample_has_an_expectation(names):
    assert names("dm-metadata") == sorted(METADATA)


def test_every_graphdriver_sample_has_an_expectation(names):
    assert names("inspect-graphdriver") == sorted(GRAPHDRIVERS)


@pytest.mark.parametrize("name", sorted(METADATA))
def test_metadata_sample(sample, name):
    parse, expected = METADATA[name]
    assert parse(sample("dm-metadata", name)) == expected


def graphdriver_of(sample, name):
    """The GraphDriver object a sample shows. The samples are excerpts (the '"GraphDriver": {...},'
    member of an inspect object), which the parser refuses as text; the object in them is verbatim,
    and an object is what the Docker client hands the parser."""
    return json.loads("{%s}" % sample("inspect-graphdriver", name).strip().rstrip(","))["GraphDriver"]


@pytest.mark.parametrize("name", sorted(GRAPHDRIVERS))
def test_graphdriver_sample(sample, name):
    assert parse_graphdriver(graphdriver_of(sample, name)) == GRAPHDRIVERS[name]
    assert parse_graphdriver([{"Id": "sha256:x", "GraphDriver": graphdriver_of(sample, name)}]) == GRAPHDRIVERS[name]


@pytest.mark.parametrize("name", sorted(GRAPHDRIVERS))
def test_an_excerpt_of_inspect_output_is_refused(sample, name):
    with pytest.raises(ParseError) as caught:
        parse_graphdriver(sample("inspect-graphdriver", name))
    assert str(caught.value) == "docker inspect: not JSON at line 1: '\"GraphDriver\": {'"


def test_inspect_output_cut_short_is_refused(sample):
    whole = json.dumps([{"Id": "sha256:x", "GraphDriver": graphdriver_of(sample, "003.txt")}], indent=4)
    with pytest.raises(ParseError) as caught:
        parse_graphdriver(whole[:len(whole) // 2])
    assert str(caught.value) == "docker inspect: truncated JSON at line %d" % (whole[:len(whole) // 2].count("\n") + 1)


def test_every_inspect_shape(sample):
    graph = graphdriver_of(sample, "003.txt")
    expected = GRAPHDRIVERS["003.txt"]
    assert parse_graphdriver(graph) == expected
    assert parse_graphdriver({"Id": "sha256:x", "GraphDriver": graph}) == expected
    assert parse_graphdriver(json.dumps([{"Id": "sha256:x", "GraphDriver": graph}])) == expected
    assert parse_graphdrivers([{"GraphDriver": graph}, {"GraphDriver": graph}]) == [expected, expected]


def test_other_drivers_have_no_device():
    overlay = {"GraphDriver": {"Name": "overlay2", "Data": {"LowerDir": "/a", "UpperDir": "/b"}}}
    assert parse_graphdriver(overlay) == GraphDriverDevice("overlay2")
    assert parse_graphdriver({"GraphDriver": {"Name": "vfs", "Data": None}}) == GraphDriverDevice("vfs")


@pytest.mark.parametrize("parse,text,message", [
    (parse_device_metadata, "", "device metadata: not JSON at line 1: ''"),
    (parse_device_metadata, '{"device_id":1,"size":10,', "device metadata: truncated JSON at line 1"),
    (parse_device_metadata, "[1]", "device metadata: expected a JSON object, got list"),
    (parse_device_metadata, '{"device_id":1,"size":10,"transaction_id":1,"initialized":true}',
     "device metadata: 'deleted' must be bool, got None"),
    (parse_device_metadata, '{"device_id":true,"size":10,"transaction_id":1,"initialized":true,"deleted":false}',
     "device metadata: 'device_id' must be int, got True"),
    (parse_graphdriver, "", "docker inspect: not JSON at line 1: ''"),
    (parse_graphdriver, "[]", "docker inspect: expected one object, got 0"),
    (parse_graphdriver, '{"Id": "x"}', "docker inspect: no GraphDriver with a 'Name' found (keys: Id)"),
    (parse_graphdriver, '["x"]', "docker inspect: expected an object, got str"),
    (parse_graphdriver, '{"GraphDriver": {"Name": "devicemapper", "Data": {"DeviceId": "x1"}}}',
     "GraphDriver.Data.DeviceId must be a whole number, got 'x1'"),
])
def test_errors_name_the_problem(parse, text, message):
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert message in str(caught.value)


@pytest.mark.parametrize("text, message", [
    ('{"GraphDriver": {"Name": "devicemapper", "Data": {"DeviceId": "\u00b2"}}}',
     "docker inspect: GraphDriver.Data.DeviceId must be a whole number, got '\u00b2'"),
    ('{"GraphDriver": {"Name": "devicemapper", "Data": [1]}}',
     "docker inspect: GraphDriver must have a string Name and an object Data, got "
     "{'Name': 'devicemapper', 'Data': [1]}"),
    ('{"GraphDriver": {"Name": 5}}',
     "docker inspect: GraphDriver must have a string Name and an object Data, got {'Name': 5}"),
    ("[" * 200000 + "]" * 200000,
     "docker inspect: not valid JSON (nested too deeply)"),
])
def test_hostile_inspect_output_is_one_parse_error(text, message):
    with pytest.raises(ParseError) as caught:
        parse_graphdriver(text)
    assert str(caught.value) == message


@pytest.mark.parametrize("text", ['{"open_transaction_id":"5","device_hash":"h","device_id":5}',
                                  '{"open_transaction_id":5,"device_id":5}', '[5]'])
def test_a_transaction_metadata_file_without_its_three_fields_is_refused_in_one_line(text):
    with pytest.raises(ParseError) as caught:
        parse_transaction_metadata(text)
    assert "transaction metadata" in str(caught.value) and "\n" not in str(caught.value)
