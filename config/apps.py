from django.contrib.admin.apps import AdminConfig as BaseAdminConfig


class AdminConfig(BaseAdminConfig):
    default_site = "config.admin.AdminSite"

    def ready(self):
        super().ready()  # loads every app's admin module
        from .admin import restrict_to_superusers

        restrict_to_superusers()
