"""Scheduling's own database: tables and the queries the API, handlers and booking use."""
