"""Random public references for URLs; never derived from personal data."""

import secrets


def new_ref() -> str:
    """A 16-character URL-safe random reference (96 bits)."""
    return secrets.token_urlsafe(12)
