from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "evidence"
    verbose_name = "Evidence vocabulary"

    def ready(self) -> None:
        from evidence import counts

        # Any write makes the cached counts of lists and facets out of date.
        counts.connect_signals()
