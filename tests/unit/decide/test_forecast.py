"""The forecast, stepped through real fills recorded in the test bed (tests/fixtures/fills/).

Each recording is `dmsetup status` of a 256 MiB (or 128 MiB) pool about every 1.5 s while dd
wrote into a thin device; the fake clock is the recording's own. The window is one minute here
(the recordings are shorter than the default 15 minutes); the arithmetic is the same.
"""
import json
import os

import pytest

from guardian.decide.fill_rate import Sample
from guardian.decide.forecast import History, forecast, remember
from guardian.observe.dmsetup import parse_status
from guardian.observe.snapshot import compose_snapshot
from guardian.report.state import history_dict, history_from_dict

FILLS = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "fills")
WINDOW = 60.0
MIB = 1 << 20


def recording(name):
    """[(at, pool view)] from a recorded fill."""
    looks = []
    with open(os.path.join(FILLS, name + ".txt")) as handle:
        assert handle.readline().startswith("# source:")
        for line in handle:
            at, status = line.split(" ", 1)
            snapshot = compose_snapshot(parse_status(status), [], None, taken_at=float(at))
            looks.append((float(at), snapshot.pool))
    return looks


def replay(looks, history=History()):
    """[(at, pool, Forecast)] after each look, as the daemon computes them."""
    out = []
    for at, pool in looks:
        history = remember(history, pool, at, WINDOW)
        out.append((at, pool, forecast(history, pool, WINDOW)))
    return out, history


def net_rate(looks):
    (t0, first), (t1, last) = looks[0], looks[-1]
    return (last.data_used_bytes - first.data_used_bytes) / (t1 - t0)


def writing(looks):
    """The looks from the first to the last change of data used."""
    used = [p.data_used_bytes for _, p in looks]
    start = next(i for i, u in enumerate(used) if u != used[0]) - 1
    end = max(i for i, u in enumerate(used) if u != used[-1]) + 1
    return looks[start:end + 1]


def test_an_idle_pool_has_no_time_to_full():
    looks = recording("steady")
    idle = [look for look in looks if look[1].data_used_bytes == 0]
    for _, _, f in replay(idle)[0]:
        assert f.data_full is None and f.docker_floor is None


def test_no_forecast_before_half_a_window_of_samples():
    forecasts = replay(recording("steady"))[0]
    start = forecasts[0][0]
    assert all(f.data_rate is None for at, _, f in forecasts if at - start < WINDOW / 2)
    assert all(f.data_rate is not None for at, _, f in forecasts if at - start >= WINDOW / 2)


def test_a_steady_fill_is_forecast_at_its_rate():
    looks = writing(recording("steady"))
    rate = net_rate(looks)
    forecasts = [f for f in replay(looks)[0] if f[2].data_rate is not None]
    assert forecasts
    for at, pool, f in forecasts:
        assert f.data_rate == pytest.approx(rate, rel=0.25)     # dd's pace under TCG varies
        assert f.data_full == pytest.approx(pool.data_free_bytes / f.data_rate)
        assert f.docker_floor == pytest.approx((pool.data_free_bytes - pool.min_free_bytes) / f.data_rate)
        # the moment it says the pool will be full stays put while the fill keeps its pace
        assert at + f.data_full == pytest.approx(forecasts[0][0] + forecasts[0][2].data_full, rel=0.2)


def test_a_bursty_fill_is_forecast_at_its_average_not_its_bursts():
    looks = writing(recording("bursty"))
    rate = net_rate(looks)
    forecasts = [f for _, _, f in replay(looks)[0] if f.data_rate is not None]
    assert forecasts and all(0.6 * rate < f.data_rate < 1.6 * rate for f in forecasts)
    # between bursts the pool is flat for seconds: the forecast does not say "not filling"
    assert all(f.data_full is not None for f in forecasts)


def test_a_pool_being_emptied_has_no_time_to_full():
    looks = recording("falling")
    peak = max(range(len(looks)), key=lambda i: looks[i][1].data_used_bytes)
    falling = [f for _, _, f in replay(looks[peak:])[0] if f.data_rate is not None]
    assert falling
    for f in falling:
        assert f.data_rate < 0
        assert f.data_full is None and f.docker_floor is None


def test_a_grow_in_the_middle_moves_the_time_to_full_and_not_the_rate():
    looks = recording("grown")
    forecasts = replay(looks)[0]
    sizes = [p.data_total_bytes for _, p, _ in forecasts]
    grown = sizes.index(max(sizes))
    assert sizes[0] == 128 * MIB and sizes[grown] == 256 * MIB
    (_, _, f_before), (_, after, f_after) = forecasts[grown - 1], forecasts[grown]
    assert f_after.data_rate == pytest.approx(f_before.data_rate, rel=0.15)
    assert f_after.data_full == pytest.approx(after.data_free_bytes / f_after.data_rate)
    assert f_after.data_full > f_before.data_full + 100 * MIB / f_before.data_rate


def test_a_restart_in_the_middle_continues_from_the_published_samples():
    looks = writing(recording("steady"))
    half = len(looks) // 2
    straight = replay(looks)[0]
    first, history = replay(looks[:half])
    published = history_from_dict(json.loads(json.dumps(history_dict(history))))
    resumed = first + replay(looks[half:], published)[0]
    assert [f for _, _, f in resumed] == [f for _, _, f in straight]


def test_a_restart_without_the_samples_waits_half_a_window_and_agrees_again():
    looks = writing(recording("steady"))
    half = len(looks) // 2
    restarted = replay(looks[half:])[0]
    start = restarted[0][0]
    assert all(f.data_rate is None for at, _, f in restarted if at - start < WINDOW / 2)
    later = [f for at, _, f in restarted if f.data_rate is not None]
    assert later and later[-1].data_rate == pytest.approx(replay(looks)[0][-1][2].data_rate, rel=0.25)


def test_metadata_is_forecast_too():
    looks = writing(recording("steady"))
    _, pool, f = replay(looks)[0][-1]
    assert f.metadata_rate > 0
    free = pool.metadata_total_bytes - pool.metadata_used_bytes
    assert f.metadata_full == pytest.approx(free / f.metadata_rate)


def test_another_pool_starts_a_new_history():
    looks = recording("steady")
    at, pool = looks[-1]
    _, history = replay(looks)
    other = pool._replace(name="docker-other-pool")
    assert remember(history, other, at + 1, WINDOW) == History(
        other.name, (Sample(at + 1, other.data_used_bytes),), (Sample(at + 1, other.metadata_used_bytes),))
