"""Create the curator groups (viewers, curators, editors) with their permissions."""

from django.core.management.base import BaseCommand

from evidence.releases import roles_setup


class Command(BaseCommand):
    help = "Create or update the groups viewers, curators and editors (idempotent)."

    def handle(self, *args, **options):
        for group, count in roles_setup().items():
            self.stdout.write(f"  {group}: {count} permissions")
        self.stdout.write(self.style.SUCCESS("Roles are set up."))
