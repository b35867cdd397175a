"""The one retry helper of the engine store: exponential backoff on passing failures.

Every request newsmon makes to an engine is idempotent (writes carry ids), so retrying a whole
request, or the part of a bulk that failed for a passing reason, is safe. Retries are ours, not
the client libraries', so that they behave the same on Elasticsearch and OpenSearch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from .transport import EngineError, EngineUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def is_passing(exc: BaseException) -> bool:
    """No answer at all, or an answer that says "try again later"."""
    return isinstance(exc, EngineUnavailable) or (
        isinstance(exc, EngineError) and exc.status in RETRY_STATUSES
    )


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 5
    backoff: float = 0.5  # first delay; doubles each time
    max_delay: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def call(self, attempt: Callable[[], T], what: str) -> T:
        """attempt() until it returns, while it raises a passing error; then re-raise."""

        def before_sleep(state) -> None:  # type: ignore[no-untyped-def]
            exc = state.outcome.exception() if state.outcome else None
            log.warning(
                "%s: %s; retry %d/%d in %.1fs",
                what,
                str(exc)[:200],
                state.attempt_number,
                self.max_retries,
                state.upcoming_sleep,
            )

        retrying = Retrying(
            stop=stop_after_attempt(self.max_retries + 1),
            wait=wait_exponential(multiplier=self.backoff, max=self.max_delay),
            retry=retry_if_exception(is_passing),
            before_sleep=before_sleep,
            sleep=self.sleep,
            reraise=True,
        )
        return retrying(attempt)
