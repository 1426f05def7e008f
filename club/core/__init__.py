from flask import Blueprint

bp = Blueprint("core", __name__)

from club.core import views  # noqa: E402,F401  (routes register on import)
