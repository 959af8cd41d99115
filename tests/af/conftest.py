"""Service tests run inside a request context: services phrase refusals in the user's language."""

import pytest


@pytest.fixture
def rctx(app):
    """A request context, as a view would give the service."""
    with app.test_request_context():
        yield
