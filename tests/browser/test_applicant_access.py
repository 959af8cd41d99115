"""Another applicant cannot reach the first one's application, documents or plan."""

import io

from werkzeug.datastructures import FileStorage

from portal.extensions import db
from portal.services import attachments
from tests.browser.conftest import sign_in_applicant
from tests.portal import factories as pf


def test_another_applicant_cannot_reach_the_first_ones_pages(
    live_server, world, phone, axe_check, shot
):
    theirs = pf.application(world.person_a, items=[("cost", "rent", 6400)])
    stored = attachments.store_upload(
        world.person_a,
        FileStorage(io.BytesIO(pf.PDF_BYTES), "hyresavi.pdf"),
        application=theirs,
        document_type="rent",
    )
    pf.plan(world.person_a, [world.activity_a], version=3)
    db.session.commit()
    page = phone
    sign_in_applicant(page, live_server, world.person_b)
    for path in (
        f"/ansokan/{theirs.public_ref}",
        f"/ansokan/{theirs.public_ref}/inkomster",
        f"/ansokan/{theirs.public_ref}/granska",
        f"/bilaga/{stored.public_ref}",
        "/plan/version/3",
    ):
        response = page.goto(f"{live_server}{path}")
        assert response.status == 404, path
        assert "6400" not in page.content() and "hyresavi" not in page.content()
    assert page.get_by_role("heading", level=1).inner_text() == "Sidan finns inte"
    axe_check(page, "not found")
    shot(page, "not-found")
    # Their own pages show none of the first applicant's data.
    page.goto(f"{live_server}/ansokan")
    assert "Du har inga ansökningar än." in page.content()
    page.goto(f"{live_server}/plan")
    assert "Du har ingen plan än." in page.content()
