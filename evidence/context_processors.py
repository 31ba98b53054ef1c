"""Template context shared by every page."""

from evidence import registry


def navigation(request) -> dict:
    """The site navigation, from the entities the apps registered."""
    return {"nav_entries": registry.nav_entries()}
