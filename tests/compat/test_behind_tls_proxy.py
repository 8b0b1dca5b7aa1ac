"""`rookery up` behind a real TLS-terminating reverse proxy (Debian's nginx), as every Kubernetes
ingress puts it: clients speak https to nginx, nginx speaks http to Rookery and says so in
X-Forwarded-Proto/-Host. The certificate is made here (a throwaway CA and a leaf for localhost);
clients trust that CA only. Mastodon.py, unchanged, must work: instance, paging by Link headers,
media; redirects and every absolute URL must stay on https://localhost:<nginx port>."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
import pathlib
import ssl
import subprocess
from collections.abc import Iterator

import httpx
import pytest
import requests
import websockets.sync.client
from compat_support import OOB, PASSWORD
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from live_support import LiveServer
from mastodon import Mastodon

from e2e.servers import free_port
from e2e.stack.nginx import ensure_nginx
from e2e.waiting import eventually

SCOPES = ["read", "write", "follow", "profile"]
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2264f2f0000000049454e44ae426082"
)


@contextlib.contextmanager
def certificates(directory: pathlib.Path) -> Iterator[tuple[pathlib.Path, pathlib.Path, pathlib.Path]]:
    """(ca.pem, cert.pem, key.pem): a CA made for this test and a leaf for localhost/127.0.0.1."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rookery test CA")])
    signing = x509.KeyUsage(
        digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, encipher_only=False, decipher_only=False,
    )  # fmt: skip
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(signing, critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    paths = directory / "ca.pem", directory / "cert.pem", directory / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    yield paths


NGINX_CONF = """
{user}
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    client_max_body_size 50m;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name localhost;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_buffering off;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""


class TlsProxy:
    def __init__(self, url: str, ca: pathlib.Path, server: LiveServer) -> None:
        self.url = url
        self.ca = ca
        self.server = server

    def session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # REQUESTS_CA_BUNDLE would win over verify: trust this test's CA only
        session.verify = str(self.ca)
        return session

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, verify=ssl.create_default_context(cafile=str(self.ca)), timeout=30)


@pytest.fixture(scope="module")
def proxy(
    tmp_path_factory: pytest.TempPathFactory, live_server_factory: contextlib.AbstractContextManager[LiveServer]
) -> Iterator[TlsProxy]:
    root = tmp_path_factory.mktemp("nginx")
    nginx = ensure_nginx(root / "install.log")
    port = free_port()
    public = f"https://localhost:{port}"
    with (
        certificates(root) as (ca, cert, key),
        live_server_factory(ROOKERY_PUBLIC_URL=public, ROOKERY_TRUSTED_PROXIES="127.0.0.1") as server,  # type: ignore[operator]
    ):
        conf = root / "nginx.conf"
        conf.write_text(NGINX_CONF.format(root=root, port=port, cert=cert, key=key, upstream=server.port,
                                          user="user root;" if os.geteuid() == 0 else ""))  # fmt: skip
        log = (root / "nginx.out").open("wb")
        process = subprocess.Popen([str(nginx), "-p", str(root), "-c", str(conf), "-e", str(root / "error.log")],
                                   stdout=log, stderr=log)  # fmt: skip
        tls = TlsProxy(public, ca, server)
        try:

            def answering() -> bool:
                assert process.poll() is None, (root / "error.log").read_text(errors="replace")
                with contextlib.suppress(httpx.HTTPError), tls.http() as client:
                    return client.get("/healthz").status_code == 200
                return False

            eventually(answering, timeout_s=30, interval_s=0.2)
            yield tls
        finally:
            process.terminate()
            process.wait(timeout=15)
            log.close()


def mastodon_client(proxy: TlsProxy, creds: tuple[str, str] | None = None, token: str | None = None) -> Mastodon:
    client_id, client_secret = creds or (None, None)
    return Mastodon(client_id=client_id, client_secret=client_secret, access_token=token,
                    api_base_url=proxy.url, session=proxy.session())  # fmt: skip


def test_mastodon_py_reads_the_instance_over_https(proxy: TlsProxy) -> None:
    api = mastodon_client(proxy)
    instance = api.instance()
    assert instance.configuration.urls.streaming == proxy.url.replace("https://", "wss://")
    assert instance.domain == proxy.url.removeprefix("https://")
    assert api.instance_v1().urls.streaming_api == proxy.url.replace("https://", "wss://")


def test_trailing_slash_redirects_stay_on_https(proxy: TlsProxy) -> None:
    with proxy.http() as client:
        moved = client.get("/api/v1/instance/")
        assert moved.status_code in (301, 307, 308)
        assert moved.headers["location"] == f"{proxy.url}/api/v1/instance"
        assert client.get("/api/v1/instance/", follow_redirects=True).status_code == 200
        # the client's claims are not believed from another origin: only nginx (127.0.0.1) is trusted,
        # and nginx overwrites what the client says with what it knows
        forged = client.get("/api/v1/instance/", headers={"X-Forwarded-Proto": "http", "X-Forwarded-Host": "evil"})
        assert forged.headers["location"] == f"{proxy.url}/api/v1/instance"
        metadata = client.get("/.well-known/oauth-authorization-server").json()
        assert metadata["issuer"].startswith(proxy.url) and metadata["token_endpoint"] == f"{proxy.url}/oauth/token"
        preflight = client.options(
            "/api/v1/statuses",
            headers={"Origin": "https://client.example", "Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "authorization"},
        )  # fmt: skip
        assert preflight.status_code == 204 and preflight.headers["access-control-allow-origin"] == "*"


def test_mastodon_py_signs_up_pages_by_link_headers_and_uploads_media(proxy: TlsProxy) -> None:
    creds = Mastodon.create_app("tls-compat", api_base_url=proxy.url, scopes=SCOPES, redirect_uris=OOB,
                                session=proxy.session())  # fmt: skip
    api = mastodon_client(proxy, (str(creds[0]), str(creds[1])))
    api.create_account("tess", PASSWORD, "tess@example.org", agreement=True, scopes=SCOPES)
    me = api.me()
    assert me.url == f"{proxy.url}/@tess" and me.avatar.startswith(f"{proxy.url}/")
    for n in range(5):
        api.status_post(f"over tls {n}")
    page = api.account_statuses(me.id, limit=2)
    seen = [s.content for s in page]
    while (page := api.fetch_next(page)) is not None and len(seen) < 10:
        seen += [s.content for s in page]
    assert len(seen) == 5 and len(set(seen)) == 5
    with proxy.http() as client:
        link = client.get(f"/api/v1/accounts/{me.id}/statuses", params={"limit": 2},
                          headers={"Authorization": f"Bearer {api.access_token}"}).headers["link"]  # fmt: skip
    assert link.startswith(f"<{proxy.url}/api/v1/accounts/{me.id}/statuses?")
    userinfo = api.oauth_userinfo()  # Mastodon.py asks for it over https only
    assert userinfo.sub == f"{proxy.url}/users/tess" and userinfo.profile == me.url
    assert userinfo.preferred_username == "tess" and userinfo.iss.startswith(proxy.url)
    media = api.media_post(PNG, mime_type="image/png", description="a dot", synchronous=True)
    assert media.url.startswith(f"{proxy.url}/")
    with proxy.http() as client:
        assert client.get(media.url.removeprefix(proxy.url)).status_code == 200


def test_the_streaming_socket_works_through_the_proxy(proxy: TlsProxy) -> None:
    context = ssl.create_default_context(cafile=str(proxy.ca))
    url = proxy.url.replace("https://", "wss://") + "/api/v1/streaming?stream=public"
    with websockets.sync.client.connect(url, ssl=context, open_timeout=15) as socket:
        socket.ping().wait(10)
