"""A believable demo municipality: sites, activities, ~60 applicants in every state, a month
of attendance with the usual mess, and one staff user per role.

Everything is derived from a fixed seed and today's date, so a fresh database always gets the
same kind of picture. ``load()`` does nothing when the database already holds a municipality.
"""

from portal.demo.builder import load
from portal.demo.logins import logins_text

__all__ = ["load", "logins_text"]
