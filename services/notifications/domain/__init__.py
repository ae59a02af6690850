"""Notification rules, pure Python: when reminders go, what a message says, who gets it."""
