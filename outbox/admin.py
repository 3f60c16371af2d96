from django.contrib import admin

from smartgov.admin_base import ShownOnly

from .models import Job


@admin.register(Job)
class JobAdmin(ShownOnly, admin.ModelAdmin):
    """The jobs as the outbox keeps them, to see what is owed, running or given up (written by the outbox only)."""

    list_display = ["id", "kind", "key", "state", "due_at", "dispatches", "attempts", "failures", "lease_until",
                    "finished_at"]
    list_filter = ["state", "kind"]
    search_fields = ["key", "request_id"]
    date_hierarchy = "created_at"
