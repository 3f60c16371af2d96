from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from api.services import token_create
from assessments.permissions import is_platform_admin, visible_regions


class Command(BaseCommand):
    help = "Create an API token for a user and print its secret (shown only this once)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="What the token is for, e.g. the client system.")

    def handle(self, *args: Any, username: str, name: str, **options: Any) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user “{username}”.")
        if not user.is_active:
            raise CommandError(f"The account “{username}” is disabled.")
        token, secret = token_create(user=user, name=name)
        if not (is_platform_admin(user) or visible_regions(user).exists()):
            self.stderr.write(self.style.WARNING(
                f"“{username}” holds no role on any region yet: the API will refuse the token until it does."))
        self.stdout.write(f"Token “{token.name}” ({token.key_prefix}…) for {username}. Its secret, shown only "
                          "this once:")
        self.stdout.write(secret)
