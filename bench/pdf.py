"""Benchmark: the "My data" PDF of the busiest demo applicant, with and without text shaping.

Loads the demo into a fresh SQLite file, takes the applicant with the most rows, and makes the
Swedish PDF in the same run both ways:

(a) shaped: every cell through HarfBuzz, as every PDF was made before ``needs_shaping``;
(b) as made now: shaping only where a script needs it (Latin text here, so none).

Each is made ``BENCH_ROUNDS`` times (default 5), the best time kept. The last line is
``pdf rows=N shaped_seconds=S plain_seconds=P ratio=P/S`` (lower is better).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _best(make, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        make()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from portal import create_app, demo
    from portal.extensions import db
    from portal.models import AttendanceEvent, Person
    from portal.services import my_data, my_data_pdf

    rounds = int(os.environ.get("BENCH_ROUNDS", "5"))
    folder = tempfile.mkdtemp(prefix="bench-pdf-")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
            "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context(), app.test_request_context():
        upgrade(revision="heads")
        demo.load()
        busiest = db.session.scalar(
            sa.select(AttendanceEvent.person_id)
            .group_by(AttendanceEvent.person_id)
            .order_by(sa.func.count().desc())
            .limit(1)
        )
        data = my_data.collect(db.session.get(Person, busiest))
        rows = sum(len(v) for v in data.values() if isinstance(v, list))
        assert not my_data_pdf.needs_shaping(
            "sv", json.dumps(data, ensure_ascii=False, default=str)
        )
        plain = _best(lambda: my_data_pdf.to_pdf(data, "sv"), rounds)
        real = my_data_pdf.needs_shaping
        my_data_pdf.needs_shaping = lambda *_args: True  # the baseline: shaping every cell
        try:
            shaped = _best(lambda: my_data_pdf.to_pdf(data, "sv"), rounds)
        finally:
            my_data_pdf.needs_shaping = real
        db.engine.dispose()
    print(
        f"pdf rows={rows} shaped_seconds={shaped:.3f} plain_seconds={plain:.3f} "
        f"ratio={plain / shaped:.2f}"
    )


if __name__ == "__main__":
    main()
