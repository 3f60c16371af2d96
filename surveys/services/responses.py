"""A citizen's response to a public questionnaire.

Privacy: a response carries no personal data. The client's network address is kept only as an HMAC keyed with
a key derived from SECRET_KEY and salted per questionnaire (IPv6 addresses by their /64 network); it serves to
limit floods and cannot be turned back into the address. Comments are stored with phone numbers, ID card
numbers and e-mail addresses masked.
"""

import datetime
import ipaddress

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from ..forms import ParsedResponse
from ..masking import mask_personal_data
from ..models import Answer, Questionnaire, SurveyResponse
from .refusals import AlreadyAnswered, SatisfactionRefused, SurveyClosed, TooManyResponses

Status = Questionnaire.Status


def address_hash(questionnaire: Questionnaire, address: str) -> str:
    """A keyed hash of the client's address, different for every questionnaire; the address is not kept."""
    text = (address or "").strip()
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        normal = text[:100]
    else:
        if ip.version == 6 and ip.ipv4_mapped is not None:
            normal = str(ip.ipv4_mapped)
        elif ip.version == 6:
            normal = f"{ipaddress.ip_network(f'{ip}/64', strict=False).network_address}/64"
        else:
            normal = str(ip)
    return salted_hmac(f"assessments.satisfaction.address/{questionnaire.key}", normal,
                       algorithm="sha256").hexdigest()


def responses_per_hour() -> int:
    return getattr(settings, "SATISFACTION_RESPONSES_PER_ADDRESS_HOUR", 30)


def survey_response_submit(*, questionnaire: Questionnaire, parsed: ParsedResponse, address: str,
                           answered_before: bool) -> SurveyResponse | None:
    """Store one citizen's answers. Refused when the questionnaire is not open, when this browser answered
    already, or when too many responses came from the same address within the last hour. A filled-in hidden
    field (a robot) is thanked and nothing is stored (None)."""
    if questionnaire.status != Status.PUBLISHED:
        raise SurveyClosed(_("This questionnaire is not open for responses."))
    if answered_before:
        raise AlreadyAnswered(_("You have already answered this questionnaire on this device. Thank you!"))
    digest = address_hash(questionnaire, address)
    since = timezone.now() - datetime.timedelta(hours=1)
    if SurveyResponse.objects.filter(questionnaire=questionnaire, client_hash=digest,
                                     submitted_at__gte=since).count() >= responses_per_hour():
        raise TooManyResponses(_("Too many responses have come from your network in the last hour. Please try "
                                 "again later."))
    if parsed.honeypot:
        return None
    if parsed.errors:
        raise SatisfactionRefused(" ".join(str(e) for e in parsed.errors.values()))
    with transaction.atomic():
        response = SurveyResponse.objects.create(questionnaire=questionnaire, region=parsed.region,
                                                 client_hash=digest, comment=mask_personal_data(parsed.comment))
        Answer.objects.bulk_create(Answer(response=response, question=question, value=value)
                                   for question, value in parsed.answers.items())
    return response
