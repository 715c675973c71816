"""Sign-in attempts per client address: at most ``limit`` in any ``window`` seconds.

The one-time-code routes are public. Each code allows a few tries and a candidate gets a
few codes an hour (services/accounts.py), so guessing a code does not pay; but without a
limit per address, one client could have codes sent to every candidate id it tries, or
keep the service busy answering. This limiter counts the API's and the portal's sign-in
requests together per address (a sliding window, in this process: each ``serve``
process counts its own) and answers 429 with ``Retry-After`` beyond it.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from fastapi import HTTPException, Request, status

SIGN_IN_LIMIT = 10
SIGN_IN_WINDOW_SECONDS = 60.0
#: addresses remembered at most; the least recently seen are forgotten first
MAX_ADDRESSES = 100_000


class AddressLimiter:
    def __init__(
        self,
        limit: int = SIGN_IN_LIMIT,
        window: float = SIGN_IN_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be at least 1 and window positive")
        self.limit, self.window = limit, window
        self._clock = clock
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def wait_for(self, address: str) -> float:
        """Count a request from ``address``: 0 if it may go on, else the seconds until
        it may (the request is then not counted)."""
        now = self._clock()
        with self._lock:
            times = self._seen.pop(address, None) or deque()
            while times and times[0] <= now - self.window:
                times.popleft()
            self._seen[address] = times  # most recently seen last
            if len(self._seen) > MAX_ADDRESSES:
                self._seen.popitem(last=False)
            if len(times) >= self.limit:
                return times[0] + self.window - now
            times.append(now)
            return 0.0


def client_address(request: Request) -> str:
    """The address that connected (or, behind a listed proxy, its client: app.py)."""
    return request.client.host if request.client else "unknown"


async def limit_sign_in(request: Request) -> None:
    """Dependency of the sign-in routes (API and portal): 429 beyond the limit."""
    limiter: AddressLimiter = request.app.state.sign_in_limiter
    wait = limiter.wait_for(client_address(request))
    if wait > 0:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "too many sign-in attempts from this address; try again later",
            headers={"Retry-After": str(math.ceil(wait))},
        )
