"""Background loops: the batcher, the submission worker and the report-mailbox poller."""
