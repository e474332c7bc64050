"""Work on one document in a worker process, under a wall-clock and a memory limit.

A document from the wild may be built to make a reader hang or swallow the machine. The readers have
budgets of their own (`monitor.parsing.limits`); this is the guard behind them for the service and
batch commands: the work runs in a child process whose address space is capped, the parent waits at
most `Limits.seconds`, and a worker that overran, ran out of memory or died is replaced, so that the
run goes on with the next document.
"""

from __future__ import annotations

import queue
import resource
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.connection import Connection
from typing import Any


@dataclass(frozen=True)
class Limits:
    """What one piece of work may take: wall-clock seconds, and the worker's address space in MiB (the
    interpreter and its libraries take about 150 MiB of it)."""

    seconds: float = 120.0
    memory_mb: int = 1024


# The limits of reading one document in the batch commands and the service.
DOCUMENT_LIMITS = Limits()
# How long a new worker may take to start (import the readers, open its database connection).
STARTUP_SECONDS = 120.0


class Broken(Exception):
    """The work overran its time, ran out of memory or killed its worker; the message says which, in
    one Chinese line. The worker is gone: the caller starts another."""


def _serve(connection: Connection, memory_mb: int, initializer: Callable[..., None] | None,
           initargs: tuple[Any, ...]) -> None:
    """The worker's loop: cap the address space, initialise, then run one call at a time."""
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if initializer is not None:
        initializer(*initargs)
    connection.send(("ready", None))
    while True:
        try:
            function, args = connection.recv()
        except EOFError:  # the parent is gone
            return
        try:
            outcome: tuple[str, Any] = ("ok", function(*args))
        except MemoryError:
            outcome = ("memory", None)
        except Exception as exc:  # raised again in the parent, as the work's own error
            outcome = ("raised", exc)
        try:
            connection.send(outcome)
        except Exception as exc:  # e.g. an exception that cannot be pickled
            connection.send(("raised", RuntimeError(f"{type(exc).__name__}: {exc}")))
        if outcome[0] == "memory":  # the heap may be in a poor state: end; the parent starts another
            return


class Worker:
    """One worker process (spawned: it inherits no open connection of this process), replaced by a new
    one after any Broken."""

    def __init__(self, limits: Limits = DOCUMENT_LIMITS, initializer: Callable[..., None] | None = None,
                 initargs: tuple[Any, ...] = ()) -> None:
        self.limits, self.initializer, self.initargs = limits, initializer, initargs
        self._start()

    def _start(self) -> None:
        """Start a worker and wait until it is ready, so that its start-up is not counted as work."""
        context = get_context("spawn")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, daemon=True,
                                       args=(child, self.limits.memory_mb, self.initializer, self.initargs))
        self.process.start()
        child.close()
        try:
            ready = self.connection.poll(STARTUP_SECONDS) and self.connection.recv()[0] == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.process.kill()
            self.process.join()
            raise RuntimeError(f"读取进程未能启动（退出码 {self.process.exitcode}）")

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """`function(*args)` in the worker (both picklable). Its exceptions are raised here; Broken when
        the limits were broken or the worker died (a new worker is started for the next call)."""
        try:
            self.connection.send((function, args))
            if not self.connection.poll(self.limits.seconds):
                self._replace(kill=True)
                raise Broken(f"读取超时：超过 {self.limits.seconds:g} 秒仍未读完，已停止")
            kind, value = self.connection.recv()
        except (EOFError, OSError):
            code = self._replace(kill=False)
            raise Broken(f"读取进程意外退出（退出码 {code}）") from None
        if kind == "memory":
            self._replace(kill=False)
            raise Broken(f"读取时内存超过上限（{self.limits.memory_mb} MB），已停止")
        if kind == "raised":
            raise value
        return value

    def _replace(self, kill: bool) -> int | None:
        """End the worker (`kill`: at once; else it is ending by itself) and start another; returns the
        old worker's exit code."""
        if not kill:
            self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        code = self.process.exitcode
        self.connection.close()
        self._start()
        return code

    def close(self) -> None:
        self.connection.close()  # the worker reads EOF and ends
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


class Pool:
    """`count` workers shared by threads: a call takes an idle worker (started on first use) or waits
    for one. A worker that broke a limit is replaced by its own `call`."""

    def __init__(self, count: int, limits: Limits = DOCUMENT_LIMITS) -> None:
        self.limits = limits
        self.idle: queue.Queue[Worker | None] = queue.Queue()
        for _ in range(count):
            self.idle.put(None)
        self.started: list[Worker] = []
        self.lock = threading.Lock()

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """`function(*args)` in an idle worker (see Worker.call)."""
        worker = self.idle.get()
        try:
            if worker is None:
                worker = Worker(self.limits)
                with self.lock:
                    self.started.append(worker)
            return worker.call(function, *args)
        finally:
            self.idle.put(worker)

    def close(self) -> None:
        for worker in self.started:
            worker.close()
