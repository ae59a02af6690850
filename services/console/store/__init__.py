"""The console's tables and queries: accounts, sessions, audit."""
