"""Outages a port reports: a backing server or the model server is down, timed out, or its circuit
is open. The API answers 503 for the first; callers fall back for the second.
"""

from __future__ import annotations


class StoreUnavailable(Exception):
    """A backing server is down or timed out; the API answers 503 and the process keeps running."""


class ModelUnavailable(Exception):
    """The model server timed out, failed or its circuit is open: callers fall back."""
