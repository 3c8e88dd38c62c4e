"""Size arithmetic for growing: steps, maximum, the room a sparse file promises, LVM names."""
from guardian.act.sizes import lvm_split, next_size, pool_lv, room_problem
from guardian.config.values import SizeOrShare

G = 1 << 30


def test_step_is_a_share_with_a_minimum_capped_at_the_maximum():
    assert next_size(10 * G, SizeOrShare(share=0.1), G, 100 * G, 65536) == 11 * G
    assert next_size(2 * G, SizeOrShare(share=0.1), G, 100 * G, 65536) == 3 * G
    assert next_size(10 * G, SizeOrShare(share=0.5), G, 12 * G, 65536) == 12 * G
    assert next_size(12 * G, SizeOrShare(share=0.5), G, 12 * G, 65536) is None


def test_new_size_is_whole_pool_blocks():
    assert next_size(G, SizeOrShare(bytes=100000), 0, 100 * G, 65536) % 65536 == 0


def test_room_counts_the_promise_and_the_reserve():
    assert room_problem(4 * G, 10 * G, G, "fs") is None
    line = room_problem(9 * G + 1, 10 * G, G, "the filesystem under /var/lib/docker")
    assert line.startswith("the filesystem under /var/lib/docker has 10 GiB free; 9 GiB more could be")
    assert "\n" not in line


def test_lvm_names_undo_the_doubled_dashes():
    assert lvm_split("docker-thinpool_tdata") == ("docker", "thinpool_tdata")
    assert lvm_split("vg--a-thin--pool_tdata") == ("vg-a", "thin-pool_tdata")
    assert pool_lv("docker-thinpool_tdata") == "docker/thinpool"
    assert pool_lv("loop0") is None
