"""The console's rules: accounts, passwords, lockout, sessions. Pure Python."""
