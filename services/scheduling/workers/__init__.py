"""Scheduling's background loops: the waitlist's offers and the referral follow-up."""
