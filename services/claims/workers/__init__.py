"""Background loops: the batcher, the submission worker and the 277CA poller."""
