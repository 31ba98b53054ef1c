"""Time pages and downloads in process on an existing database (issue 13's page types).

    DATABASE_URL=sqlite:////tmp/scale.sqlite3 python manage.py migrate
    DATABASE_URL=sqlite:////tmp/scale.sqlite3 python manage.py generate_synthetic \\
        --trials 100000 --studies 20000 --seed 1
    DATABASE_URL=sqlite:////tmp/scale.sqlite3 python bench/pages.py /therapies/ \\
        /conditions/keloid/ "/trials/?condition=keloid&export=csv"

For each URL: a request with an empty cache ("cold") and one after it ("warm"), with the
status, the time to the first piece of the body and to its end, the size, the number of
queries and the process's peak RSS so far. A streamed body is read to its end. The load
average is printed before and after: the figures mean little on a busy machine.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path


def main(urls: list[str]) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evidence.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    print(f"load average before: {os.getloadavg()}", flush=True)
    for url in urls:
        for attempt in ("cold", "warm"):
            if attempt == "cold":
                cache.clear()
            start = time.perf_counter()
            first = None
            size = 0
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
                body = (
                    response.streaming_content
                    if response.streaming
                    else [response.content]
                )
                for piece in body:
                    first = first if first is not None else time.perf_counter() - start
                    size += len(piece)
            total = time.perf_counter() - start
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"{url}\t{attempt}\t{response.status_code}\tfirst {first or 0:.3f} s"
                f"\ttotal {total:.3f} s\t{size / 1e6:.2f} MB\t{len(queries)} queries"
                f"\tpeak RSS {peak:.0f} MB",
                flush=True,
            )
    print(f"load average after: {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
