"""The exceptions ranktopo raises (the C++ library's, translated)."""

from __future__ import annotations

from typing import List, Tuple


class Error(Exception):
    """Base of every exception ranktopo raises."""


class ConfigError(Error, ValueError):
    """A configuration that ranktopo (and vllm-ascend) cannot serve, or a malformed one.

    ``str(e)`` is the tool's one line (``ranktopo::make_plan: ...``); ``e.problems``
    lists every problem found as ``(option, message)``.
    """

    def __init__(self, message: str, problems: List[Tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.problems: List[Tuple[str, str]] = [tuple(p) for p in problems]


class RankLookupError(Error, IndexError):
    """A rank, group or position outside the family or world it addresses."""


class StateError(Error, RuntimeError):
    """A call the current state does not allow (get() before init(), an unbound accessor)."""


class BackendError(Error, RuntimeError):
    """A backend that failed to create or destroy communicators.

    ``e.failures`` lists ``(creation index, creation name, message)``.
    """

    def __init__(self, message: str, failures: List[Tuple[int, str, str]] = ()) -> None:
        super().__init__(message)
        self.failures: List[Tuple[int, str, str]] = [tuple(f) for f in failures]


class AgreementError(Error, RuntimeError):
    """Ranks that disagree (on an option, the rank they passed, ...); every rank raises the same one.

    ``e.option`` names what differs: an option, "rank", "world_size", "fingerprint", ...
    """

    def __init__(self, message: str, option: str = "") -> None:
        super().__init__(message)
        self.option: str = option


for _cls in (Error, ConfigError, RankLookupError, StateError, BackendError, AgreementError):
    _cls.__module__ = "ranktopo"
