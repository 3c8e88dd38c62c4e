"""Corpus loader shared by the parser tests.

Every sample keeps its provenance on line 1 ("# source: ..."); the parsers must see
only what the tool printed, so the loader drops that one line and nothing else.
"""

import os

import pytest

CORPUS = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "corpus")


def corpus_names(kind):
    """Every sample file of one corpus folder, sorted."""
    return sorted(os.listdir(os.path.join(CORPUS, kind)))


def load_sample(kind, name):
    """The sample's text without its '# source:' line."""
    with open(os.path.join(CORPUS, kind, name), encoding="utf-8") as handle:
        first, _, rest = handle.read().partition("\n")
    assert first.startswith("# source:"), "%s/%s lacks its '# source:' line" % (kind, name)
    return rest


@pytest.fixture
def sample():
    """sample(kind, name) -> the sample's text, as the tool printed it."""
    return load_sample


@pytest.fixture
def names():
    """names(kind) -> every sample file name in that corpus folder."""
    return corpus_names
