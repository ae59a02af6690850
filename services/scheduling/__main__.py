"""``python -m services.scheduling [all|web|workers]``: HTTP on 8002, consumers, outbox relay."""

from services.scheduling.app import build
from shared.runtime import run

run(build)
