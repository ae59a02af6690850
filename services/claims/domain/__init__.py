"""Claims rules, pure Python: pricing, edits, GP, scrubbing, building a claim, and its lifecycle."""
