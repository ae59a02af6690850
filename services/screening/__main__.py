"""``python -m services.screening [all|web|workers|migrate] [--port N]``."""

from services.screening.app import build
from shared.runtime import run

run(build)
