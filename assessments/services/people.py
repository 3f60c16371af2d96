"""Writes on user accounts made by administrators: create and change an account, set its password; each
audited with what changed (a password only as “set”, never its hash)."""

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from audit.models import Action
from audit.services import Actor, audit_record

FIELDS = ("username", "first_name", "last_name", "email", "is_active", "is_staff", "is_superuser")


def _facts(person: User) -> dict[str, Any]:
    return {name: getattr(person, name) for name in FIELDS}


@transaction.atomic
def person_save(*, person: User, actor: Actor, password_set: bool = False) -> User:
    """Save an account as edited (a new one when it has no id yet) and audit the difference."""
    before = None
    if person.pk is not None:
        before = _facts(type(person).objects.get(pk=person.pk))
    person.save()
    after = _facts(person)
    if before is None:
        audit_record(actor=actor, action=Action.PERSON_CREATED, target=person,
                     new={**after, "password": "set" if password_set and person.has_usable_password() else None})
        return person
    changed = [name for name in FIELDS if before[name] != after[name]]
    if changed or password_set:
        old = {name: before[name] for name in changed}
        new = {name: after[name] for name in changed}
        if password_set:
            new["password"] = "set"  # noqa: S105 - a fact for the record, never the password
        audit_record(actor=actor, action=Action.PERSON_CHANGED, target=person, old=old, new=new)
    return person


@transaction.atomic
def person_password_set(*, person: User, password: str | None, actor: Actor) -> User:
    """Set (or, with None, disable) an account's password."""
    if password is None:
        person.set_unusable_password()
    else:
        person.set_password(password)
    return person_save(person=person, actor=actor, password_set=True)
