"""Routes of admin.reconciliation."""

from flask import Blueprint

bp = Blueprint("reconciliation", __name__, template_folder="templates")
