from django.apps import AppConfig


class SecretomeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "secretome"
