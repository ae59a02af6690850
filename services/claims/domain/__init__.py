"""Claims rules, pure Python: pricing, coding edits, GP, scrubbing, and building a claim."""
