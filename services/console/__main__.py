"""``python -m services.console [all|web|migrate] [--port N]`` or ``... create-user NAME``."""

import sys

from services.console.app import build
from services.console.commands.cli import main
from shared.runtime import run

if __name__ == "__main__":
    if sys.argv[1:2] == ["create-user"]:
        sys.exit(main(sys.argv[1:]))
    run(build)
