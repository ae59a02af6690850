"""The screening service's use cases, one function each; the only code that writes.

Each takes a ``shared.uow.UnitOfWork`` first: what it stores and the events it emits
commit together (docs/ARCHITECTURE.md, "How work flows through the layers").
"""
