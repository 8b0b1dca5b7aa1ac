"""Keycloak from its Quarkus distribution on Maven Central, dev mode, with the `rookery` realm imported."""

from __future__ import annotations

import hashlib
import json
import pathlib
import shutil
from typing import Any

from e2e.stack import process
from e2e.stack.base import JavaService
from e2e.stack.service import StackContext

PORT = 8180
HEAP = "-Xms128m -Xmx512m"
ADMIN_USER = ADMIN_PASSWORD = "admin"
REALM = "rookery"
AUDIENCE = "rookery"
GATEWAY_CLIENT, GATEWAY_SECRET = "rookery-gateway", "rookery-gateway-secret"
TEST_CLIENT = "rookery-tests"
TEST_USER, TEST_PASSWORD, TEST_EMAIL = "alice", "alice-password", "alice@example.test"

AUDIENCE_MAPPER = {
    "name": "rookery-audience",
    "protocol": "openid-connect",
    "protocolMapper": "oidc-audience-mapper",
    "config": {"included.custom.audience": AUDIENCE, "access.token.claim": "true", "id.token.claim": "false"},
}


def realm() -> dict[str, Any]:
    """The realm imported at start: the gateway's confidential client, the tests' public one, alice."""
    return {
        "realm": REALM,
        "enabled": True,
        "sslRequired": "none",
        "accessTokenLifespan": 900,
        "clients": [
            {
                "clientId": GATEWAY_CLIENT,
                "enabled": True,
                "publicClient": False,
                "clientAuthenticatorType": "client-secret",
                "secret": GATEWAY_SECRET,
                "serviceAccountsEnabled": True,
                "directAccessGrantsEnabled": True,
                "standardFlowEnabled": False,
                "protocolMappers": [AUDIENCE_MAPPER],
            },
            {
                "clientId": TEST_CLIENT,
                "enabled": True,
                "publicClient": True,
                "directAccessGrantsEnabled": True,
                "standardFlowEnabled": False,
                "protocolMappers": [AUDIENCE_MAPPER],
            },
        ],
        "users": [
            {
                "username": TEST_USER,
                "enabled": True,
                "email": TEST_EMAIL,
                "emailVerified": True,
                "firstName": "Alice",
                "lastName": "Example",
                "credentials": [{"type": "password", "value": TEST_PASSWORD, "temporary": False}],
            },
            {
                # the gateway's service account may create and read users through the admin API
                "username": f"service-account-{GATEWAY_CLIENT}",
                "enabled": True,
                "serviceAccountClientId": GATEWAY_CLIENT,
                "clientRoles": {"realm-management": ["manage-users", "view-users"]},
            },
        ],
    }


class Keycloak(JavaService):
    name = "keycloak"
    ports = (PORT,)
    pod_ports = (PORT,)
    ready_timeout_s = 300.0

    def fetch(self, ctx: StackContext) -> pathlib.Path:
        return self.distribution(ctx, "keycloak")

    def _server_home(self, ctx: StackContext) -> pathlib.Path:
        """A private copy of the distribution: Keycloak writes its build and H2 database into its home."""
        home = ctx.service_dir(self.name) / f"keycloak-{self.pins['version']}"
        realm_json = json.dumps(realm(), indent=2, sort_keys=True)
        digest = hashlib.sha256(realm_json.encode()).hexdigest()
        marker = home / ".rookery-realm.sha256"
        if home.exists() and (not marker.exists() or marker.read_text() != digest):
            shutil.rmtree(home)  # a different realm definition: start from a clean database
        if not home.exists():
            shutil.copytree(self.fetch(ctx), home, symlinks=True)
            (home / "data" / "import").mkdir(parents=True, exist_ok=True)
            (home / "data" / "import" / "rookery-realm.json").write_text(realm_json)
            marker.write_text(digest)
        return home

    def issuer(self, base: str | None = None) -> str:
        """The realm's issuer as seen through base (default 127.0.0.1; pod_url() for pods)."""
        return f"{base or self.url()}/realms/{REALM}"

    def start(self, ctx: StackContext) -> None:
        self.ports_free(ctx)
        java = self.java(ctx)
        home = self._server_home(ctx)
        self.spawn(
            ctx,
            [
                home / "bin" / "kc.sh",
                "start-dev",
                "--import-realm",
                # one HTTP address only: every address, so that clients here (127.0.0.1) and pods
                # (POD_HOST) both reach it. No fixed hostname (dev mode is not strict): the issuer is
                # the address a client asked through, so clients here keep http://127.0.0.1:8180 and
                # pods use Keycloak through POD_HOST only (a token names the address it came from)
                "--http-host=0.0.0.0",
                f"--http-port={PORT}",
                "--health-enabled=false",
                "--metrics-enabled=false",
            ],
            cwd=home,
            env={
                "JAVA": java,
                "JAVA_HOME": java.rsplit("/bin/", 1)[0],
                "JAVA_OPTS_KC_HEAP": HEAP,
                "KC_BOOTSTRAP_ADMIN_USERNAME": ADMIN_USER,
                "KC_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
            },
        )

    def answers(self, ctx: StackContext) -> bool:
        discovery = f"{self.issuer()}/.well-known/openid-configuration"
        return process.http_ok(discovery, lambda r: r.json().get("issuer") == self.issuer(), timeout=10)

    def env(self, ctx: StackContext) -> dict[str, str]:
        return {
            "ROOKERY_OIDC_ISSUER": self.issuer(),
            "ROOKERY_OIDC_AUDIENCE": AUDIENCE,
            "ROOKERY_OIDC_CLIENT_ID": GATEWAY_CLIENT,
            "ROOKERY_OIDC_CLIENT_SECRET": GATEWAY_SECRET,
            "ROOKERY_OIDC_TEST_CLIENT_ID": TEST_CLIENT,
            "ROOKERY_OIDC_TEST_USERNAME": TEST_USER,
            "ROOKERY_OIDC_TEST_PASSWORD": TEST_PASSWORD,
            "ROOKERY_KEYCLOAK_URL": self.url(),
            "ROOKERY_KEYCLOAK_ADMIN_USER": ADMIN_USER,
            "ROOKERY_KEYCLOAK_ADMIN_PASSWORD": ADMIN_PASSWORD,
        }

    def pod_env(self, ctx: StackContext) -> dict[str, str]:
        return {
            "ROOKERY_OIDC_ISSUER": self.issuer(self.pod_url()),
            "ROOKERY_OIDC_AUDIENCE": AUDIENCE,
            "ROOKERY_OIDC_CLIENT_ID": GATEWAY_CLIENT,
            "ROOKERY_OIDC_CLIENT_SECRET": GATEWAY_SECRET,
        }
