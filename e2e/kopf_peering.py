"""How a Kopf replica's log says whether it acts: shared by the tests of the operator's leader election."""

from __future__ import annotations

RESUMED = "Resuming operations after the pause"  # Kopf's words, a paused replica acting again
PAUSED = "Pausing operations in favour of"


def paused(log: str) -> bool:
    """Whether a replica's log leaves it paused. With a peering name Kopf's peering is mandatory:
    every replica starts paused and logs only leaving that pause (RESUMED) once it is the highest
    live peer, and PAUSED only when it is paused again after acting. A replica that has never acted
    has logged neither (CI: a standby that first saw the peering object with its leader already in it)."""
    return log.rfind(PAUSED) >= log.rfind(RESUMED)


def acting(log: str) -> bool:
    """Whether a replica's log shows it acting: it left the pause and has not paused since."""
    return RESUMED in log and not paused(log)
