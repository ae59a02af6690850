"""Background loops: the batcher, the submission worker and the report-mailbox poller (which
also posts the 835s it reads)."""
