"""The package's shape: what a workflow module pulls into Temporal's sandbox."""

from __future__ import annotations

import subprocess
import sys


def test_the_saga_module_stays_light_for_the_workflow_sandbox() -> None:
    """The sandbox re-imports a workflow's imports each run: no settings, worker, dev server."""
    code = (
        "import sys, swarmdeck.workflows.saga; "
        "print(sorted(m for m in sys.modules if m.startswith('swarmdeck')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "['swarmdeck', 'swarmdeck.workflows', 'swarmdeck.workflows.saga']"


def test_the_public_names_load_on_demand() -> None:
    import swarmdeck.workflows as workflows
    from swarmdeck.workflows.worker import TemporalService

    assert workflows.TemporalService is TemporalService
    assert set(workflows.__all__) == {
        "CompensationFailure",
        "DevServer",
        "DevServerError",
        "Saga",
        "TemporalService",
        "connect",
    }
