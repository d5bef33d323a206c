"""Child processes that never outlive the process that started them."""

import signal


def die_with_parent() -> None:
    """For ``subprocess.Popen(preexec_fn=…)`` (Linux): the child gets SIGTERM when its parent
    dies, even by SIGKILL, so a killed demo or benchmark leaves no server behind. Best effort
    elsewhere."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
