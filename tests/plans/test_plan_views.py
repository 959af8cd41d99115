"""Plan pages: only the person's own caseworkers, audited reads and saves, the builder's steps."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.models import AuditEntry, Enrolment, PlanVersion
from tests.plans.helpers import TODAY, activities, subject_person


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel("2026-09-07 08:00:00+02:00", tick=True):
        yield


@pytest.fixture
def sana(world, db):
    person = subject_person(world)
    db.session.commit()
    return person


def _paths(ref):
    return [
        "/admin/plans/",
        f"/admin/plans/people/{ref}",
        f"/admin/plans/people/{ref}/build",
        f"/admin/plans/people/{ref}/versions/1",
    ]


@pytest.mark.parametrize("who", ["site_staff", "auditor", "admin", "person_a"])
def test_other_roles_get_403(client, world, login, sana, who):
    login(getattr(world, who))
    for path in _paths(sana.public_ref):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/admin/plans/people/{sana.public_ref}/build").status_code == 403


def test_caseworker_of_another_unit_gets_404_and_nothing_is_audited(client, world, login, db, sana):
    login(world.caseworker_b)
    for path in _paths(sana.public_ref)[1:]:
        assert client.get(path).status_code == 404, path
    resp = client.post(
        f"/admin/plans/people/{sana.public_ref}/build", data={"action": "save", "purpose": "x"}
    )
    assert resp.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanVersion)) == 0


def _audits(db, person, action="read"):
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            AuditEntry.person_id == person.id,
            AuditEntry.action == action,
            AuditEntry.object_type == "plan",
        )
    )


def test_every_plan_read_is_audited(client, world, login, db, sana):
    login(world.caseworker)
    html = client.get("/admin/plans/").get_data(as_text=True)
    assert sana.last_name in html and "Ingen plan" in html
    assert world.person_b.last_name not in html
    assert _audits(db, sana) == 1
    html = client.get(f"/admin/plans/people/{sana.public_ref}").get_data(as_text=True)
    assert "har ingen plan ännu" in html
    assert _audits(db, sana) == 2
    client.get(f"/admin/plans/people/{sana.public_ref}/build")
    assert _audits(db, sana) == 3
    entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.actor_user_id == world.caseworker.id and entry.why == "plans.build"


def test_missing_version_is_404(client, world, login, sana):
    login(world.caseworker)
    assert client.get(f"/admin/plans/people/{sana.public_ref}/versions/9").status_code == 404


def _post(client, person, items, action, **fields):
    data = {"valid_from": TODAY.isoformat(), "item": items, "action": action, **fields}
    return client.post(f"/admin/plans/people/{person.public_ref}/build", data=data)


def test_builder_adds_removes_saves_and_shows_history(client, world, login, db, sana):
    acts = activities(world)
    db.session.commit()
    login(world.caseworker)
    html = client.get(f"/admin/plans/people/{sana.public_ref}/build").get_data(as_text=True)
    assert "40 tim kvar" in html and "Svenska" in html

    lang, jobs, evening = (acts[k].public_ref for k in ("lang", "jobs", "evening"))
    resp = _post(client, sana, [], f"add:{lang}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Svenska är tillagd i planen." in html
    assert f'name="item" value="{lang}:"' in html and "25 tim kvar" in html

    html = _post(client, sana, [f"{lang}:", f"{jobs}:"], f"add:{evening}").get_data(as_text=True)
    assert "Timmarna som ska planeras är fyllda varje vecka." in html
    html = _post(client, sana, [f"{lang}:", f"{jobs}:", f"{evening}:"], f"remove:{jobs}")
    html = html.get_data(as_text=True)
    assert f'value="{jobs}:"' not in html and "15 tim kvar" in html

    # Saving without a purpose explains what is missing and saves nothing.
    resp = _post(client, sana, [f"{lang}:", f"{jobs}:", f"{evening}:"], "save", purpose="")
    assert resp.status_code == 200 and "Skriv planens syfte." in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanVersion)) == 0

    resp = _post(
        client,
        sana,
        [f"{lang}:", f"{jobs}:", f"{evening}:"],
        "save",
        purpose="Komma närmare arbete inom handel.",
        follow_up_date=(TODAY + timedelta(weeks=6)).isoformat(),
    )
    assert resp.status_code == 302 and resp.location.endswith(
        f"/admin/plans/people/{sana.public_ref}"
    )
    version = db.session.scalars(sa.select(PlanVersion)).one()
    assert version.version == 1 and len(version.items) == 3
    assert version.created_by_id == world.caseworker.id
    assert _audits(db, sana, "create") == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 3

    html = client.get(f"/admin/plans/people/{sana.public_ref}").get_data(as_text=True)
    assert "Version 1 av planen är sparad." in html
    assert "Komma närmare arbete inom handel." in html and "Inte ännu" in html
    html = client.get(f"/admin/plans/people/{sana.public_ref}/versions/1").get_data(as_text=True)
    assert "Kvällsverkstad" in html

    # The builder starts the next version from the current one.
    html = client.get(f"/admin/plans/people/{sana.public_ref}/build").get_data(as_text=True)
    assert "Du utgår från version 1." in html and f'value="{evening}:"' in html


def test_full_activity_offers_the_queue_from_the_builder(client, world, login, db, sana):
    from admin.catalogue import services as catalogue

    acts = activities(world)
    acts["lang"].capacity = 1
    with client.application.test_request_context():
        catalogue.enrol(world.person_b, acts["lang"], TODAY, TODAY)
    db.session.commit()
    login(world.caseworker)
    ref = acts["lang"].public_ref
    html = client.get(f"/admin/plans/people/{sana.public_ref}/build").get_data(as_text=True)
    assert f'value="queue:{ref}"' in html
    html = _post(client, sana, [], f"add:{ref}").get_data(as_text=True)
    assert "Svenska är full." in html
    resp = _post(client, sana, [], f"queue:{ref}")
    assert "står nu i kö till Svenska" in resp.get_data(as_text=True)
    assert "Står i kö, plats 1" in resp.get_data(as_text=True)
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                AuditEntry.object_type == "enrolment", AuditEntry.person_id == sana.id
            )
        )
        == 1
    )


def test_unknown_activity_in_an_action_is_404(client, world, login, sana):
    login(world.caseworker)
    assert _post(client, sana, [], "add:nope").status_code == 404


def test_bad_dates_are_explained(client, world, login, db, sana):
    login(world.caseworker)
    resp = _post(
        client,
        sana,
        [],
        "save",
        purpose="Syfte",
        follow_up_date=TODAY.isoformat(),
    )
    assert "Uppföljningen måste vara efter att planen börjar gälla." in resp.get_data(as_text=True)
    resp = client.post(
        f"/admin/plans/people/{sana.public_ref}/build",
        data={"valid_from": "igår", "action": "save", "purpose": "Syfte"},
    )
    assert resp.status_code == 200 and "error-summary" in resp.get_data(as_text=True)


class TestWithCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    def test_builder_post_without_token_is_refused(self, client, world, db, sana):
        # CSRF is checked for every POST before the view runs, signed in or not.
        resp = _post(client, sana, [], "save", purpose="Syfte")
        assert resp.status_code == 400 and "Ladda om sidan" in resp.get_data(as_text=True)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanVersion)) == 0


def test_builder_shows_what_af_holds_and_warns_about_af_hours(client, world, login, db, sana):
    from admin.af import adapters
    from admin.af import services as af
    from tests.af.files import af_activity, json_file, person_entry

    data = json_file(
        person_entry(
            sana.identity.personnummer,
            obligations=["Söka sex jobb i månaden"],
            needed=30,
            reason="Halvtid enligt läkarintyg",
            activities=[af_activity(hours=15, start="2026-09-01")],
        )
    )
    with client.application.test_request_context():
        af.import_batch(
            adapters.FileExchange(source=data).fetch(),
            municipality_id=world.municipality.id,
            unit_id=None,
            actor=None,
            today=TODAY,
            dry_run=False,
        )
    acts = activities(world)
    db.session.commit()
    login(world.caseworker)
    items = [f"{a.public_ref}:" for a in acts.values()]
    html = _post(client, sana, items, "recalc").get_data(as_text=True)
    assert "Söka sex jobb i månaden" in html and "Halvtid enligt läkarintyg" in html
    assert "Arbetsförmedlingen: Rusta och matcha, 15 tim per vecka" in html
    # 40 h planned + 15 h at AF: over full time, and AF has no times to compare.
    assert "Arbetsförmedlingens aktiviteter blir mer än heltid" in html
    assert '<td class="num">25 tim</td>' in html  # to plan after AF's 15 hours


def test_absurd_start_date_is_explained_not_500(client, world, login, sana):
    login(world.caseworker)
    resp = client.post(
        f"/admin/plans/people/{sana.public_ref}/build",
        data={"valid_from": "9999-12-31", "action": "recalc"},
    )
    assert resp.status_code == 200 and "v. 37" in resp.get_data(as_text=True)
    resp = client.post(
        f"/admin/plans/people/{sana.public_ref}/build",
        data={
            "valid_from": "9999-12-31",
            "follow_up_date": "9999-12-31",
            "purpose": "Syfte",
            "action": "save",
        },
    )
    assert "högst ett år fram i tiden" in resp.get_data(as_text=True)
