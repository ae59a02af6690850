"""ANSI X12 for claims: build 837P batches, read 999 and 277CA acknowledgements."""
