"""gunicorn settings for `make serve`, all from the environment.

GUNICORN_BIND (default 0.0.0.0:8000, or $PORT), GUNICORN_WORKERS (2 x CPUs + 1),
GUNICORN_THREADS (4: threaded workers), GUNICORN_TIMEOUT (30 s per request),
GUNICORN_GRACEFUL_TIMEOUT, GUNICORN_KEEPALIVE, GUNICORN_MAX_REQUESTS (worker recycling),
FORWARDED_ALLOW_IPS (proxies trusted for X-Forwarded-* headers, default 127.0.0.1).
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


wsgi_app = "evidence.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = _int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread" if threads > 1 else "sync"
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so that a slow leak never takes the site down.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Bodies are bounded again by Django (DATA_UPLOAD_MAX_MEMORY_SIZE); these cap headers.
limit_request_line = 8190
limit_request_fields = 100
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Fail fast at boot (bad settings, missing secret key) rather than in each worker.
preload_app = True
