"""Benchmark: a morning rush of check-in scans under gunicorn, against a bare baseline.

Builds a fresh database (a SQLite file by default; PostgreSQL when BENCH_DATABASE_URL is set, in a
dedicated database named ``<name>_checkin`` that is dropped afterwards), with one site, one
activity and BENCH_PEOPLE people enrolled in it, each with a printed card, and BENCH_DEVICES
enrolled scanners. Then, in the same run and on the same database:

(a) the app under gunicorn (2 sync workers) on 127.0.0.1: every person is scanned in once through
    POST /api/checkin/v1/scans by BENCH_CLIENTS concurrent clients (keep-alive
    connections); a share of the scans is sent twice with the same event id, as a scanner does
    when an answer is lost;
(b) the baseline: a minimal WSGI app of this file under the same gunicorn settings, inserting one
    row per request (JSON body in, one INSERT, commit, JSON out) into the same database.

Both servers run side by side and the rush is sent in BENCH_ROUNDS turns: a part of it to the
app, the same part to the baseline, and so on; the rates are the requests over the time taken
in all turns. A shared machine's speed drifts within minutes, and taking turns keeps that drift
out of the ratio.

Lost and duplicated scans are counted from the database afterwards: every event id that got a
2xx answer must be stored exactly once, and nothing else may be stored. Rate limiting is switched
off for the run (it is per device and would throttle the synthetic rush, not the server).

After the rush, two more measurements of the app alone:

(c) the morning after an outage: BENCH_SYNC_DEVICES devices sync their offline queues at the
    same moment, the entrance's check-ins of BENCH_SYNC_PEOPLE people in one order and the
    exit's check-outs of the same people in the opposite order, in BENCH_SYNC_BURSTS bursts.
    A client sends a request that did not answer 200 once more; ``sync_failures`` counts the
    requests that still did not. Every item must be stored exactly once.
(d) a steady stream at a fixed rate of RATE scans a second (check-outs of people of the rush)
    for BENCH_RATE_SECONDS, each latency measured from the moment the scan was due, so that a
    server falling behind shows (``p99_at_150_ms``).

The last line is ``checkin requests=N rps=R baseline_rps=B ratio=R/B p99_ms=P baseline_p99_ms=Q
p99_at_150_ms=S lost=0 duplicated=0 sync_failures=0``.

Environment: BENCH_DATABASE_URL, BENCH_PEOPLE (default 3000), BENCH_CLIENTS (8),
BENCH_DEVICES (= clients), BENCH_REPEAT_SHARE (0.05), BENCH_ROUNDS (3), BENCH_SYNC_DEVICES (4),
BENCH_SYNC_PEOPLE (20), BENCH_SYNC_BURSTS (5), BENCH_RATE_SECONDS (10), BENCH_KEEP=1 (keep the
database).
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SECRET = "bench-secret-key-that-is-long-enough-0123456789"
HOST = "127.0.0.1"  # loopback only
WORKERS = 2
#: People scanned before the rush, to warm the servers up (not counted in the rates).
WARM_UP = 100
#: Scans a second of the fixed-rate stream.
RATE = 150


# --- The database ---------------------------------------------------------------------------


def _sa_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


BASELINE_TABLE = sa.Table(
    "bench_baseline",
    sa.MetaData(),
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("event_id", sa.String(36), nullable=False, unique=True),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
)


def _scan_day(now: datetime) -> datetime:
    """A moment on a working day: now if today is one, else 10:00 on the last working day."""
    from portal.compliance.engine import is_working_day
    from portal.i18n import STOCKHOLM

    local = now.astimezone(STOCKHOLM)
    if is_working_day(local.date()):
        return now
    day = local.date()
    while not is_working_day(day):
        day -= timedelta(days=1)
    return datetime.combine(day, datetime.min.time().replace(hour=10), tzinfo=STOCKHOLM)


def build(url: str, people: int, devices: int) -> tuple[list[str], list[str]]:
    """Migrate, fill, and return the people's card codes and the devices' tokens."""
    from flask_migrate import upgrade

    from checkin import services
    from portal import create_app
    from portal.extensions import db
    from portal.models import (
        Activity,
        ActivitySession,
        ActivityType,
        Enrolment,
        Household,
        Municipality,
        MunicipalitySettings,
        Person,
        PersonIdentity,
        Site,
        StaffRole,
        StaffUser,
    )
    from portal.refs import new_ref

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "RATELIMIT_ENABLED": False}
    )
    with app.app_context(), app.test_request_context():
        upgrade(revision="heads")
        BASELINE_TABLE.create(db.engine, checkfirst=True)
        m = Municipality(code="0999", name="Benchkommun")
        db.session.add(m)
        db.session.flush()
        db.session.add(MunicipalitySettings(municipality_id=m.id))
        site = Site(
            public_ref=new_ref(), municipality_id=m.id, name="Benchplatsen", site_key=new_ref()
        )
        admin = StaffUser(
            municipality_id=m.id,
            email="bench-admin@example.org",
            name="Bench",
            role=StaffRole.ADMINISTRATOR,
            password_hash="-",
        )
        db.session.add_all([site, admin])
        db.session.flush()
        start = date(2020, 1, 5)
        activity = Activity(
            public_ref=new_ref(),
            site_id=site.id,
            name="Morgonpasset",
            type=ActivityType.JOB_SEARCH,
            from_date=start,
        )
        # A session on every weekday that covers the whole day, so the rush is valid whenever
        # the benchmark runs.
        activity.sessions = [
            ActivitySession(
                weekday=wd,
                start_time=datetime.min.time().replace(hour=0, minute=1),
                end_time=datetime.min.time().replace(hour=23, minute=59),
                valid_from=start,
            )
            for wd in range(1, 6)
        ]
        db.session.add(activity)
        db.session.flush()
        persons = []
        for i in range(people):
            p = Person(
                public_ref=new_ref(),
                municipality_id=m.id,
                household=Household(municipality_id=m.id),
                first_name=f"Person{i}",
                last_name="Bench",
                birth_date=date(1980, 1, 1),
                identity=PersonIdentity(personnummer=f"19{i:010d}"),
            )
            persons.append(p)
        db.session.add_all(persons)
        db.session.flush()
        db.session.add_all(
            Enrolment(person_id=p.id, activity_id=activity.id, from_date=start) for p in persons
        )
        db.session.flush()
        codes = [services.personal_code(p, printed=True) for p in persons]
        tokens = []
        for i in range(devices):
            _device, enrolment = services.create_device(admin, site, f"Skanner {i + 1}")
            tokens.append(services.enrol_device(enrolment)[1])
        db.session.commit()
        # Statistics, as autovacuum would have gathered long before a real morning rush: a
        # freshly loaded table without them gets plans made for an empty one.
        with db.engine.connect() as conn:
            conn.execute(sa.text("ANALYZE"))
            conn.commit()
        db.engine.dispose()
    return codes, tokens


# --- The baseline app -------------------------------------------------------------------------

_engine = None


def baseline_app(environ, start_response):
    """The bare baseline: read a JSON body, insert one row, commit, answer JSON."""
    global _engine
    if _engine is None:
        _engine = sa.create_engine(_sa_url(os.environ["DATABASE_URL"]), pool_pre_ping=True)
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = json.loads(environ["wsgi.input"].read(length) or b"{}")
    with _engine.begin() as conn:
        conn.execute(
            BASELINE_TABLE.insert().values(
                event_id=body["event_id"],
                payload=json.dumps(body),
                received_at=datetime.now(UTC),
            )
        )
    out = json.dumps({"result": "accepted", "event_id": body["event_id"]}).encode()
    start_response("201 Created", [("Content-Type", "application/json")])
    return [out]


# --- Running servers and clients ----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _serve(target: str, url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "RATELIMIT_ENABLED": "false",
        "DEV_LOGIN": "false",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(  # noqa: S603 - a fixed argv
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(WORKERS),
            "--bind",
            f"{HOST}:{port}",
            "--log-level",
            "warning",
            "--chdir",
            str(ROOT),
            target,
        ],
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn for {target} exited with {process.returncode}"
                ) from None
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn for {target} did not start")


def _stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def _rush(port: int, path: str, jobs: list[tuple[str, dict]], clients: int):
    """Send every job (token, body) with ``clients`` concurrent keep-alive connections."""
    work: queue.Queue = queue.Queue()
    for i, job in enumerate(jobs):
        work.put((i, job))
    latencies: list[float] = [0.0] * len(jobs)
    statuses: list[int] = [0] * len(jobs)

    def client() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        while True:
            try:
                i, (token, body) = work.get_nowait()
            except queue.Empty:
                break
            # The scanner's own clock, right (the scan's time is a working day's, see _scan_day).
            payload = json.dumps({**body, "device_time": datetime.now(UTC).isoformat()})
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
            started = time.perf_counter()
            for attempt in range(3):
                try:
                    conn.request("POST", path, payload, headers)
                    response = conn.getresponse()
                    response.read()
                    statuses[i] = response.status
                    break
                except (ConnectionError, http.client.HTTPException, OSError):
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=30)
                    if attempt == 2:
                        statuses[i] = 0
            latencies[i] = time.perf_counter() - started
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return elapsed, latencies, statuses


def _cpu_seconds() -> dict[str, float]:
    """CPU time used so far (user + system) by the processes of interest: each server's
    (keyed by its session id), PostgreSQL's and this process's (the clients)."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {"self": sum(os.times()[:2])}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        used = (int(fields[11]) + int(fields[12])) / tick
        key = "postgres" if name.startswith("postgres") else f"session:{fields[3]}"
        out[key] = out.get(key, 0.0) + used
    return out


def _p99_ms(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))] * 1000


def _jobs(
    codes: list[str], tokens: list[str], repeat_share: float, occurred: datetime, first_seq: int
):
    rng = random.Random(4)
    jobs = []
    for i, code in enumerate(codes):
        body = {
            "event_id": str(uuid.uuid4()),
            "code": code,
            "mode": "in",
            "occurred_at": occurred.isoformat(),
            "device_seq": first_seq + i,
        }
        token = tokens[i % len(tokens)]
        jobs.append((token, body))
        if rng.random() < repeat_share:
            jobs.append((token, dict(body)))  # the answer was lost: the scanner sends it again
    rng.shuffle(jobs)
    return jobs


def _post(conn: http.client.HTTPConnection, path: str, token: str, body: dict) -> tuple:
    """POST a JSON body; (status, parsed answer), or (0, None) if the connection failed."""
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    try:
        conn.request("POST", path, json.dumps(body), headers)
        response = conn.getresponse()
        data = response.read()
    except (ConnectionError, http.client.HTTPException, OSError):
        conn.close()
        return 0, None
    try:
        return response.status, json.loads(data)
    except ValueError:
        return response.status, None


def _sync_bursts(port: int, tokens: list[str], codes: list[str], occurred: datetime, bursts: int):
    """Opposite-order syncs from several devices at once (see (c) above). Returns the number
    of requests that did not end 200 after one retry, and the event ids answered stored."""
    failures = 0
    stored: list[str] = []
    lock = threading.Lock()
    for burst in range(bursts):
        batches = []
        for d, token in enumerate(tokens):
            order = list(range(len(codes)))
            mode = "in" if d % 2 == 0 else "out"
            if d % 2:
                order.reverse()
            minute = timedelta(minutes=5 + 2 * burst + (60 if mode == "out" else 0))
            items = [
                {
                    "event_id": str(uuid.uuid4()),
                    "code": codes[i],
                    "mode": mode,
                    "occurred_at": (occurred - timedelta(hours=3) + minute).isoformat(),
                    "device_seq": 10_000_000 + burst * 1000 + i,
                    "offline": True,
                    "local_result": "accepted",
                }
                for i in order
            ]
            batches.append((token, {"device_time": occurred.isoformat(), "items": items}))
        barrier = threading.Barrier(len(batches))

        def send(token: str, body: dict, barrier: threading.Barrier) -> None:
            nonlocal failures
            conn = http.client.HTTPConnection(HOST, port, timeout=60)
            barrier.wait(timeout=30)
            status, answer = _post(conn, "/api/checkin/v1/sync", token, body)
            if status != 200:  # the client's single retry
                conn = http.client.HTTPConnection(HOST, port, timeout=60)
                status, answer = _post(conn, "/api/checkin/v1/sync", token, body)
            conn.close()
            with lock:
                if status != 200 or answer is None:
                    failures += 1
                    return
                stored.extend(r["event_id"] for r in answer["results"] if r.get("stored"))

        threads = [threading.Thread(target=send, args=(*batch, barrier)) for batch in batches]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return failures, stored


def _fixed_rate(port: int, jobs: list[tuple[str, dict]], rate: float, clients: int) -> list[float]:
    """Send the jobs at ``rate`` a second (open loop); each latency counts from when the scan
    was due, so time spent waiting for a free client counts too."""
    start = time.perf_counter() + 0.5
    work: queue.Queue = queue.Queue()
    for i, job in enumerate(jobs):
        work.put((start + i / rate, job))
    latencies: list[float] = []
    lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        while True:
            try:
                due, (token, body) = work.get_nowait()
            except queue.Empty:
                break
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            body = {**body, "device_time": datetime.now(UTC).isoformat()}
            status, _answer = _post(conn, "/api/checkin/v1/scans", token, body)
            if status == 0:
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
            with lock:
                latencies.append(time.perf_counter() - due)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def main() -> None:
    from synthetic import database

    people = int(os.environ.get("BENCH_PEOPLE", "3000"))
    clients = int(os.environ.get("BENCH_CLIENTS", "8"))
    devices = int(os.environ.get("BENCH_DEVICES", str(clients)))
    repeat_share = float(os.environ.get("BENCH_REPEAT_SHARE", "0.05"))
    rounds = max(1, int(os.environ.get("BENCH_ROUNDS", "3")))
    sync_devices = max(2, int(os.environ.get("BENCH_SYNC_DEVICES", "4")))
    sync_people = int(os.environ.get("BENCH_SYNC_PEOPLE", "20"))
    sync_bursts = int(os.environ.get("BENCH_SYNC_BURSTS", "5"))
    rate_seconds = int(os.environ.get("BENCH_RATE_SECONDS", "10"))
    base = os.environ.get("BENCH_DATABASE_URL", "").strip()
    with database(base, "checkin", keep=bool(os.environ.get("BENCH_KEEP"))) as target:
        url, backend = target.url, "postgresql" if target.postgres else "sqlite"
        print(
            f"building {people} people, {devices} scanners on {backend} …",
            file=sys.stderr,
            flush=True,
        )
        codes, all_tokens = build(url, people + WARM_UP + sync_people, max(devices, sync_devices))
        tokens, sync_tokens = all_tokens[:devices], all_tokens[:sync_devices]
        codes, warm_codes, sync_codes = (
            codes[:people],
            codes[people : people + WARM_UP],
            codes[people + WARM_UP :],
        )
        from portal.models import utcnow

        occurred = _scan_day(utcnow())
        warm_jobs = _jobs(warm_codes, tokens, 0.0, occurred, first_seq=1)
        jobs = _jobs(codes, tokens, repeat_share, occurred, first_seq=1 + WARM_UP)

        baseline_jobs = [(token, {**body, "event_id": str(uuid.uuid4())}) for token, body in jobs]
        app_port, baseline_port = _free_port(), _free_port()
        servers = [_serve("wsgi:app", url, app_port)]
        try:
            servers.append(_serve("bench.checkin:baseline_app", url, baseline_port))
            # Warm up every worker as a server is warm by the morning rush (imports, the
            # holiday calendar, pooled connections and their prepared statements): real scans of
            # people outside the rush on the app, rows that are not counted on the baseline.
            _rush(app_port, "/api/checkin/v1/scans", warm_jobs, 4)
            _rush(
                baseline_port,
                "/",
                [(t, {**b, "event_id": str(uuid.uuid4())}) for t, b in warm_jobs],
                4,
            )
            # The machine's speed drifts within minutes, so the two take turns: a share of the
            # rush against the app, the same share against the baseline, and so on.
            elapsed = b_elapsed = 0.0
            # CPU seconds of each side's server, the database and the clients, where /proc has them.
            cpu = {"app": [0.0, 0.0, 0.0], "baseline": [0.0, 0.0, 0.0]}

            def charge(side: str, before: dict, server: subprocess.Popen) -> None:
                after = _cpu_seconds()
                for i, part in enumerate((f"session:{server.pid}", "postgres", "self")):
                    cpu[side][i] += after.get(part, 0.0) - before.get(part, 0.0)

            latencies, statuses, b_latencies, b_statuses = [], [], [], []
            for part in range(rounds):
                share = slice(part * len(jobs) // rounds, (part + 1) * len(jobs) // rounds)
                before = _cpu_seconds()
                took, lat, st = _rush(app_port, "/api/checkin/v1/scans", jobs[share], clients)
                charge("app", before, servers[0])
                elapsed += took
                latencies += lat
                statuses += st
                before = _cpu_seconds()
                took, lat, st = _rush(baseline_port, "/", baseline_jobs[share], clients)
                charge("baseline", before, servers[1])
                b_elapsed += took
                b_latencies += lat
                b_statuses += st
            sync_failures, synced = _sync_bursts(
                app_port, sync_tokens, sync_codes, occurred, sync_bursts
            )
            # Check-outs of people of the rush, at a fixed rate.
            rate_jobs = [
                (token, {**body, "event_id": str(uuid.uuid4()), "mode": "out"})
                for token, body in jobs[: RATE * rate_seconds]
            ]
            rate_latencies = _fixed_rate(app_port, rate_jobs, RATE, 4 * clients)
        finally:
            for server in servers:
                _stop(server)

        # Count from the database: every answered event id stored once, nothing else stored.
        engine = sa.create_engine(_sa_url(url))
        with engine.connect() as conn:
            stored = conn.execute(
                sa.text("SELECT event_id, count(*) FROM attendance_event GROUP BY event_id")
            ).all()
            rejected = conn.execute(
                sa.text("SELECT count(*) FROM attendance_event WHERE status = 'rejected'")
            ).scalar()
            visits = conn.execute(
                sa.text(
                    "SELECT count(DISTINCT person_id) FROM attendance_event "
                    "WHERE status = 'accepted' AND kind = 'in'"
                )
            ).scalar()
        engine.dispose()
        counts = dict(stored)
        answered = {
            body["event_id"] for (_, body), s in zip(jobs, statuses, strict=True) if 200 <= s < 300
        } | set(synced)
        sent = {body["event_id"] for _, body in jobs + warm_jobs + rate_jobs} | set(synced)
        lost = len(answered - set(counts))
        duplicated = sum(n - 1 for n in counts.values()) + len(set(counts) - sent)
        failed = sum(1 for s in statuses if not 200 <= s < 300)
        b_failed = sum(1 for s in b_statuses if not 200 <= s < 300)
        rps = len(jobs) / elapsed
        b_rps = len(baseline_jobs) / b_elapsed
        print(
            f"{backend}: {len(jobs)} scans ({len(jobs) - people} repeats) from {clients} clients, "
            f"{failed} failed answers, {rejected} rejected, "
            f"{visits - WARM_UP - sync_people} people checked in "
            f"(and {WARM_UP} in the warm-up); baseline {b_failed} failed; "
            f"{sync_bursts} sync bursts from {len(sync_tokens)} devices of {sync_people} people "
            f"each ({len(synced)} items stored); {len(rate_jobs)} check-outs at {RATE}/s",
            file=sys.stderr,
            flush=True,
        )
        for side, n in (("app", len(jobs)), ("baseline", len(baseline_jobs))):
            server, postgres, client = (1000 * seconds / n for seconds in cpu[side])
            in_database = f", {postgres:.2f} ms PostgreSQL" if backend == "postgresql" else ""
            print(
                f"{side}: CPU per request {server:.2f} ms server{in_database},"
                f" {client:.2f} ms clients",
                file=sys.stderr,
                flush=True,
            )
    print(
        f"checkin requests={len(jobs)} rps={rps:.1f} baseline_rps={b_rps:.1f} "
        f"ratio={rps / b_rps:.2f} p99_ms={_p99_ms(latencies):.1f} "
        f"baseline_p99_ms={_p99_ms(b_latencies):.1f} "
        f"p99_at_{RATE}_ms={_p99_ms(rate_latencies):.1f} lost={lost} duplicated={duplicated} "
        f"sync_failures={sync_failures}"
    )
    if lost or duplicated or failed or sync_failures or visits != people + WARM_UP + sync_people:
        sys.exit(1)


if __name__ == "__main__":
    main()
