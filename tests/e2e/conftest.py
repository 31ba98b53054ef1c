"""Browser tests: Playwright's sync API driving the system Chromium against live_server."""

import os

import pytest

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls
# from a thread with a running loop unless told otherwise. Set for e2e sessions only.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture
def world(transactional_db):
    from tests.web.conftest import build_world

    return build_world()
