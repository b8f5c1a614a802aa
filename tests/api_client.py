"""The REST API client of the tests, signed in as a given user."""

from rest_framework.test import APIClient


class SignedInAPIClient(APIClient):
    """force_authenticate hands every request the same user object, where a real request
    loads its user afresh: the grants the access policy keeps on the object are dropped
    before each request, so each one reads them like in production."""

    def request(self, **kwargs):
        user = self.handler._force_user
        if user is not None:
            user.__dict__.pop("_crm_grants", None)
        return super().request(**kwargs)


def api_as(user) -> APIClient:
    client = SignedInAPIClient()
    client.force_authenticate(user)
    return client
