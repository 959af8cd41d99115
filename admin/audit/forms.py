"""Search form for the audit log (GET: it changes nothing and carries no personal data)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional

ACTIONS = [
    "",
    "read",
    "create",
    "update",
    "decide",
    "export",
    "download",
    "import",
    "correct",
    "annul",
]


class AuditSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form; nothing changes

    actor = StringField(_l("Användare (e-post)"), validators=[Optional(), Length(max=254)])
    person_ref = StringField(
        _l("Personens referens"),
        description=_l("Referensen i ärendets adress, inte personnumret."),
        validators=[Optional(), Length(max=24)],
    )
    action = SelectField(
        _l("Händelse"), choices=[SelectChoice(a, a or "—") for a in ACTIONS], default=""
    )
    date_from = DateField(_l("Från och med"), validators=[Optional()])
    date_to = DateField(_l("Till och med"), validators=[Optional()])
