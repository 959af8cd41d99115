"""Routes of admin.af."""

from flask import Blueprint

bp = Blueprint("af", __name__, template_folder="templates")
