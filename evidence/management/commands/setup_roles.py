"""Create the curator groups (viewers, curators, editors) with their permissions.

- viewers: view permission on every curated model. They read the admin (records,
  history, read-only history versions) and may export (the export has public columns
  only, see evidence/base/admin.py); they write nothing, through any path.
- curators: view, add and change. Add + change is also what the admin import and its
  confirm step require, and change what the history revert and the verification
  actions require.
- editors: curators' permissions, delete, and `publish_release`.
"""

from django.core.management.base import BaseCommand

from evidence.services import roles_setup


class Command(BaseCommand):
    help = (
        "Create or update the groups viewers (read only), curators (add, change, "
        "import, revert) and editors (curators + delete, publish) (idempotent)."
    )

    def handle(self, *args, **options):
        for group, count in roles_setup().items():
            self.stdout.write(f"  {group}: {count} permissions")
        self.stdout.write(self.style.SUCCESS("Roles are set up."))
