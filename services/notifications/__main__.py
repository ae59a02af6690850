"""``python -m services.notifications [all|web|workers|migrate] [--port N]``."""

from services.notifications.app import build
from shared.runtime import run

if __name__ == "__main__":
    run(build)
