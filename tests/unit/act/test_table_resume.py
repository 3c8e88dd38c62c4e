"""What a failed resume reports: the states are those the kernel gives after a resume (`dmsetup info`:
'State: ACTIVE' or 'SUSPENDED', 'Tables present: LIVE' or 'LIVE & INACTIVE'), so the line never
says "restored" when the pool is still suspended. The resume itself needs a guest (tests/integration)."""
import pytest

from guardian.act.table import DeviceState, resume_failed

ERROR = "dmsetup resume --noflush docker-pool failed: Invalid argument"
CLEAR_FAILED = "dmsetup clear docker-pool failed: Device or resource busy"
RESUME_FAILED = "dmsetup resume --noflush docker-pool failed: Invalid argument"


@pytest.mark.parametrize("failures, state, line", [
    ([], DeviceState(exists=True, suspended=False, inactive_table=False),
     ERROR + "; the new table was dropped and the device resumed again; docker-pool is active with no "
     "table pending (see 'dmsetup table docker-pool' for which one is live)"),
    ([CLEAR_FAILED, RESUME_FAILED], DeviceState(exists=True, suspended=True, inactive_table=True),
     ERROR + "; the fallback failed too (" + CLEAR_FAILED + "); docker-pool is still SUSPENDED, its I/O "
     "is blocked: 'dmsetup resume docker-pool'"),
    ([RESUME_FAILED], DeviceState(exists=True, suspended=True, inactive_table=False),
     ERROR + "; the fallback failed too (" + RESUME_FAILED + "); docker-pool is still SUSPENDED, its I/O "
     "is blocked: 'dmsetup resume docker-pool'"),
    ([CLEAR_FAILED], DeviceState(exists=True, suspended=False, inactive_table=True),
     ERROR + "; the fallback failed too (" + CLEAR_FAILED + "); docker-pool is active, with a table still "
     "loaded inactive: 'dmsetup clear docker-pool'"),
    ([RESUME_FAILED], DeviceState(exists=False, suspended=False, inactive_table=False),
     ERROR + "; the fallback failed too (" + RESUME_FAILED + "); docker-pool no longer exists"),
    ([RESUME_FAILED], None,
     ERROR + "; the fallback failed too (" + RESUME_FAILED + "); the state of docker-pool could not be "
     "read afterwards: check 'dmsetup info docker-pool'"),
])
def test_a_failed_resume_says_what_is_true_afterwards(failures, state, line):
    assert resume_failed("docker-pool", ERROR, failures, state) == line


def test_never_claims_restored_while_suspended():
    line = resume_failed("p", ERROR, [RESUME_FAILED], DeviceState(True, True, False))
    assert "restored" not in line and "SUSPENDED" in line
