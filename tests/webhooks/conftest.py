import pytest

from tests.webhooks.receiver import Receiver


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
