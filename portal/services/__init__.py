"""The applicant portal's domain operations: plain functions that flush and raise DomainError.

``norm`` is pure (neither Flask nor a database); the other modules work on the models.
"""
