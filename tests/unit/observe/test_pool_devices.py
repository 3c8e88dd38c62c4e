"""PoolDevices: which devices a look at the kernel asks again (listings as DM_LIST_DEVICES gives
them: name and device number)."""
from guardian.host.kernel import PoolDevices

POOL = ("docker-253:0-1048-pool", 64768 + 3)
THIN = ("docker-253:0-1048-3f2c", 64768 + 7)


class Clock:
    now = 100.0

    def __call__(self):
        return self.now


def looked(devices, listing, pools=(POOL,)):
    asked = devices.to_ask(listing)
    for name, dev in asked:
        devices.learn(name, dev, (name, dev) in pools)
    return asked


def test_a_thin_device_is_asked_once_then_left_out_until_its_answer_is_old():
    clock = Clock()
    devices = PoolDevices(clock)
    assert looked(devices, [POOL, THIN]) == [POOL, THIN]
    clock.now += 1
    assert looked(devices, [POOL, THIN]) == [POOL]
    clock.now += PoolDevices.RECHECK_SECONDS
    assert looked(devices, [POOL, THIN]) == [POOL, THIN]


def test_a_new_device_or_a_name_on_another_device_number_is_asked_at_once():
    devices = PoolDevices(Clock())
    looked(devices, [POOL, THIN])
    moved = (THIN[0], THIN[1] + 1)
    other = ("docker-253:0-1048-9a1b", 64768 + 8)
    assert looked(devices, [POOL, moved, other]) == [POOL, moved, other]


def test_a_device_that_became_a_pool_is_asked_at_every_look():
    clock = Clock()
    devices = PoolDevices(clock)
    looked(devices, [THIN])
    clock.now += PoolDevices.RECHECK_SECONDS
    assert looked(devices, [THIN], pools=(THIN,)) == [THIN]
    assert looked(devices, [THIN], pools=(THIN,)) == [THIN]


def test_a_removed_device_is_forgotten():
    devices = PoolDevices(Clock())
    looked(devices, [POOL, THIN])
    looked(devices, [POOL])
    assert looked(devices, [POOL, THIN]) == [POOL, THIN]
