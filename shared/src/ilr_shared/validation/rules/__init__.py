"""Importing this package registers every rule."""

from . import cross, delivery, funding, learner

__all__ = ["cross", "delivery", "funding", "learner"]
