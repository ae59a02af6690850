"""The notifications database: projections, preferences, opt-outs and the message log."""
