"""Writes and workflows of the vocabulary app: the curator roles."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from evidence import registry

ROLES = {
    "viewers": ("view",),
    "curators": ("view", "add", "change"),
    "editors": ("view", "add", "change", "delete"),
}


def roles_setup() -> dict[str, int]:
    """Create or update the curator groups with their model permissions (idempotent)."""
    content_types = ContentType.objects.filter(app_label__in=registry.app_labels())
    result = {}
    for name, actions in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = list(
            Permission.objects.filter(
                content_type__in=content_types,
                codename__regex=rf"^({'|'.join(actions)})_",
            )
        )
        if name == "editors":
            permissions.append(Permission.objects.get(codename="publish_release"))
        group.permissions.set(permissions)
        result[name] = len(permissions)
    return result
