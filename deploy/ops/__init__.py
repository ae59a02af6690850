"""``medmassage-ops``: what an ops engineer needs to watch and recover the event flow."""
