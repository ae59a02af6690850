"""Scheduling's use cases: each takes a UnitOfWork first and is the only code that writes."""
