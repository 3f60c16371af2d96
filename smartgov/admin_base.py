"""What the apps' admin pages share."""


class ShownOnly:
    """For a model admin or an inline that shows records and never writes them: what it shows is written by the
    services (which check and audit it) or by the platform itself (score runs, results, deliveries)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
