"""The REST API client of the tests, signed in as a given user."""

from rest_framework.test import APIClient

from accounts.policy import forget_grants


class SignedInAPIClient(APIClient):
    """force_authenticate hands every request the same user object, where a real request
    loads its user afresh: the grants the access policy keeps on the object are dropped
    before each request, so each one reads them like in production."""

    def request(self, **kwargs):
        user = self.handler._force_user
        if user is not None:
            forget_grants(user)
        return super().request(**kwargs)


def api_as(user) -> APIClient:
    client = SignedInAPIClient()
    client.force_authenticate(user)
    return client
