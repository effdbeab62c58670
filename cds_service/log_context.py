"""What every log line of one hook call carries: its ``hookInstance``, so an operator can tie each line
(a ``fhir_data`` warning, a store error, the ``hook_call`` summary) to the call it belongs to.

CDS Hooks 2.0 gives each call a unique ``hookInstance`` (CDS Hooks 2.0 "hookInstance": a correlation
key, nothing more). The edge binds it as soon as the request is parsed; structlog's contextvars processor
(``logging_setup``) puts it on every line logged in that task meanwhile, whichever module logs; the
outermost middleware clears it when the call ends. Lines logged before the body is read (a hook shed under
overload, a 401, a body that is not a request) cannot carry it.

A decision process (``hooks.decision``) binds it the same way in the task of the job it runs, and tells the
service as soon as it has parsed the request; the service binds it then in the request's own task, so its
lines of the call (a store error, a 503 at the deadline, the ``hook_call`` line) carry it too. Other work
done for a call outside its task (a thread, the command line) takes the hook instance as a parameter and
runs under ``hook_log_context``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import structlog

# Longest hookInstance written to the log: a UUID by the spec, any string in practice, so bounded that a
# caller cannot flood the log with it.
HOOK_INSTANCE_LOGGED = 128
# The context keys a call binds; cleared together when it ends.
CALL_KEYS: tuple[str, ...] = ("hook_instance",)


def logged_hook_instance(hook_instance: str) -> str:
    """``hook_instance`` as logged: at most ``HOOK_INSTANCE_LOGGED`` characters."""
    if len(hook_instance) <= HOOK_INSTANCE_LOGGED:
        return hook_instance
    return hook_instance[: HOOK_INSTANCE_LOGGED - 1] + "\u2026"


def bind_hook_instance(hook_instance: str) -> None:
    """From now on in this task (and the tasks it starts), every log line carries ``hook_instance``."""
    structlog.contextvars.bind_contextvars(hook_instance=logged_hook_instance(hook_instance))


def clear_call_context() -> None:
    """The call has ended: its keys leave the log context."""
    structlog.contextvars.unbind_contextvars(*CALL_KEYS)


@contextmanager
def hook_log_context(hook_instance: str) -> Iterator[None]:
    """Every line logged inside the block carries ``hook_instance``; what was bound before is restored
    after (for work run on behalf of a call elsewhere: a thread, a worker process, the command line)."""
    with structlog.contextvars.bound_contextvars(hook_instance=logged_hook_instance(hook_instance)):
        yield
