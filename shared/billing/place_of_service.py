"""The CMS place-of-service code list (CLM05-1), shipped as data in place_of_service.json.

Scheduling checks the place when a session is completed and claims again at scrub, so a
code that is not on the list (``00``, an unassigned number) never reaches a payer.
"""

import json
from functools import cache
from pathlib import Path

PLACE_OF_SERVICE_FILE = Path(__file__).with_name("place_of_service.json")
OFFICE = "11"  # docs/DOMAIN.md §Edits: the default


@cache
def places_of_service() -> dict[str, str]:
    """Code -> name of every place-of-service code on the CMS list."""
    data = json.loads(PLACE_OF_SERVICE_FILE.read_text(encoding="utf-8"))
    return dict(data["codes"])


def is_place_of_service(code: str) -> bool:
    """Whether ``code`` is on the CMS place-of-service list."""
    return code in places_of_service()
