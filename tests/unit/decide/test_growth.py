"""Size arithmetic for growing: steps, maximum, the room a sparse file promises."""
from types import SimpleNamespace

from guardian.config.values import SizeOrShare
from guardian.decide.growth import Growth, absorbing_size, next_size, room_problem, sized_by

G = 1 << 30
HIGH_80 = SimpleNamespace(high=80.0)
M = 1 << 20


def test_step_is_a_share_with_a_minimum_capped_at_the_maximum():
    assert next_size(10 * G, SizeOrShare(share=0.1), G, 100 * G, 65536) == 11 * G
    assert next_size(2 * G, SizeOrShare(share=0.1), G, 100 * G, 65536) == 3 * G
    assert next_size(10 * G, SizeOrShare(share=0.5), G, 12 * G, 65536) == 12 * G
    assert next_size(12 * G, SizeOrShare(share=0.5), G, 12 * G, 65536) is None


def test_new_size_is_whole_pool_blocks():
    assert next_size(G, SizeOrShare(bytes=100000), 0, 100 * G, 65536) % 65536 == 0


def test_a_fill_rate_step_takes_absorb_seconds_back_to_the_high_mark():
    # 700 MiB used at 150 MiB/s: 30 s more is 5200 MiB, which is 80% of 6500 MiB
    assert absorbing_size(700 * M, 150 * M, 30, HIGH_80) == 6500 * M
    assert absorbing_size(700 * M, 0.0, 30, HIGH_80) == 0 and absorbing_size(700 * M, 150 * M, 0, HIGH_80) == 0


def test_the_rate_step_is_taken_as_far_as_the_room_allows_and_never_below_the_fixed_step():
    step = SizeOrShare(share=0.2)
    assert next_size(G, step, 64 * M, 100 * G, 65536, wanted=6 * G) == 6 * G
    assert next_size(G, step, 64 * M, 100 * G, 65536, wanted=6 * G, room=3 * G) == 3 * G
    assert next_size(G, step, 64 * M, 4 * G, 65536, wanted=6 * G) == 4 * G
    # a fixed step that does not fit stays as it is, for the room check to refuse
    assert next_size(G, step, 64 * M, 100 * G, 65536, wanted=6 * G, room=G) == G + G // 5 // 65536 * 65536
    assert next_size(G, step, 64 * M, 100 * G, 65536, wanted=G // 2) == next_size(G, step, 64 * M, 100 * G, 65536)


def test_the_journal_says_when_the_rate_sized_the_step():
    assert sized_by(6 * G, 2 * G, 150 * M, 30.0) == "30 s at 150 MiB/s"
    assert sized_by(2 * G, 2 * G, 150 * M, 30.0) == ""


def test_room_counts_the_promise_and_the_reserve():
    assert room_problem(4 * G, 10 * G, G, "fs") is None
    line = room_problem(9 * G + 1, 10 * G, G, "the filesystem under /var/lib/docker")
    assert line.startswith("the filesystem under /var/lib/docker has 10 GiB free; 9 GiB more could be")
    assert "\n" not in line



def test_a_growth_says_its_sizes_and_why_its_step_is_larger():
    assert Growth("data", G, 2 * G).describe() == "data 1 GiB -> 2 GiB"
    assert Growth("data", G, 3 * G, "30 s at 50 MiB/s").describe() == \
        "data 1 GiB -> 3 GiB (step sized for 30 s at 50 MiB/s of writing)"
