"""Payload schemas of every event, one module per producing service."""
