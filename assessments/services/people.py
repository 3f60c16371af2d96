"""People: accounts and their roles. Administrators create and change accounts in the admin (`person_save`,
`person_password_set`); coordinators onboard people from an Excel sheet (a dry run, then an all-or-nothing apply,
run in the background by `people_requests`), invite them (a one-time link to set a password), deactivate and
reactivate them and change their roles. Each write is audited with what changed (a password only as “set”, never
its hash; an invitation never with its link).

Who manages whom: the national coordinator (a platform administrator) everyone; a provincial coordinator the
people whose roles all lie in their provinces (never an administrator, nor themself).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import override

from audit.models import Action
from audit.services import Actor, audit_record
from smartgov.errors import DomainError, ErrorCode, Invalid, PermissionRefused, Refused
from smartgov.limits import PEOPLE_FILE_MAX_BYTES, PEOPLE_FILE_MAX_ROWS
from smartgov.workbooks import UnreadableWorkbook

from ..models import Person, Region, RoleAssignment
from ..people_file import IMPORTED_ROLES, ROLE_LEVELS, PersonRow, read_people, role_aliases, role_from_text
from ..permissions import coordinated_provinces, is_platform_admin, may_coordinate
from .roles import role_grant, role_revoke

Role = RoleAssignment.Role
FIELDS = ("username", "first_name", "last_name", "email", "is_active", "is_staff", "is_superuser")
MOBILE = re.compile(r"^1\d{10}$")
USERNAME_UNSAFE = re.compile(r"[^\w.@+-]")


def _facts(person: User) -> dict[str, Any]:
    return {name: getattr(person, name) for name in FIELDS}


def _mobile_of(person: User) -> str:
    profile = Person.objects.filter(user_id=person.pk).first()
    return profile.mobile if profile is not None else ""


@transaction.atomic
def person_save(*, person: User, actor: Actor | None, password_set: bool = False, mobile: str | None = None,
                region: Region | None = None) -> User:
    """Save an account as edited (a new one when it has no id yet) and audit the difference; `mobile`, when
    given, is kept in the person's profile. The audit records `region`, by default the province-level division
    all the person's roles lie in."""
    creating = person.pk is None
    before = None if creating else {**_facts(User.objects.get(pk=person.pk)), "mobile": _mobile_of(person)}
    person.save()
    if mobile is not None and creating:
        Person.objects.create(user=person, mobile=mobile)
    elif mobile is not None:
        Person.objects.update_or_create(user=person, defaults={"mobile": mobile})
    after = {**_facts(person), "mobile": mobile if mobile is not None else "" if creating else _mobile_of(person)}
    if before is None:
        audit_record(actor=actor, action=Action.PERSON_CREATED, target=person, region=region,
                     new={**after, "password": "set" if password_set and person.has_usable_password() else None})
        return person
    changed = [name for name in after if before[name] != after[name]]
    if changed or password_set:
        old = {name: before[name] for name in changed}
        new = {name: after[name] for name in changed}
        if password_set:
            new["password"] = "set"  # noqa: S105 - a fact for the record, never the password
        audit_record(actor=actor, action=Action.PERSON_CHANGED, target=person, region=region or _home_region(person),
                     old=old, new=new)
    return person


def person_language_set(*, person: User, language: str) -> None:
    """Remember the language a person chose (a preference, not audited): their pages speak it everywhere."""
    if language in dict(settings.LANGUAGES):
        Person.objects.update_or_create(user=person, defaults={"language": language})


@transaction.atomic
def person_password_set(*, person: User, password: str | None, actor: Actor | None) -> User:
    """Set (or, with None, disable) an account's password. No actor: the platform itself (the demo)."""
    if password is None:
        person.set_unusable_password()
    else:
        person.set_password(password)
    return person_save(person=person, actor=actor, password_set=True)


def _home_region(person: User) -> Region | None:
    """The province-level division of the person's roles when they all lie in one, for the audit trail."""
    provinces = set(RoleAssignment.objects.filter(user_id=person.pk).values_list("region__province", flat=True))
    province = provinces.pop() if len(provinces) == 1 else None
    return None if province is None else Region.objects.get(pk=province)


# Who manages whom -----------------------------------------------------------------------------------------------


def people_listed(user: Actor) -> QuerySet[User]:
    """The people a coordinator's list shows: everyone for the national coordinator; for a provincial one,
    everyone holding a role in their provinces (some of whom only the national coordinator manages)."""
    if is_platform_admin(user):
        return User.objects.all()
    return User.objects.filter(Exists(RoleAssignment.objects.filter(
        user=OuterRef("pk"), region__province__in=coordinated_provinces(user))))


def people_managed(user: Actor) -> QuerySet[User]:
    """The people `user` may invite, deactivate and give roles: see the module's docstring."""
    if is_platform_admin(user):
        return User.objects.all()
    provinces = coordinated_provinces(user)
    elsewhere = RoleAssignment.objects.filter(user=OuterRef("pk")).exclude(region__province__in=provinces)
    return (people_listed(user).exclude(Exists(elsewhere))
            .exclude(is_superuser=True).exclude(is_staff=True).exclude(pk=user.pk or 0))


def may_manage(user: Actor, person: User) -> bool:
    return people_managed(user).filter(pk=person.pk).exists()


def _check_manage(actor: Actor, person: User) -> None:
    if person.pk == actor.pk:
        raise PermissionRefused(_("You cannot change your own account here: ask another coordinator."))
    if not may_manage(actor, person):
        raise PermissionRefused(_("You may not manage this person: their roles are not all in a province you "
                                  "coordinate."))


def role_misfit(role: str, region: Region) -> str | None:
    """Why `role` cannot be held on `region` (its level), or None."""
    levels = ROLE_LEVELS.get(Role(role))
    if levels is None:
        return _("This role cannot be given here: a platform administrator is made by another administrator.")
    if region.level not in levels:
        return _("%(role)s is a role held on: %(levels)s; %(region)s is a %(level)s.") % {
            "role": Role(role).label, "levels": " / ".join(str(Region.Level(level).label) for level in levels),
            "region": region.name, "level": region.get_level_display()}
    return None


# Deactivate, reactivate, change a role --------------------------------------------------------------------------


@transaction.atomic
def person_deactivate(*, person: User, actor: Actor) -> User:
    """The person can no longer log in (their sessions end too); their roles and history stay."""
    _check_manage(actor, person)
    person.is_active = False
    return person_save(person=person, actor=actor)


@transaction.atomic
def person_reactivate(*, person: User, actor: Actor) -> User:
    _check_manage(actor, person)
    person.is_active = True
    return person_save(person=person, actor=actor)


@transaction.atomic
def person_change_role(*, assignment: RoleAssignment, role: str, region: Region, actor: Actor) -> RoleAssignment:
    """Replace one of a person's roles by `role` on `region`: the old one revoked, the new one granted."""
    _check_manage(actor, assignment.user)
    if role not in Role.values:
        raise Invalid(_("Unknown role."), fields={"role": [_("Unknown role.")]})
    if role not in IMPORTED_ROLES:
        raise Refused(_("This role cannot be given here: a platform administrator is made by another "
                        "administrator."))
    if not region.is_current:
        raise Refused(_("%(region)s (%(code)s) is no longer valid.") % {"region": region.name, "code": region.code})
    if not may_coordinate(actor, region):
        raise PermissionRefused(_("%(region)s is not in a province you coordinate.") % {"region": region.name})
    reason = role_misfit(role, region)
    if reason:
        raise Refused(reason)
    if assignment.role == role and assignment.region_id == region.pk:
        return assignment
    person = assignment.user
    role_revoke(assignment=assignment, actor=actor)
    return role_grant(user=person, role=role, region=region, actor=actor)


# Invitations ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    person: User
    link: str
    """The one-time link to set a password: give it to the person by hand when it was not e-mailed."""
    emailed: bool
    expires: datetime.datetime
    issued: int = 0
    """When the link's token was made, as the token counts time (its first part)."""
    digest: str = ""
    """SHA-256 of the link's token: with `issued`, `invitation_link_again` makes the same link again while it
    works, so that a page can show it again without the link being stored."""


def _invitation(person: User, actor: Actor, base_url: str, *, region: Region | None,
                roles: list[RoleAssignment] | None = None, fresh: bool = False
                ) -> tuple[Invitation, EmailMessage | None]:
    """Make (and record) an invitation; the e-mail, when there is an address, is for the caller to send.
    `region` is the one the audit records; `roles` the person's (found when None); `fresh`: the account was just
    made, so no earlier link of it can be out."""
    if not person.is_active:
        raise Refused(_("This account is deactivated: reactivate it before inviting the person."))
    if not fresh and not person.has_usable_password():
        person.set_unusable_password()  # a new invitation makes every earlier link of a new account stop working
        person.save(update_fields=["password"])
    token = default_token_generator.make_token(person)
    now = timezone.now()
    invitation = Invitation(person, _invitation_link(person, token, base_url), bool(person.email),
                            now + datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT),
                            issued=base36_to_int(token.split("-")[0]), digest=_digest(token))
    inviter = actor if actor.is_authenticated else None
    if not Person.objects.filter(user=person).update(invited_at=now, invited_by=inviter):
        Person.objects.create(user=person, invited_at=now, invited_by=inviter)
    audit_record(actor=actor, action=Action.PERSON_INVITED, target=person, region=region,
                 new={"email": person.email or None, "expires": invitation.expires.isoformat(timespec="seconds")})
    if not person.email:
        return invitation, None
    if roles is None:
        roles = list(person.roles.select_related("region").order_by("role", "region__code"))
    return invitation, _invitation_email(invitation, actor, roles)


def _invitation_link(person: User, token: str, base_url: str) -> str:
    path = reverse("invitation-accept", kwargs={"uidb64": urlsafe_base64_encode(force_bytes(person.pk)),
                                                "token": token})
    return f"{base_url.rstrip('/')}{path}"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link_again(person: User, *, issued: int, digest: str, base_url: str) -> str | None:
    """The link of an invitation (`Invitation.issued` and `.digest`), the same as it was given, or None once it no
    longer works: the person has set a password or logged in, was invited again, their e-mail changed, the
    account was deactivated, or the link expired (PASSWORD_RESET_TIMEOUT after it was made). A pure read.

    Django makes a password-reset token from the account's state and the time it was made, and has no public way
    to make the token of a given time, hence its `_make_token_with_timestamp` (the one it checks tokens with).
    Made from the account as it is now, the token is the one given only while that state is unchanged, which the
    digest of the given token tells; otherwise it would be a new, working link to set the password of an account
    that already has one."""
    generator = default_token_generator
    token = generator._make_token_with_timestamp(person, issued, generator.secret)
    if not (person.is_active and constant_time_compare(_digest(token), digest)
            and generator.check_token(person, token)):
        return None
    return _invitation_link(person, token, base_url)


def _invitation_email(invitation: Invitation, actor: Actor, roles: list[RoleAssignment]) -> EmailMessage:
    """Chinese first, English second: the same template in each language."""
    person = invitation.person
    subjects, bodies = [], []
    for language in ("zh-hans", "en"):
        with override(language):
            context = {"person": person, "inviter": (actor.get_full_name() or actor.get_username())
                       if actor.is_authenticated else _("the platform"),
                       "roles": [(Role(a.role).label, a.region.name if a.region else "") for a in roles],
                       "link": invitation.link, "expires": invitation.expires, "site": settings.SITE_NAME}
            subjects.append(_("Invitation to %(site)s") % {"site": settings.SITE_NAME})
            bodies.append(render_to_string("registration/invitation_email.txt", context))
    subject = " / ".join(dict.fromkeys(subjects))
    return EmailMessage(subject=subject, body="\n\n----------\n\n".join(bodies), to=[person.email])


def _send(messages: list[EmailMessage]) -> None:
    if messages:
        transaction.on_commit(lambda: get_connection(fail_silently=True).send_messages(messages))


@transaction.atomic
def person_invite(*, person: User, actor: Actor, base_url: str) -> Invitation:
    """Send (or send again) an invitation: a one-time link to set a password (Django's password-reset token:
    it stops working once the password is set or the person logs in, and after PASSWORD_RESET_TIMEOUT),
    e-mailed when the person has an address, and returned for hand delivery. `base_url` is the site's address
    (scheme and host) the link starts with."""
    _check_manage(actor, person)
    invitation, message = _invitation(person, actor, base_url, region=_home_region(person))
    _send([message] if message else [])
    return invitation


# Import from Excel ----------------------------------------------------------------------------------------------


class PeopleImportRefused(DomainError):
    """The import cannot go on; `preview` is the dry run behind the refusal, when there is one."""

    code = ErrorCode.IMPORT_REFUSED

    def __init__(self, message: str, preview: PeoplePreview | None = None) -> None:
        super().__init__(message)
        self.preview = preview


@dataclass(frozen=True)
class PeopleRowError:
    row: int
    column: str
    column_label: str
    value: str
    reason: str


@dataclass(frozen=True)
class PeopleRowPlan:
    """What one row would do: give `role` on `region` to `person` (an existing account), or to the new account
    of `identity` (made by the first row that names it)."""

    row: int
    name: str
    email: str
    mobile: str
    region: Region
    role: str
    identity: str
    person: User | None
    matched_by: str
    """"email" or "mobile" for an existing account, "" for a new one."""
    creates: bool
    """This row makes the new account."""
    held: bool
    """The account already holds this role here: nothing to do."""

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)


@dataclass
class PeoplePreview:
    """What an import would do. Nothing has been written."""

    sha256: str
    rows: int = 0
    plans: list[PeopleRowPlan] = field(default_factory=list)
    errors: list[PeopleRowError] = field(default_factory=list)
    identities: set[str] = field(default_factory=set)
    _provinces: dict[str, set[Region | None]] = field(default_factory=dict, repr=False)

    def province_of(self, identity: str) -> Region | None:
        """The province-level division of every role the file gives `identity`, when they all lie in one."""
        if not self._provinces:
            for plan in self.plans:
                self._provinces.setdefault(plan.identity, set()).add(plan.region.province)
        provinces = self._provinces.get(identity, set())
        return next(iter(provinces)) if len(provinces) == 1 else None

    def add_errors(self, row: PersonRow, errors: list[tuple[str, str, str]], label: Callable[[str], str]) -> None:
        self.errors.extend(PeopleRowError(row.number, column, label(column), value, reason)
                           for column, value, reason in errors)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def created(self) -> int:
        return sum(plan.creates for plan in self.plans)

    @property
    def granted(self) -> int:
        return sum(not plan.held for plan in self.plans)

    @property
    def unchanged(self) -> int:
        return sum(plan.held for plan in self.plans)

    @property
    def fingerprint(self) -> str:
        """Changes whenever the apply would do something else than this dry run showed."""
        content = [self.sha256, [(p.row, p.identity, p.person.pk if p.person else None, p.role, p.region.pk,
                                  p.creates, p.held) for p in self.plans],
                   [(e.row, e.column, e.reason) for e in self.errors]]
        return hashlib.sha256(json.dumps(content, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class PeopleImportResult:
    created: list[User]
    granted: int
    invitations: list[Invitation]
    rows: int = 0
    unchanged: int = 0


def normalised_mobile(text: str) -> str:
    """A mobile as stored: digits only, without the +86 country code."""
    digits = re.sub(r"[\s\-()（）]", "", text)
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            return digits[len(prefix):]
    return digits


class _Matcher:
    """Finds the account a row is about: an existing one by e-mail, else by mobile; else a new one, the same for
    every row of the file that names it by the same e-mail or mobile."""

    def __init__(self, rows: list[PersonRow]) -> None:
        emails = {row.email.lower() for row in rows if row.email}
        mobiles = {normalised_mobile(row.mobile) for row in rows if row.mobile}
        self.by_email: dict[str, list[User]] = {}
        for user in User.objects.annotate(lower=Lower("email")).filter(lower__in=emails):
            self.by_email.setdefault(user.email.lower(), []).append(user)
        self.by_mobile: dict[str, list[User]] = {}
        for profile in Person.objects.filter(mobile__in=mobiles).select_related("user"):
            self.by_mobile.setdefault(profile.mobile, []).append(profile.user)
        self.new: dict[str, str] = {}
        """e-mail or mobile → identity of a new account made by an earlier row."""

    def users(self) -> list[User]:
        return [user for found in (self.by_email, self.by_mobile) for users in found.values() for user in users]

    def match(self, email: str, mobile: str) -> tuple[User | None, str, str]:
        """(existing account or None, "email"/"mobile"/"", identity). Raises ValueError with the reason when the
        e-mail or mobile names several accounts."""
        for key, found, kind in ((email.lower(), self.by_email, "email"), (mobile, self.by_mobile, "mobile")):
            if not key:
                continue
            users = found.get(key, [])
            if len(users) > 1:
                raise ValueError(kind)
            if users:
                return users[0], kind, f"user:{users[0].pk}"
            if f"{kind}:{key}" in self.new:
                return None, "", self.new[f"{kind}:{key}"]
        identity = f"new:{email.lower() or mobile}"
        for kind, key in (("email", email.lower()), ("mobile", mobile)):
            if key:
                self.new[f"{kind}:{key}"] = identity
        return None, "", identity


def people_import_preview(*, data: bytes, actor: Actor) -> PeoplePreview:
    """The dry run: what every row would do and every error, with its row and column. A pure read.

    Raises PeopleImportRefused when the file as a whole cannot be used (unreadable, too large, not the
    template's columns), PermissionRefused when the actor coordinates no province.
    """
    provinces = None if is_platform_admin(actor) else set(coordinated_provinces(actor).values_list("pk", flat=True))
    if provinces is not None and not provinces:
        raise PermissionRefused(_("Only a coordinator may import people."))
    if len(data) > PEOPLE_FILE_MAX_BYTES:
        raise PeopleImportRefused(_("The file is larger than %(limit)d MB.")
                                  % {"limit": PEOPLE_FILE_MAX_BYTES // (1024 * 1024)})
    try:
        sheet = read_people(data, max_rows=PEOPLE_FILE_MAX_ROWS)
    except UnreadableWorkbook as unreadable:
        raise PeopleImportRefused(str(unreadable)) from None
    preview = PeoplePreview(sha256=hashlib.sha256(data).hexdigest(), rows=len(sheet.rows))
    regions = {r.code: r for r in Region.objects.filter(code__in={row.region_code.upper() for row in sheet.rows})
               .select_related("successor", "province")}
    aliases = role_aliases()
    matcher = _Matcher(sheet.rows)
    held = set(RoleAssignment.objects.filter(user__in=matcher.users()).values_list("user_id", "role", "region_id"))
    seen: dict[tuple[str, str, int], int] = {}
    for row in sheet.rows:
        errors: list[tuple[str, str, str]] = []
        mobile = normalised_mobile(row.mobile)
        _check_contact(row, mobile, errors)
        region = _region_of(row, regions, provinces, errors)
        role = _role_of(row, region, aliases, errors)
        if errors or region is None or role is None:
            preview.add_errors(row, errors, sheet.column_label)
            continue
        try:
            person, matched_by, identity = matcher.match(row.email, mobile)
        except ValueError as several:
            column = str(several)
            errors.append((column, row.email if column == "email" else row.mobile, _(
                "Several accounts have this e-mail address or mobile number: ask the national coordinator to "
                "sort them out.")))
        else:
            if person is None and not row.name:
                errors.append(("name", "", _("Enter the name of this new person.")))
            key = (identity, role, region.pk)
            if key in seen:
                errors.append(("role", row.role, _("Row %(row)d already gives this person this role here.")
                               % {"row": seen[key]}))
            seen.setdefault(key, row.number)
        if errors:
            preview.add_errors(row, errors, sheet.column_label)
            continue
        creates = person is None and identity not in preview.identities
        preview.identities.add(identity)
        preview.plans.append(PeopleRowPlan(
            row=row.number, name=row.name, email=row.email, mobile=mobile, region=region, role=role,
            identity=identity, person=person, matched_by=matched_by, creates=creates,
            held=person is not None and (person.pk, role, region.pk) in held))
    return preview


def _check_contact(row: PersonRow, mobile: str, errors: list[tuple[str, str, str]]) -> None:
    if len(row.name) > 150:
        errors.append(("name", row.name[:40], _("A name has at most 150 characters.")))
    if row.email:
        try:
            validate_email(row.email)
        except ValidationError:
            errors.append(("email", row.email, _("This is not a valid e-mail address.")))
    if row.mobile and not MOBILE.match(mobile):
        errors.append(("mobile", row.mobile, _("A mobile number has 11 digits and starts with 1.")))
    if not row.email and not row.mobile:
        errors.append(("email", "", _("Enter an e-mail address or a mobile number (or both).")))


def _region_of(row: PersonRow, regions: dict[str, Region], provinces: set[int] | None,
               errors: list[tuple[str, str, str]]) -> Region | None:
    """The current region the row names, inside the actor's provinces (None: all), or None after an error."""
    code = row.region_code.upper()
    region = regions.get(code)
    if not code:
        errors.append(("region_code", "", _("Enter the region code.")))
    elif region is None:
        errors.append(("region_code", row.region_code, _("Unknown region code.")))
    elif not region.is_current:
        successor = region.successor
        errors.append(("region_code", row.region_code, (
            _("This code is no longer valid since %(date)s: use %(code)s (%(name)s).") if successor
            else _("This code is no longer valid since %(date)s.")) % {
                "date": region.valid_to, "code": successor and successor.code, "name": successor and successor.name}))
    elif provinces is not None and region.province_id not in provinces:
        errors.append(("region_code", row.region_code, _("%(region)s is not in a province you coordinate.")
                       % {"region": region.name}))
    else:
        return region
    return None


def _role_of(row: PersonRow, region: Region | None, aliases: dict[str, str],
             errors: list[tuple[str, str, str]]) -> str | None:
    role = role_from_text(row.role, aliases)
    if not row.role:
        errors.append(("role", "", _("Enter the role.")))
    elif role is None:
        errors.append(("role", row.role, _("Unknown role: write one of %(roles)s, or its code.")
                       % {"roles": "、".join(str(Role(r).label) for r in IMPORTED_ROLES)}))
    elif region is not None and (reason := role_misfit(role, region)):
        errors.append(("role", row.role, reason))
    else:
        return role
    return None


def people_import_apply(*, data: bytes, actor: Actor, fingerprint: str, base_url: str, name: str = "",
                        progress: Callable[[str, int], None] | None = None,
                        written: Callable[[PeopleImportResult], None] | None = None) -> PeopleImportResult:
    """Apply the file: every account and role, or — if anything is refused — none. Reads the file again; refuses
    when it has errors or when the result differs from the dry run the user saw (`fingerprint`). Each new
    account is invited (`base_url`: see `person_invite`); the e-mails go once the accounts are committed.

    What runs it in the background (`people_requests`) is told as each stage begins — `progress(stage,
    percent)`, stage "checking" or "writing" — and `written(result)` is called inside the write's transaction,
    so that it records the outcome with the accounts or not at all."""
    step = progress or _no_progress
    step("checking", 10)
    preview = people_import_preview(data=data, actor=actor)
    if preview.errors:
        raise PeopleImportRefused(_("The file has errors; nothing was imported. Correct them and upload the file "
                                    "again."), preview)
    if fingerprint != preview.fingerprint:
        raise PeopleImportRefused(_("The people or the file changed since the dry run; nothing was imported. Upload "
                                    "the file again: its new dry run shows what it would do now."), preview)
    if not preview.granted:
        return PeopleImportResult(created=[], granted=0, invitations=[], rows=preview.rows,
                                  unchanged=preview.unchanged)
    step("writing", 40)
    try:
        with transaction.atomic():
            created: dict[str, User] = {}
            roles: dict[str, list[RoleAssignment]] = {}
            for plan in preview.plans:
                if plan.held:
                    continue
                person = plan.person or created.get(plan.identity)
                if person is None:
                    person = created[plan.identity] = _person_create(plan, actor, preview.province_of(plan.identity))
                assignment = role_grant(user=person, role=plan.role, region=plan.region, actor=actor)
                roles.setdefault(plan.identity, []).append(assignment)
            made = [_invitation(person, actor, base_url, region=preview.province_of(identity), roles=roles[identity],
                                fresh=True) for identity, person in created.items()]
            provinces = {plan.region.province_id for plan in preview.plans}
            audit_record(actor=actor, action=Action.PEOPLE_IMPORTED, comment=name[:200],
                         region=preview.plans[0].region.province if len(provinces) == 1 else None,
                         new={"rows": preview.rows, "created": len(created), "granted": preview.granted,
                              "unchanged": preview.unchanged, "sha256": preview.sha256})
            result = PeopleImportResult(created=list(created.values()), granted=preview.granted,
                                        invitations=[invitation for invitation, _message in made], rows=preview.rows,
                                        unchanged=preview.unchanged)
            if written is not None:
                written(result)
            _send([message for _invitation_made, message in made if message])
    except IntegrityError:
        raise PeopleImportRefused(_("Someone changed these people while the file was applied; nothing was imported. "
                                    "Upload the file again.")) from None
    return result


def _no_progress(stage: str, percent: int) -> None:
    pass


def _person_create(plan: PeopleRowPlan, actor: Actor, region: Region | None) -> User:
    person = User(username=_username(plan.email or plan.mobile), email=plan.email, first_name=plan.name)
    person.set_unusable_password()
    return person_save(person=person, actor=actor, mobile=plan.mobile, region=region)


def _username(wanted: str) -> str:
    """A free user name made of the e-mail address (or the mobile), with -2, -3… when it is taken."""
    base = USERNAME_UNSAFE.sub("_", wanted.lower())[:140]
    taken = set(User.objects.filter(username__startswith=base).values_list("username", flat=True))
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate
