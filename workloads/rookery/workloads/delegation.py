"""What a wrapper (a decorator of a port: counting, indexing, caching) offers of the object it wraps
beyond the methods it overrides.

A wrapper's ``__getattr__`` runs only after a normal lookup failed, which costs a raised and caught
AttributeError (~1-3 µs here), on every call of a method the wrapper does not define: the account
repository's ``usage`` on each ``/api/v1/instance`` went through two such wrappers. ``delegate``
keeps a method of the wrapped object on the wrapper once looked up, so the next lookup is an
ordinary one; anything else (a value that may change) is looked up on the wrapped object each time.
"""

from __future__ import annotations

import inspect
from typing import Any


def delegate(wrapper: object, inner: object, name: str) -> Any:
    """``inner``'s attribute ``name`` (for ``wrapper.__getattr__``), kept on ``wrapper`` when it is
    a bound method: of ``inner``, or of what ``inner`` wraps in turn (a wrapper never swaps what it
    wraps)."""
    value = getattr(inner, name)
    if inspect.ismethod(value):
        wrapper.__dict__[name] = value
    return value
