"""The console's use cases: one function per thing a person does with accounts and sessions."""
