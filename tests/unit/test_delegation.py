"""delegation.delegate: a wrapper's methods it does not define come from what it wraps, kept after
the first lookup; values are read from the wrapped object every time."""

from __future__ import annotations

from typing import Any

from rookery.workloads.delegation import delegate


class Store:
    def __init__(self) -> None:
        self.hits = 0

    def read(self) -> str:
        self.hits += 1
        return "row"


class Wrapper:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return delegate(self, self.inner, name)


def test_methods_are_kept_on_the_wrapper_and_values_are_read_each_time() -> None:
    store = Store()
    outer = Wrapper(Wrapper(store))  # two wrappers, as the account repository has
    assert outer.read() == "row" and outer.read() == "row"
    assert "read" in vars(outer) and vars(outer)["read"].__self__ is store  # an ordinary lookup now
    assert outer.hits == 2  # a value: not kept, so it follows the store
    store.hits = 7
    assert outer.hits == 7 and "hits" not in vars(outer)


def test_a_missing_attribute_is_still_an_attribute_error() -> None:
    wrapper = Wrapper(Store())
    try:
        wrapper.missing  # noqa: B018
    except AttributeError as exc:
        assert "missing" in str(exc)
    else:
        raise AssertionError("no AttributeError")
    assert not hasattr(wrapper, "other")
