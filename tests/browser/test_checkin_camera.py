"""The scanner's camera path: Chromium's fake camera plays a Y4M video of a personal code.

Chromium on Linux has no native BarcodeDetector, so this exercises the barcode-detector polyfill
and its ZXing WebAssembly, served by the app from checkin/node_modules (`make assets`).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import segno
import sqlalchemy as sa
import time_machine
from PIL import Image

from checkin import services
from portal.extensions import db
from portal.models import AttendanceEvent, EventStatus
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.checkin.conftest import MONDAY_0930, enrol

WIDTH, HEIGHT = 640, 480
NODE_MODULES = Path(__file__).resolve().parents[2] / "checkin" / "node_modules"


def write_y4m(path: Path, data: str, frames: int = 10) -> None:
    """A short 4:2:0 video whose every frame shows ``data`` as a QR code on white."""
    qr = segno.make(data, error="m", micro=False)
    png = io.BytesIO()
    qr.save(png, kind="png", scale=6, border=4)
    code = Image.open(png).convert("L")
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(code, ((WIDTH - code.width) // 2, (HEIGHT - code.height) // 2))
    luma = frame.tobytes()
    chroma = bytes([128]) * (WIDTH // 2 * HEIGHT // 2)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + luma + chroma + chroma)


@pytest.fixture
def camera_page(browser, tmp_path, request):
    """A phone-sized page in a Chromium whose camera shows the video at request.param."""

    def open_with(video: Path):
        fake = browser.browser_type.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS
            + [
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        request.addfinalizer(fake.close)
        context = fake.new_context(
            locale="sv-SE",
            timezone_id="Europe/Stockholm",
            viewport={"width": 390, "height": 844},
            permissions=["camera"],
        )
        context.set_default_timeout(15_000)
        return context.new_page()

    return open_with


def test_the_camera_reads_a_card_through_the_polyfill(
    app, world, live_server, camera_page, tmp_path
):
    if not (NODE_MODULES / "barcode-detector").is_dir():
        pytest.fail("checkin/node_modules is missing: run `make assets`", pytrace=False)
    with time_machine.travel(MONDAY_0930, tick=True):
        enrol(world.person_a, world.activity_a)
        with app.test_request_context():
            code = services.personal_code(world.person_a, printed=True)
            _device, enrolment = services.create_device(world.admin, world.site_a, "Kamera")
        db.session.commit()
        video = tmp_path / "card.y4m"
        write_y4m(video, code)
        page = camera_page(video)
        page.clock.install(time=MONDAY_0930)
        page.goto(f"{live_server}/checkin/registrera-enhet#{enrolment}")
        page.get_by_role("link", name="Skanner för personalen").click()
        page.wait_for_selector("#scanner[data-ready=true]")
        assert page.evaluate("'BarcodeDetector' in window") is False  # the polyfill path
        page.get_by_role("button", name="Starta kameran").click()
        page.wait_for_selector("#scan-result.ok", timeout=30_000)
        assert "Alma" in page.locator("#scan-result").inner_text()
        assert page.evaluate("typeof window.BarcodeDetectionAPI") == "object"
        assert page.locator("#camera-video").get_attribute("playsinline") is not None
        db.session.expire_all()
        [event] = db.session.scalars(sa.select(AttendanceEvent)).all()
        assert event.status == EventStatus.ACCEPTED and event.person_id == world.person_a.id
