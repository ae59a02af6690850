"""Kafka adapters: producer and admin helpers, and the idempotent consumer runner."""
