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


def user_or_address() -> str:
    """Default rate-limit key: the signed-in user, else the client's address.

    A limit on what a signed-in person does (self check-in, uploads, codes) is theirs alone,
    not shared by everyone behind one address; the address is the client's own when
    ``TRUSTED_PROXIES`` describes the proxies in front (werkzeug's ProxyFix).
    """
    from flask_login import current_user

    if current_user and current_user.is_authenticated:
        return "user:" + str(current_user.get_id())
    return "ip:" + get_remote_address()


#: Limits are stored in RATELIMIT_STORAGE_URI (Redis in production) so they hold across workers.
limiter = Limiter(key_func=user_or_address, default_limits=[])


def json_text(value: object) -> str:
    """JSON columns' serializer: orjson, several times faster than the standard library.

    A month's reconciliation writes a few kilobytes of figures per person; with the standard
    library the encoding alone took as long as reading the month's scans.
    """
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
