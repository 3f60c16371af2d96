"""What the imports of uploaded files run in the background share (the people sheet here, the satisfaction files in
`surveys`): the uploaded file, kept privately while the work needs it and removed after, and the end of a request
whose job was given up."""

import logging
from typing import cast

from django.conf import settings
from django.core.files.storage import Storage
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def stored_file_forget(model: type[models.Model], pk: int) -> None:
    """Forget the stored file (its field `file`) of a request, then remove the file once that is committed (a
    backup never meets a request whose file is gone)."""
    rows = model._default_manager
    with transaction.atomic():
        name = rows.select_for_update().filter(pk=pk).exclude(file="").values_list("file", flat=True).first()
        if not name:
            return
        rows.filter(pk=pk).update(file="")
        storage = cast(models.FileField, model._meta.get_field("file")).storage
        transaction.on_commit(lambda: stored_file_delete(storage, name))


def stored_file_delete(storage: Storage, name: str | None) -> None:
    """Remove a stored file; a file that cannot be removed is logged, never raised (the work is done)."""
    if not name:
        return
    try:
        storage.delete(name)
    except OSError:
        logger.warning("the stored file %s could not be removed", name, exc_info=True)


def file_import_given_up(model: type[models.Model], pk: int, error: str) -> None:
    """A request whose job was given up (it failed or lost its worker again and again) fails with that reason, in
    its requester's language; nothing was imported (each write is one transaction), and its file is removed."""
    rows = model._default_manager
    language = rows.filter(pk=pk).values_list("language", flat=True).first()
    with translation.override(language or settings.LANGUAGE_CODE):
        message = _("The import could not be finished; nothing was imported. Upload the file again, or ask the "
                    "administrators if this happens again. (%(reason)s)") % {"reason": error}
    rows.filter(pk=pk, status__in=["queued", "running"]).update(
        status="failed", error=message[:4000], stage="", finished_at=timezone.now())
    stored_file_forget(model, pk)
