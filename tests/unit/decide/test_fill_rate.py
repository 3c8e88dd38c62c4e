"""The fill rate the grow step is sized from, stepped through a fake clock."""
from guardian.decide.fill_rate import WINDOW, Sample, add_sample, fill_rate

MIB = 1024 * 1024


def samples(*pairs):
    kept = ()
    for at, used in pairs:
        kept = add_sample(kept, at, used)
    return kept


def test_no_rate_from_one_look():
    assert fill_rate(samples((0.0, 100 * MIB))) == 0.0


def test_rate_over_the_newest_second_or_more():
    # a poll 10 s ago at idle, then a writer at 100 MiB/s seen by two dm events 1.5 s apart
    seen = samples((0.0, 100 * MIB), (10.0, 100 * MIB), (10.5, 150 * MIB), (12.0, 300 * MIB))
    assert fill_rate(seen) == 100 * MIB


def test_samples_closer_than_a_second_fall_back_to_the_oldest_kept():
    seen = samples((0.0, 0), (0.2, 20 * MIB), (0.4, 40 * MIB))
    assert abs(fill_rate(seen) - 100 * MIB) < 1


def test_a_pool_that_emptied_is_not_filling():
    assert fill_rate(samples((0.0, 900 * MIB), (5.0, 600 * MIB))) == 0.0


def test_old_samples_leave_the_window():
    seen = samples((0.0, 0), (WINDOW + 5.0, 10 * MIB), (WINDOW + 15.0, 20 * MIB))
    assert [s.at for s in seen] == [WINDOW + 5.0, WINDOW + 15.0]
    assert fill_rate(seen) == MIB


def test_a_clock_that_went_back_starts_over():
    seen = samples((100.0, 50 * MIB), (50.0, 60 * MIB))
    assert seen == (Sample(50.0, 60 * MIB),)


def test_only_the_last_minute_counts_even_when_more_is_kept():
    # the daemon keeps the forecast's window (15 min): a look 2 min ago is not a rate
    kept = samples((0.0, 0))
    kept = add_sample(kept, 120.0, 600 * MIB, window=900.0)
    assert fill_rate(kept) == 0.0 and fill_rate(kept, window=900.0) == 5 * MIB
