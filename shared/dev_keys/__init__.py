"""DEVELOPMENT ONLY: a published Ed25519 key pair for staff tokens on a developer's machine.

Anyone can read the private key here and sign an admin token with it, so a service in
``MEDMASSAGE_MODE=production`` refuses to start while this public key is in its key set.
`make run`, the tests and `medmassage-token` without ``MEDMASSAGE_JWT_PRIVATE_KEY`` use it.
"""

from pathlib import Path

KID = "development-only"
PRIVATE_KEY = Path(__file__).with_name("development-only-private-key.pem")
PUBLIC_KEYS = Path(__file__).with_name("development-only-public-keys.json")
