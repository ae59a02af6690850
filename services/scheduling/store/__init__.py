"""Scheduling's own database: its tables, and the queries and writes commands and views use."""
