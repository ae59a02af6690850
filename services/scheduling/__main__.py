"""``python -m services.scheduling [all|web|workers|migrate]``: HTTP on 8002, consumers, relay."""

from services.scheduling.app import build
from shared.runtime import run

run(build)
