"""The room under a loop file, stated once: the largest size a grow may plan is the largest the
check before each step lets through."""
from guardian.act.grow_loop import Room

G = 1 << 30


def test_the_largest_size_planned_is_the_largest_the_check_allows():
    room = Room("the filesystem under /var/lib/docker", 100 * G, 30 * G, 5 * G, 20 * G, 2 * G)
    assert room.largest == 43 * G
    assert room.problem(room.largest) is None
    assert room.problem(room.largest + 1).startswith("the filesystem under /var/lib/docker has 30 GiB free; ")


def test_a_file_smaller_than_what_it_holds_promises_nothing_more():
    room = Room("fs", 10 * G, G, 0, 4 * G, 2 * G)
    assert room.problem(3 * G) == room.problem(4 * G)
