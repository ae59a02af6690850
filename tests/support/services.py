"""Any service's HTTP app on a fresh database, built the way its composition root builds it."""

from __future__ import annotations

import importlib

from flask import Flask

from shared.config import Settings

SERVICES = ("screening", "scheduling", "claims", "notifications")


def service_app(service: str, database_url: str) -> Flask:
    """Migrate ``database_url`` for the service, then build its app on it (defaults otherwise)."""
    root = importlib.import_module(f"services.{service}.app")
    config_class = getattr(importlib.import_module(f"services.{service}.config"),
                           f"{service.capitalize()}Config")
    config = config_class.from_settings(Settings(service=service, database_url=database_url))
    root.migrate(config)
    return root.create_app(config)
