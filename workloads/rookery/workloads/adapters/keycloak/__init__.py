"""Keycloak (production identity provider): its admin API and token endpoint, as the gateway's
confidential client (``ROOKERY_OIDC_CLIENT_ID`` / ``ROOKERY_OIDC_CLIENT_SECRET``)."""
