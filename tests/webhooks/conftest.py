import pytest

from tests.webhooks.receiver import Receiver


@pytest.fixture(autouse=True)
def private_targets_allowed(settings):
    """The receiver listens on loopback, and the example targets do not resolve offline:
    these tests let any target through (test_target_checks.py switches it off again)."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


@pytest.fixture
def receiver():
    """`receiver(200)` or `receiver(500, 500, 200)`: a started loopback receiver."""
    started = []

    def start(*statuses):
        server = Receiver(statuses or (200,)).__enter__()
        started.append(server)
        return server

    yield start
    for server in started:
        server.__exit__(None, None, None)
