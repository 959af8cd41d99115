"""Operations logging: a request id on every line and response, CLI jobs' start and end, and
never a personnummer or a name in the logs, through a whole journey."""

import logging
import re

from portal.extensions import db
from portal.logs import mask
from portal.models import utcnow
from tests.casework import builders as b
from tests.portal.conftest import NOW
from tests.portal.test_applications import _fill_all, _start

PNR = re.compile(r"(?<!\d)(?:\d{2})?\d{6}[-+]?\d{4}(?!\d)")


def test_personnummer_shaped_numbers_are_masked():
    assert mask("pnr 19900501-1234, 199005011234 and 900501+1234") == (
        "pnr [personnummer], [personnummer] and [personnummer]"
    )
    assert mask("ref Ab12cd, 2026-12-06, 42 people") == "ref Ab12cd, 2026-12-06, 42 people"


def test_every_response_and_log_line_has_a_request_id(client, caplog):
    caplog.set_level(logging.INFO)
    given = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c21"})
    assert given.headers["X-Request-ID"] == "lb-7f3a9c21"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id; DROP"})
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-ID"])
    assert all(hasattr(r, "request_id") for r in caplog.records)


def test_a_cli_job_logs_its_start_and_end(runner, world, caplog):
    caplog.set_level(logging.INFO)
    result = runner.invoke(args=["notices", "send"])
    assert result.exit_code == 0, result.output
    messages = [r.getMessage() for r in caplog.records if r.name == "portal.operations"]
    assert "job=notices send event=start" in messages
    assert any(m.startswith("job=notices send event=end status=ok seconds=") for m in messages)


def test_a_whole_journey_logs_no_personnummer_and_no_name(
    client, runner, world, login, time_machine, caplog
):
    time_machine.move_to(NOW, tick=True)
    caplog.set_level(logging.DEBUG)
    person = world.person_a
    login(person)
    app = _start(client)
    _fill_all(client, app)
    client.post(f"/ansokan/{app.public_ref}/granska")
    login(world.caseworker)
    client.get("/admin/cases/")
    client.get(f"/admin/cases/applications/{app.public_ref}")
    client.post(
        f"/admin/cases/applications/{app.public_ref}/decision",
        data={"outcome": "approved", "amount_sek": "6200", "reasons": "Du har rätt till bistånd."},
    )
    client.post("/admin/cases/search", data={"query": person.identity.personnummer})
    client.get(f"/admin/people/{person.public_ref}")
    b.absence(person, "2026-03-09 09:00", "2026-03-09 12:00")
    db.session.commit()
    assert runner.invoke(args=["notices", "send"]).exit_code == 0  # the decision's notice
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert caplog.records, "the journey logged nothing at all"
    assert not PNR.search(text)
    for word in (person.first_name, person.last_name, person.identity.personnummer):
        assert word not in text


def test_making_a_pdf_logs_nothing_of_the_font_library(app, world, caplog):
    from checkin import services
    from checkin.card import card_pdf

    caplog.set_level(logging.DEBUG)
    with app.test_request_context():
        card_pdf("Alma", services.personal_code(world.person_a, printed=True), 1, utcnow())
    assert [r for r in caplog.records if r.name.startswith("fontTools")] == []
