"""Use cases of the notifications service: one function per command, each in a unit of work."""
