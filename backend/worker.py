"""The gunicorn worker: a sync worker that runs the app only on a request that has arrived whole.

gunicorn's sync worker reads a request while it handles it, so a client that sends its request slowly (a byte a
second, as a slow-loris attack does) holds the worker until GUNICORN_TIMEOUT kills it: two such connections stop
a two-worker server, and Heroku's router passes them through. This worker reads many connections at once (one
selector) and keeps what each has sent until h11 says the request is complete (headers, then the body by
Content-Length or chunk by chunk); only then does it run the app, with gunicorn's own sync handler, on the bytes
kept. A request not whole within GUNICORN_READ_TIMEOUT seconds gets a 408 and is closed.

After its answer, gunicorn waits (up to 2 s) in the handler for the client to close (RFC 9112, 9.6): a client
that keeps its connections open would hold a sync worker 2 s a request. Here that wait is the selector's.

A request that comes at once (nearly all do) is read and handled as soon as it is accepted, one connection at
a time as the sync worker does, so the work stays spread over the workers; it is checked by a few byte searches
(`plain_and_whole`), not by h11, and gunicorn's parser reads it as before. A body declared longer than
MAX_UPLOAD_BYTES goes to the handler at once (the app answers 413 unread). A request h11 refuses while it is
still arriving (an HTTP/1.1 request without a Host, say) gets a 400 here, since handed over it could hold the
worker. The answer is written as the sync worker writes it.

With GUNICORN_THREADS > 1 that many threads handle the whole requests while the selector reads the others
(gunicorn's gthread worker reads a request in its thread, so slow clients hold its threads). While every thread
is busy the worker takes no new connection (the other workers take them) and sends the master no heartbeat: if
they all stay busy past GUNICORN_TIMEOUT (hung requests), the master replaces the worker, as it replaces a sync
worker whose one request hangs. A handler thread hands its answered connection back through a queue.
"""

from __future__ import annotations

import errno
import os
import queue
import selectors
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import h11
from gunicorn import util
from gunicorn.workers.sync import SyncWorker

from backend.arrival import TIMED_OUT, Arriving, Kept, Lingering, answer, plain_and_whole, received, whole

NO_ROOM = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)  # accept failing for want of resources
MAX_PENDING = 256  # connections a worker keeps reading at once; beyond, the oldest is answered 408 (and as many
# answered ones waiting for their clients to close: beyond, the oldest is closed)
KEPT_BODIES = 8  # a worker keeps at most this many MAX_UPLOAD_BYTES over all of them; past it, a connection is closed
FINISH = 2.0  # seconds a stopping worker still waits for the requests arriving to arrive whole
LINGER = 2.0  # seconds an answered connection waits for its client to close (gunicorn's close_graceful)
LINGER_DRAIN = 65536  # bytes read from it meanwhile, at most


class WholeRequestWorker(SyncWorker):
    """gunicorn's sync worker, but a request is handled only once it has arrived whole (module docstring)."""

    max_body = 2 * 1024 * 1024  # MAX_UPLOAD_BYTES
    read_timeout = 30.0  # GUNICORN_READ_TIMEOUT

    def run(self) -> None:
        if self.cfg.is_ssl:  # TLS is the host's (Heroku's router, a proxy); gunicorn's own: the plain sync worker
            super().run()
            return
        self.arriving: dict[socket.socket, Arriving] = {}
        self.lingering: dict[socket.socket, Lingering] = {}
        self.kept = 0
        self.selector = selectors.DefaultSelector()
        self.listening = False
        self._listen(True)
        self.selector.register(self.PIPE[0], selectors.EVENT_READ, None)  # woken by signals
        self.pool = ThreadPoolExecutor(self.cfg.threads) if self.cfg.threads > 1 else None
        self.busy = 0  # requests handed to the pool and not yet answered
        if self.pool is not None:
            self.returned: queue.SimpleQueue[socket.socket | None] = queue.SimpleQueue()  # from the pool's threads
            self.wake_r, self.wake_w = os.pipe()  # ... which then wake the selector
            os.set_blocking(self.wake_r, False)
            os.set_blocking(self.wake_w, False)
            self.selector.register(self.wake_r, selectors.EVENT_READ, self.returned)
        try:
            while self.alive:
                self._turn()
                if not self.is_parent_alive():
                    break
            self._finish()
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True)
                self._returns()
                os.close(self.wake_r)
                os.close(self.wake_w)
            for arriving in list(self.arriving.values()):
                self._drop(arriving)
            for lingering in list(self.lingering.values()):
                self._close(lingering)
            self.selector.close()

    @property
    def _all_busy(self) -> bool:
        """Every handler thread has a request (never with one thread: then the selector's thread handles each)."""
        return self.pool is not None and self.busy >= self.cfg.threads

    def _listen(self, on: bool) -> None:
        """Watch the listening sockets for new connections, or stop (every thread busy, or stopping)."""
        if on == self.listening:
            return
        for listener in self.sockets:
            if on:
                listener.setblocking(False)
                self.selector.register(listener, selectors.EVENT_READ, listener)
            else:
                self.selector.unregister(listener)
        self.listening = on

    def _turn(self) -> None:
        """Wait for what comes first (a connection, a request's next bytes, a client closing, a signal, a
        deadline) and deal with it. No heartbeat while every thread is busy (module docstring)."""
        if not self._all_busy:
            self.notify()
        for key, _ in self.selector.select(self._wait()):
            if key.data is None:
                os.read(self.PIPE[0], 1)
            elif isinstance(key.data, queue.SimpleQueue):  # self.returned
                self._returns()
            elif isinstance(key.data, Arriving):
                self._guarded(self._read, key.data)
            elif isinstance(key.data, Lingering):
                self._guarded(self._drain, key.data)
            elif self.alive:
                self._accept(key.data)
        self._expire(time.monotonic())

    def _guarded(self, step, connection: Arriving | Lingering) -> None:
        """One connection's step; a bug in it costs that connection, never the worker and the others it holds."""
        try:
            step(connection)
        except Exception:
            self.log.exception("Error reading a connection; it is closed")
            if connection.sock in self.arriving:
                self._drop(self.arriving[connection.sock])
            elif connection.sock in self.lingering:
                self._close(self.lingering[connection.sock])
            else:
                util.close(connection.sock)

    def _finish(self) -> None:
        """Stopping (SIGTERM, max requests): the connections already queued are taken, then no more; the requests
        arriving get FINISH seconds more to arrive whole and are answered, and the answered their wait for the
        client to close."""
        self._listen(False)
        for listener in self.sockets:
            for _ in range(MAX_PENDING):  # the connections the kernel has queued for the workers are taken too
                if not self._accept(listener):
                    break
        finish_by = time.monotonic() + FINISH
        for arriving in self.arriving.values():
            arriving.deadline = min(arriving.deadline, finish_by)
        while (self.arriving or self.lingering or self.busy) and self.is_parent_alive():
            self._turn()

    def _wait(self) -> float:
        waiting = [*self.arriving.values(), *self.lingering.values()]
        soonest = min((a.deadline for a in waiting), default=None)
        beat = min(1.0, self.timeout / 2 if self.timeout else 1.0)
        return beat if soonest is None else max(0.0, min(beat, soonest - time.monotonic()))

    def _accept(self, listener: socket.socket) -> bool:
        """Take one connection, if one is queued, and read it (returns whether there was one)."""
        try:
            client, addr = listener.accept()
        except OSError as exc:  # another worker took it, or the client left
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK, errno.EPROTO, *NO_ROOM):
                raise
            if exc.errno in NO_ROOM and self.lingering:  # out of file descriptors: make room
                self._close_oldest()
            return False
        client.setblocking(False)
        util.close_on_exec(client)
        if len(self.arriving) >= MAX_PENDING:
            self._drop(min(self.arriving.values(), key=lambda a: a.deadline), TIMED_OUT)
        arriving = Arriving(client, addr, listener, time.monotonic() + self.read_timeout)
        self.arriving[client] = arriving
        self._guarded(self._read, arriving)  # a request usually arrives with its connection: handled now, unwatched
        if client in self.arriving:  # the rest is still to come
            self.selector.register(client, selectors.EVENT_READ, arriving)
            arriving.watched = True
        return True

    def _read(self, arriving: Arriving) -> None:
        data = received(arriving.sock, 65536)
        if data is None:
            return
        if not data or self.kept + len(data) > KEPT_BODIES * self.max_body:  # gone before it was whole, or too much
            self._drop(arriving)
            return
        first = not arriving.data
        arriving.data += data
        self.kept += len(data)
        if first and plain_and_whole(arriving.data, self.max_body):
            complete = True  # gunicorn's parser reads it, as it reads every request
        else:
            arriving.parser.receive_data(data)  # from its first bytes on
            try:
                complete = whole(arriving, self.max_body)
            except (h11.RemoteProtocolError, OSError) as exc:  # handed over, it could hold the worker: refused here
                self._drop(arriving, answer("400 Bad Request", "bad_request", f"not an HTTP/1.1 request: {exc}"))
                return
        if complete:
            self._forget(arriving)
            arriving.sock.setblocking(True)
            if self.pool is None:
                self.handle(arriving.listener, Kept(arriving, self._linger), arriving.addr)
                return
            self.busy += 1
            if self._all_busy:
                self._listen(False)  # every thread busy: the other workers take the new connections
            self.pool.submit(self._handle_in_thread, arriving)

    def _handle_in_thread(self, arriving: Arriving) -> None:
        """In a pool thread: gunicorn's sync handler on a whole request; the answered connection, and then that
        the thread is free, go back to the selector (`_returns`)."""
        try:
            self.handle(arriving.listener, Kept(arriving, self._return), arriving.addr)
        except BaseException:  # noqa: BLE001 - gunicorn's handler catches what the app raises; this is a last guard
            self.log.exception("Error handling a request")
            util.close(arriving.sock)
        finally:
            self._return(None)

    def _return(self, sock: socket.socket | None) -> None:
        self.returned.put(sock)
        try:
            os.write(self.wake_w, b".")
        except BlockingIOError:  # the pipe is full of wake-ups already: the selector wakes anyway
            pass

    def _returns(self) -> None:
        """In the selector's thread: what the pool's threads handed back (answered connections; None: a thread free)."""
        try:
            os.read(self.wake_r, 4096)
        except BlockingIOError:
            pass
        while True:
            try:
                sock = self.returned.get_nowait()
            except queue.Empty:
                return
            if sock is not None:
                self._linger(sock)
                continue
            self.busy -= 1
            if self.alive and not self._all_busy:
                self._listen(True)

    def _expire(self, now: float) -> None:
        for arriving in [a for a in self.arriving.values() if a.deadline <= now]:
            self._drop(arriving, TIMED_OUT)
        for lingering in [x for x in self.lingering.values() if x.deadline <= now]:
            self._close(lingering)

    def _linger(self, sock: socket.socket) -> None:
        """An answered, half-closed connection: closed once its client closes it, or after LINGER seconds."""
        if len(self.lingering) >= MAX_PENDING:
            self._close_oldest()
        try:
            sock.setblocking(False)
            lingering = Lingering(sock, time.monotonic() + LINGER)
            self.selector.register(sock, selectors.EVENT_READ, lingering)
        except (OSError, ValueError):
            util.close(sock)
            return
        self.lingering[sock] = lingering

    def _drain(self, lingering: Lingering) -> None:
        data = received(lingering.sock, 4096)
        if data is None:
            return
        lingering.drained += len(data)
        if not data or lingering.drained >= LINGER_DRAIN:
            self._close(lingering)

    def _close_oldest(self) -> None:
        self._close(min(self.lingering.values(), key=lambda x: x.deadline))

    def _close(self, lingering: Lingering) -> None:
        self.selector.unregister(lingering.sock)
        del self.lingering[lingering.sock]
        util.close(lingering.sock)

    def _forget(self, arriving: Arriving) -> None:
        if arriving.watched:
            self.selector.unregister(arriving.sock)
        del self.arriving[arriving.sock]
        self.kept -= len(arriving.data)

    def _drop(self, arriving: Arriving, reply: bytes = b"") -> None:
        self._forget(arriving)
        if reply:
            try:
                arriving.sock.send(reply)  # best effort: a full send buffer just closes
            except OSError:
                pass
        util.close(arriving.sock)


def configured(max_body: int, read_timeout: float) -> type[WholeRequestWorker]:
    """The worker class with the server's settings (gunicorn.conf.py)."""
    return type("WholeRequestWorker", (WholeRequestWorker,), {"max_body": max_body, "read_timeout": read_timeout})
