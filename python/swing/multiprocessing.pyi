# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""Large numpy arrays through multiprocessing as swing snapshots."""
from multiprocessing.context import BaseContext
from multiprocessing.pool import Pool as _Pool
from typing import Any, Callable, Iterable, Optional

__all__ = ["install", "Pool", "DRAIN_TIMEOUT", "MAX_PENDING"]

DRAIN_TIMEOUT: float
MAX_PENDING: int

def install(threshold: Optional[int] = ...) -> None: ...
def Pool(
    processes: Optional[int] = ...,
    initializer: Optional[Callable[..., object]] = ...,
    initargs: Iterable[Any] = ...,
    *args: Any,
    threshold: Optional[int] = ...,
    context: Optional[BaseContext] = ...,
    **kwargs: Any,
) -> _Pool: ...
