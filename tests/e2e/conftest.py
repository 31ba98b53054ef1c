"""Browser tests: Playwright's sync API driving the system Chromium against live_server."""

import os
from pathlib import Path

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


# axe-core from npm (package.json pins it; `make e2e` runs `npm install`).
AXE_PATH = (
    Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
)


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_PATH.exists():
        pytest.fail(
            f"{AXE_PATH} is missing: run `npm install` (make e2e does) to install "
            "the axe-core version pinned in package.json."
        )
    return AXE_PATH.read_text(encoding="utf-8")
