"""e-ID sign-in end to end against a real OpenID Connect provider run by the test
(oidc-provider-mock, on a local port): authorization code with PKCE, state and nonce, the
ID token's signature, issuer and audience checked, the personnummer claim mapped to a person
(created when new); a replayed or foreign state, a wrong nonce, a foreign audience, a bad
signature and a wrong issuer refused; an unreachable broker gives a clear page."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import threading
from datetime import date
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

import oidc_provider_mock
import pytest
import requests
import sqlalchemy as sa
import werkzeug.serving
from authlib.jose import JsonWebKey

from portal.extensions import db
from portal.models import Person, PersonIdentity
from tests import factories

#: The provider (a test tool) runs on authlib's server side, which warns of its own deprecations.
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:authlib.*"),
    pytest.mark.filterwarnings("ignore::authlib.deprecate.AuthlibDeprecationWarning"),
]

CLIENT_ID = "aktivitetsportalen"
CLAIM = "personal_number"


class Broker:
    """The provider's WSGI app with a recorder and optional tampering in front of it."""

    def __init__(self):
        self.app = oidc_provider_mock.app(require_nonce=True)
        self.requests: list[dict] = []
        self.tamper: dict[str, object] = {}

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        path = environ["PATH_INFO"]
        self.requests.append(
            {"path": path, "query": environ.get("QUERY_STRING", ""), "body": body.decode()}
        )
        if path == "/oauth2/token" and "token_client" in self.tamper:
            other = f"{self.tamper['token_client']}:secret".encode()
            environ["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(other).decode()
        environ["wsgi.input"] = io.BytesIO(body)
        rewrite = {
            "/.well-known/openid-configuration": self.tamper.get("metadata"),
            "/jwks": self.tamper.get("jwks"),
        }.get(path)
        if rewrite is None:
            return self.app(environ, start_response)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers

        document = json.loads(b"".join(self.app(environ, capture)))
        data = json.dumps(rewrite(document)).encode()
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        start_response(captured["status"], [*headers, ("Content-Length", str(len(data)))])
        return [data]

    def token_requests(self):
        return [dict(parse_qsl(r["body"])) for r in self.requests if r["path"] == "/oauth2/token"]


@pytest.fixture(scope="module")
def broker_server():
    broker = Broker()
    server = werkzeug.serving.make_server("127.0.0.1", 0, broker, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield broker, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def broker(broker_server):
    b, _url = broker_server
    b.requests.clear()
    b.tamper.clear()
    return b


@pytest.fixture
def app_config(app_config, broker_server):
    return {
        **app_config,
        "OIDC_ISSUER": broker_server[1],
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": "secret",
        "OIDC_PERSONNUMMER_CLAIM": CLAIM,
        "OIDC_SCOPES": "openid profile",
    }


def _user(broker, number: str, given="Nora", family="Ek") -> str:
    sub = hashlib.sha256(number.encode()).hexdigest()[:16]
    resp = requests.put(
        f"{broker_url(broker)}/users/{sub}",
        json={CLAIM: number, "given_name": given, "family_name": family},
        timeout=5,
    )
    assert resp.status_code == 204, resp.text
    return sub


def broker_url(_broker) -> str:
    return _BROKER_URL[0]


_BROKER_URL: list[str] = []


@pytest.fixture(autouse=True)
def _remember_url(broker_server):
    _BROKER_URL[:] = [broker_server[1]]


def _start(client) -> str:
    resp = client.get("/auth/eid")
    assert resp.status_code == 302, resp.status_code
    return resp.location


def _approve(authorize_url: str, sub: str) -> str:
    """The person identifies themselves at the broker; returns the callback path and query."""
    resp = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=5)
    assert resp.status_code == 302, resp.text
    back = urlsplit(resp.headers["Location"])
    assert back.path == "/auth/eid/callback"
    return f"{back.path}?{back.query}"


def _with_query(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def _signed_in_as(client):
    resp = client.get("/start")  # the applicant's start page; anonymous: sent to sign in
    return resp.status_code == 200 and "/auth/logout" in resp.get_data(as_text=True)


def test_a_new_person_signs_in_with_pkce_state_and_nonce(client, world, broker):
    number = factories.personnummer(date(1990, 4, 2))
    sub = _user(broker, number)
    authorize = _start(client)
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(broker_url(broker) + "/oauth2/authorize")
    assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
    assert "openid" in query["scope"][0].split()
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["state"][0]) >= 20 and len(query["nonce"][0]) >= 20
    callback = _approve(authorize, sub)
    resp = client.get(callback)
    assert resp.status_code == 302 and resp.location == "/start"
    # PKCE: the token request proves the challenge of the authorization request.
    [token_request] = broker.token_requests()
    digest = hashlib.sha256(token_request["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == query["code_challenge"][0]
    # The personnummer claim made a new applicant, with the names from the broker.
    identity = db.session.scalar(
        sa.select(PersonIdentity).where(PersonIdentity.personnummer == number)
    )
    assert identity is not None
    assert (identity.person.first_name, identity.person.last_name) == ("Nora", "Ek")
    assert _signed_in_as(client)


def test_a_known_person_is_found_not_created(client, world, broker):
    number = world.person_a.identity.personnummer
    sub = _user(broker, number, given="Annan", family="Person")
    before = db.session.scalar(sa.select(sa.func.count(Person.id)))
    resp = client.get(_approve(_start(client), sub))
    assert resp.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Person.id))) == before
    assert _signed_in_as(client)
    assert world.person_a.first_name in client.get("/start").get_data(as_text=True)


def _refused(client, resp):
    assert resp.status_code == 302 and resp.location.endswith("/auth/")
    page = client.get("/auth/").get_data(as_text=True)
    assert "Inloggningen avbröts eller misslyckades" in page
    assert not _signed_in_as(client)


def test_a_replayed_callback_is_refused(app, client, world, broker):
    sub = _user(broker, factories.personnummer(date(1985, 1, 1)))
    callback = _approve(_start(client), sub)
    assert client.get(callback).status_code == 302
    client.post("/auth/logout")
    _refused(client, client.get(callback))


def test_a_foreign_state_is_refused(app, client, world, broker):
    sub = _user(broker, factories.personnummer(date(1985, 2, 1)))
    victim = app.test_client()
    callback = _approve(_start(victim), sub)
    _start(client)  # the attacker's browser has a flow of its own
    _refused(client, client.get(callback))


def test_a_wrong_nonce_is_refused(client, world, broker):
    sub = _user(broker, factories.personnummer(date(1985, 3, 1)))
    authorize = _with_query(_start(client), nonce="not-the-nonce-this-browser-was-given")
    _refused(client, client.get(_approve(authorize, sub)))


def test_a_token_for_another_client_is_refused(client, world, broker):
    sub = _user(broker, factories.personnummer(date(1985, 4, 1)))
    authorize = _with_query(_start(client), client_id="another-service")
    broker.tamper["token_client"] = "another-service"
    _refused(client, client.get(_approve(authorize, sub)))
    assert broker.token_requests()  # the token was fetched: the audience check refused it


def test_a_token_not_signed_by_the_brokers_key_is_refused(client, world, broker):
    sub = _user(broker, factories.personnummer(date(1985, 5, 1)))
    stranger = JsonWebKey.generate_key("RSA", 2048, is_private=True).as_dict(is_private=False)

    def swap(document):
        return {
            "keys": [{**key, "n": stranger["n"], "e": stranger["e"]} for key in document["keys"]]
        }

    broker.tamper["jwks"] = swap
    authorize = _start(client)
    _refused(client, client.get(_approve(authorize, sub)))


def test_a_token_from_another_issuer_is_refused(client, world, broker):
    sub = _user(broker, factories.personnummer(date(1985, 6, 1)))
    # Tokens are issued at another name of the broker: their iss is not the configured one.
    broker.tamper["metadata"] = lambda doc: {
        **doc,
        "token_endpoint": doc["token_endpoint"].replace("127.0.0.1", "localhost"),
    }
    _refused(client, client.get(_approve(_start(client), sub)))
    assert broker.token_requests()


def test_a_broker_describing_another_issuer_is_not_used(client, world, broker):
    broker.tamper["metadata"] = lambda doc: {**doc, "issuer": "https://evil.example"}
    resp = client.get("/auth/eid")
    assert resp.status_code == 503
    assert "går inte att nå just nu" in resp.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/auth/eid", "/auth/eid/callback?code=x&state=y"])
def test_an_unreachable_broker_gives_a_clear_page(app, client, world, path):
    app.config["OIDC_ISSUER"] = "http://127.0.0.1:9"  # nothing listens there
    app.extensions.pop("portal_oauth", None)
    resp = client.get(path)
    assert resp.status_code == 503
    page = resp.get_data(as_text=True)
    assert "Inloggning med e-legitimation går inte att nå just nu" in page
