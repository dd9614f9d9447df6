"""The local store: the only part of the gateway that touches SQLite."""

from edge.store.store import Store

__all__ = ["Store"]
