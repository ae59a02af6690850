"""Read the clearinghouse's report mailbox, apply each report, post 835s; flag unanswered claims.

Every round asks for the reports after the stored cursor, keeps them (the cursor moves in
the same transaction), then processes the stored reports not yet processed, one unit of
work each (a 277CA moves its claims; an 835 is kept for posting), posts the kept 835s, one
unit of work each, and finally moves claims nobody answered for CLAIMS_NO_RESPONSE_DAYS to
the work queue. The mailbox is read every ``poll_interval`` for as long as the service runs:
a later 277CA or 835 about any claim is always seen.

Posting runs in this loop rather than one of its own so that a claim's answers apply in the
order the mailbox lists them: the A2 277CA and the 835 after it, read in one round, are
applied in that order, and no second loop races the 277CAs for the same claims.
"""

from __future__ import annotations

import logging

from services.claims.commands import remittances, reports
from services.claims.commands.no_response import flag_unanswered
from services.claims.config import ClaimsConfig
from services.claims.workers.clearinghouse import ClearinghouseLoop
from shared.uow import unit_of_work

log = logging.getLogger("services.claims.acknowledgements")


class AcknowledgementPoller(ClearinghouseLoop):
    """Reads 277CAs and 835s from the report mailbox, page by page, and posts the 835s."""

    def rest_seconds(self, config: ClaimsConfig) -> float:
        """The mailbox is read every ``poll_interval``."""
        return config.poll_interval

    def run_round(self) -> int:
        """Read one page, process what is due, flag the unanswered; >0 when more pages wait."""
        full_page = self._read_page()
        processed = self._process_due()
        posted = self._post_remittances()
        with unit_of_work(self.engine, self.config.settings.service) as uow:
            flagged = flag_unanswered(uow, self.config.clock(), self.config.no_response_days)
        if processed or posted or flagged:
            log.info(
                "reports processed",
                extra={"processed": processed, "posted": posted, "flagged": flagged},
            )
        return int(full_page)

    def _read_page(self) -> bool:
        """Store the next page of reports; True when it was full (more may wait)."""
        source, limit = self.config.settings.service, self.config.report_page_size
        with unit_of_work(self.engine, source) as uow:
            after = reports.mailbox_cursor(uow)
        page = self.clearinghouse.reports(after, limit)
        if page is None:
            log.warning("the report mailbox did not answer; reading again later")
            return False
        with unit_of_work(self.engine, source) as uow:
            reports.store_page(uow, page.reports, page.next_after)
        return len(page.reports) >= limit

    def _post_remittances(self) -> int:
        """Post every kept 835, one unit of work each; how many were posted."""
        source = self.config.settings.service
        with unit_of_work(self.engine, source) as uow:
            waiting = remittances.reports_to_post(uow)
        posted = 0
        for report_id in waiting:
            with unit_of_work(self.engine, source) as uow:
                counts = remittances.post_report(uow, report_id)
            posted += counts is not None and remittances.DEFERRED not in counts
        return posted

    def _process_due(self) -> int:
        source = self.config.settings.service
        with unit_of_work(self.engine, source) as uow:
            due = reports.due_reports(uow)
        processed = 0
        for report_id in due:
            with unit_of_work(self.engine, source) as uow:
                processed += reports.process_report(uow, report_id)
        return processed
