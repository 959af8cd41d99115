"""Every applicant page renders for every demo person (real-looking data, no 500s)."""

import sqlalchemy as sa

from portal.models import Application, Person, PlanVersion


def test_every_page_renders_for_the_demo_people(runner, db, client, login):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    people = db.session.scalars(sa.select(Person).order_by(Person.id)).all()
    for person in people[:: max(1, len(people) // 12)]:
        login(person)  # a new sign-in replaces the previous person's session
        urls = ["/start", "/ansokan", "/plan", "/plan/versioner", "/narvaro", "/franvaro"]
        urls += ["/franvaro/ny", "/mina-uppgifter", "/mina-uppgifter/mina-uppgifter.pdf"]
        urls += [
            f"/ansokan/{a.public_ref}"
            for a in db.session.scalars(
                sa.select(Application).where(Application.person_id == person.id)
            )
        ]
        urls += [
            f"/plan/version/{v.version}"
            for v in db.session.scalars(
                sa.select(PlanVersion).where(PlanVersion.person_id == person.id)
            )
        ]
        for url in urls:
            resp = client.get(url)
            assert resp.status_code == 200, (person.public_ref, url, resp.status_code)
