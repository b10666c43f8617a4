"""Per-client rate limits where they apply (POST /feedback), with the `limits` library (Flask-Limiter's core).

Only the routes that call `check` pay for it: a limiter hooked into every request cost /predict ~10%.
Counts live in `RATELIMIT_STORAGE_URI` (memory://: per worker; redis://...: shared between servers).
"""

from __future__ import annotations

import time

from limits import RateLimitItem, storage, strategies
from limits.errors import ConfigurationError
from werkzeug.exceptions import TooManyRequests

from backend.config import ConfigError


class RateLimit:
    """`items` (the parsed '30/minute;1000/day') per client key, in fixed windows; `check` raises 429 with
    Retry-After."""

    def __init__(self, items: tuple[RateLimitItem, ...], storage_uri: str, scope: str):
        self.items = items
        try:
            counts = storage.storage_from_string(storage_uri)
        except ConfigurationError as exc:
            raise ConfigError(f"RATELIMIT_STORAGE_URI cannot be used: {exc}") from None
        self.limiter = strategies.FixedWindowRateLimiter(counts)
        self.scope = scope

    def check(self, client: str) -> None:
        for item in self.items:
            if not self.limiter.hit(item, self.scope, client):
                reset = self.limiter.get_window_stats(item, self.scope, client).reset_time
                raise TooManyRequests(
                    f"more than {item.amount} per {item.get_expiry()} s from one client: try again later",
                    retry_after=max(1, int(reset - time.time()) + 1),
                )
