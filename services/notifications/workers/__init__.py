"""Background loops of the notifications service (relay and consumers come from shared/)."""
