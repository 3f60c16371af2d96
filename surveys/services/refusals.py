"""The refusals of the satisfaction services, and the one permission rule they share."""

from collections.abc import Iterable

from django.utils.translation import gettext as _

from assessments.models import Region
from audit.services import Actor
from smartgov.errors import DomainError, ErrorCode, PermissionRefused

from ..selectors import may_manage
from ..tables import RowError


class SatisfactionRefused(DomainError):
    """A request the rules refuse; the message says why, for the user."""

    code = ErrorCode.SATISFACTION_REFUSED


class SurveyClosed(SatisfactionRefused):
    code = ErrorCode.SURVEY_CLOSED


class AlreadyAnswered(SatisfactionRefused):
    code = ErrorCode.ALREADY_ANSWERED


class TooManyResponses(SatisfactionRefused):
    code = ErrorCode.TOO_MANY_RESPONSES


class ImportRejected(DomainError):
    """Nothing was imported; `errors` are the row-level problems (empty when the whole file is unusable)."""

    code = ErrorCode.IMPORT_REFUSED

    def __init__(self, message: str, errors: Iterable[RowError] = (), rows: int = 0) -> None:
        super().__init__(message)
        self.errors = list(errors)
        self.rows = rows


def check_manage(actor: Actor, region: Region) -> None:
    if not may_manage(actor, region):
        raise PermissionRefused(_("Only the city's reviewer, the province's analysts and administrators may do "
                                 "this."))
