"""The claims use cases: one function each, taking the unit of work they write in first."""
