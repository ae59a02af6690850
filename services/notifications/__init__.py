"""The notifications service: reminders and notices to clients by email and SMS."""
