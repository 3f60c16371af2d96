"""API clients for tests: a user with a token, and a client that sends it."""

from rest_framework.test import APIClient

from api.services import token_create
from tests.factories import UserFactory, user_with_role


def user_with_token(username, role=None, region=None):
    user = user_with_role(username, role, region) if role else UserFactory(username=username)
    token, secret = token_create(user=user, name=f"{username} client")
    return user, token, secret


def client_for(secret=None):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if secret:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client
