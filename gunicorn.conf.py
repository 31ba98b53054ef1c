"""gunicorn settings for `make serve`, all from the environment.

GUNICORN_BIND (default 0.0.0.0:8000, or $PORT), GUNICORN_WORKERS (2 x CPUs + 1),
GUNICORN_THREADS (4: threaded workers), GUNICORN_TIMEOUT (30 s: how long a worker may
stay silent before the master restarts it; with threaded workers this is not a limit on
one request's duration), GUNICORN_GRACEFUL_TIMEOUT, GUNICORN_KEEPALIVE (0: see below),
GUNICORN_MAX_REQUESTS and GUNICORN_MAX_REQUESTS_JITTER (worker recycling),
FORWARDED_ALLOW_IPS (proxies trusted for X-Forwarded-* headers, default 127.0.0.1).

Worker recycling and graceful restarts (D13): gunicorn's threaded worker, once told to
stop, leaves its loop at once and closes every connection it has accepted but not yet
served: the idle keep-alive connections, and a connection it accepted in its last loop
turn. A client that sent a request on one of those gets a reset ("Remote end closed
connection without response"), about once per worker restart. `DrainingThreadWorker`
stops accepting and then serves what it already holds (a kept-alive connection gets its
next request answered with "Connection: close"), for up to the keep-alive time, before
it exits; in-flight requests still get `graceful_timeout`.
"""

import multiprocessing
import os
import selectors
import time
from concurrent import futures
from functools import partial

from gunicorn.workers.gthread import ThreadWorker


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class DrainingThreadWorker(ThreadWorker):
    """gthread, but a stopping worker serves the connections it holds before it exits."""

    def run(self):
        for sock in self.sockets:
            sock.setblocking(False)
            server = sock.getsockname()
            self.poller.register(
                sock, selectors.EVENT_READ, partial(self.accept, server)
            )
        while self.alive:
            self.notify()
            if self.nr_conns < self.worker_connections:
                for key, _ in self.poller.select(1.0):
                    key.data(key.fileobj)
                timeout = 0
            else:
                timeout = 1.0
            self._reap(timeout)
            if not self.is_parent_alive():
                break
            self.murder_keepalived()
        self._drain()
        self.tpool.shutdown(False)
        self.poller.close()
        for sock in self.sockets:
            sock.close()
        futures.wait(self.futures, timeout=self.cfg.graceful_timeout)

    def _reap(self, timeout: float) -> None:
        done = futures.wait(
            self.futures, timeout=timeout, return_when=futures.FIRST_COMPLETED
        ).done
        for future in done:
            self.futures.remove(future)

    def _drain(self) -> None:
        """Accept nothing more; answer every connection already accepted."""
        with self._lock:
            for sock in self.sockets:
                try:
                    self.poller.unregister(sock)
                except (KeyError, ValueError, OSError):
                    pass
        # A connection that sends nothing is given up after the keep-alive time.
        deadline = time.monotonic() + min(
            self.cfg.graceful_timeout, max(self.cfg.keepalive, 2) + 1
        )
        while time.monotonic() < deadline:
            with self._lock:
                waiting = len(self.poller.get_map())
            if not waiting and not self.futures:
                break
            self.notify()
            for key, _ in self.poller.select(0.05):
                key.data(key.fileobj)
            self._reap(0)
            self.murder_keepalived()


wsgi_app = "evidence.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = _int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
threads = _int("GUNICORN_THREADS", 4)
worker_class = DrainingThreadWorker if threads > 1 else "sync"
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so that a slow leak never takes the site down; the jitter
# keeps the workers from restarting all at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", max(1, max_requests // 10))
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Bodies are bounded again by Django (DATA_UPLOAD_MAX_MEMORY_SIZE); these cap headers.
limit_request_line = 8190
limit_request_fields = 100
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Fail fast at boot (bad settings, missing secret key) rather than in each worker.
preload_app = True
