"""Routes of admin.casework."""

from flask import Blueprint

bp = Blueprint("casework", __name__, template_folder="templates")
