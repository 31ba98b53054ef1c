"""Shared fixtures, and the test tiers.

Tiers, applied here by folder (and by the SLOW list) rather than by marks in the files:
- `e2e`: tests/e2e, a real Chromium (`make e2e`);
- `reliability`: tests/reliability, production-profile servers, a private PostgreSQL,
  wrk, live fuzzing, the restore drill;
- `slow`: the tests of SLOW below (live servers, the whole curated dataset reloaded,
  in-process fuzzing);
- the fast tier is everything else (`make test-fast`, in parallel with pytest-xdist).
`suite_db` marks every test that uses the database the suite runs on (DATABASE_URL):
CI runs those again on PostgreSQL.
"""

from pathlib import Path

import pytest
from _pytest.mark.expression import Expression
from django.contrib.auth import get_user_model

TESTS = Path(__file__).resolve().parent
FOLDER_MARKS = {"e2e": "e2e", "reliability": "reliability"}
# Node ids (or their beginnings, relative to tests/) of the slow tier.
SLOW = (
    # The whole curated dataset loaded, exported, flushed and loaded again.
    "test_curated_roundtrip.py::",
    # Parallel writers against gunicorn (SQLite) or the live server (PostgreSQL).
    "api/test_concurrency.py::test_parallel_patches_with_one_etag_have_exactly_one_winner",
    "evidence/test_admin_race.py::",
    "api/test_throttling.py::test_parallel_requests_are_each_counted_once",
    # Schemathesis: every GET operation, 15 generated requests each.
    "api/test_schema_fuzz.py::",
)
SUITE_DB_FIXTURES = {
    "db",
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
}


def _tier_marks(path: Path) -> set[str]:
    """The tier marks every test of this file or folder gets."""
    relative = path.resolve().relative_to(TESTS)
    marks = set()
    if relative.parts and relative.parts[0] in FOLDER_MARKS:
        marks.add(FOLDER_MARKS[relative.parts[0]])
    if path.is_file() and relative.as_posix() + "::" in SLOW:
        marks.add("slow")
    return marks


def pytest_ignore_collect(collection_path, config):
    """A folder or module whose tests are all outside the selected tiers (`-m`) is not
    imported at all: `make test-fast` does not pay for building the schemathesis
    schema or the reliability tests' parameters."""
    markexpr = config.getoption("markexpr")
    if not markexpr or not collection_path.resolve().is_relative_to(TESTS):
        return None
    marks = _tier_marks(collection_path)
    if not marks:
        return None
    expression = Expression.compile(markexpr)
    # Deselected whatever other marks its tests have (all of them, or none).
    for other in (True, False):

        def matches(name, other=other, **_):
            return name in marks or other

        if expression.evaluate(matches):
            return None
    return True


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(item.path).resolve()
        if not path.is_relative_to(TESTS):
            continue
        relative = path.relative_to(TESTS)
        folder = relative.parts[0] if len(relative.parts) > 1 else ""
        if folder in FOLDER_MARKS:
            item.add_marker(FOLDER_MARKS[folder])
        node = relative.as_posix() + "::" + item.nodeid.split("::", 1)[-1]
        if node.startswith(SLOW):
            item.add_marker("slow")
        if item.get_closest_marker("django_db") or SUITE_DB_FIXTURES.intersection(
            item.fixturenames
        ):
            item.add_marker("suite_db")


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory) -> Path:
    """`collectstatic` for the production profile's hashed static files, once per
    session (and xdist worker), for every production-profile server of the tests."""
    from tests.reliability.conftest import manage, production_env

    root = tmp_path_factory.mktemp("collected-static")
    env = production_env(
        "sqlite:///unused.sqlite3", root, 0, DJANGO_STATIC_ROOT=str(root)
    )
    manage("collectstatic", "--noinput", "--verbosity", "0", env=env)
    return root


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser(
        "admin", "admin@example.org", "correct-horse-battery"
    )


@pytest.fixture
def admin_client_logged(client, superuser):
    client.force_login(superuser)
    return client


def pytest_configure(config):
    """Test users hash their passwords with MD5: PBKDF2's million rounds cost about a
    second per user, and the tests create hundreds. Logins stay real logins."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]


@pytest.fixture(scope="module")
def curated_dataset(django_db_setup, django_db_blocker):
    """The real curated dataset, loaded once for a module and rolled back after it
    (`pytestmark = pytest.mark.usefixtures("curated_dataset")`)."""
    from django.conf import settings
    from django.db import transaction

    from evidence.dataset.load import dataset_load

    with django_db_blocker.unblock(), transaction.atomic():
        dataset_load(directory=Path(settings.FIXTURES_DIR))
        yield
        transaction.set_rollback(True)
