"""Flask extensions, created unbound and attached in the app factory with ``init_app``."""

import orjson
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from portal.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
#: Limits are stored in RATELIMIT_STORAGE_URI (Redis in production) so they hold across workers.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def json_text(value: object) -> str:
    """JSON columns' serializer: orjson, several times faster than the standard library.

    A month's reconciliation writes a few kilobytes of figures per person; with the standard
    library the encoding alone took as long as reading the month's scans.
    """
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
