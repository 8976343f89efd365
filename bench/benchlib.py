"""Shared by the benchmarks: loading the integration-test library (server start, signed
API client) for a given binary, and nearest-rank percentiles."""

import os
import signal
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_yunfnlib(binary, isolation=None):
    """tests/integration/yunfnlib.py set up for `binary`; `isolation` (or None for the
    server's own choice) is passed to every server it starts."""
    os.environ["YUNFN_BIN"] = os.path.abspath(binary)
    os.environ["YUNFN_REPO"] = REPO
    if isolation:
        os.environ["YUNFN_ITEST_ISOLATION"] = isolation
    else:
        os.environ.pop("YUNFN_ITEST_ISOLATION", None)
    sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
    import yunfnlib  # noqa: E402  (reads YUNFN_BIN at import)
    # A SIGTERM (e.g. from `timeout` in bench/smoke.sh) unwinds like an exception, so
    # the `finally` blocks stop the servers the benchmark started.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    return yunfnlib


def percentile(values, p):
    """The p-th percentile (0-100) by nearest rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100.0 * len(ordered) + 0.5)) - 1))
    return ordered[k]
