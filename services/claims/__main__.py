"""``python -m services.claims [all|web|workers|migrate] [--port N]``."""

from services.claims.app import build
from shared.runtime import run

if __name__ == "__main__":
    run(build)
