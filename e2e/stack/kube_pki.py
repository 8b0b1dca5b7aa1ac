"""Certificates and keys for the real-stack Kubernetes control plane, made locally with `cryptography`.

One CA signs everything: the apiserver's serving certificate, the admin client certificate
(group system:masters, used by clients, controller-manager, scheduler and kwok) and the
front-proxy client certificate (aggregated APIs), the apiserver's client certificate towards
kubelets; plus the service-account signing key pair. The real node (e2e/stack/node.py) adds its
own leaves with ensure_leaf.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import pathlib

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

FRONT_PROXY_CLIENT = "front-proxy-client"
VALID_FOR = datetime.timedelta(days=365)


def ensure(pki: pathlib.Path, *, host: str, service_cidr: str) -> pathlib.Path:
    """Make the files under pki that are missing (kept across restarts). With a CA already there,
    only the missing leaves are made, signed by it: a running control plane keeps its certificates."""
    pki.mkdir(parents=True, exist_ok=True)
    if not ((pki / "ca.crt").exists() and (pki / "ca.key").exists()):
        for stale in pki.glob("*.crt"):  # leaves of a lost CA are worthless
            stale.unlink()
        _make_ca(pki)
    service_ip = ipaddress.ip_network(service_cidr)[1]  # the `kubernetes` Service's ClusterIP
    names = ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"]
    names.append("kubernetes.default.svc.cluster.local")
    sans: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
    sans += [x509.IPAddress(ipaddress.ip_address(host)), x509.IPAddress(service_ip)]
    server, client = ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH
    ensure_leaf(pki, "apiserver", "kube-apiserver", [], server, sans)
    ensure_leaf(pki, "admin", "rookery-admin", ["system:masters"], client)
    ensure_leaf(pki, "front-proxy-client", FRONT_PROXY_CLIENT, [], client)
    # the apiserver's identity towards kubelets (logs, exec, port-forward)
    ensure_leaf(pki, "apiserver-kubelet-client", "kube-apiserver-kubelet-client", ["system:masters"], client)
    if not ((pki / "sa.key").exists() and (pki / "sa.pub").exists()):
        sa_key = ec.generate_private_key(ec.SECP256R1())
        (pki / "sa.key").write_bytes(_private_pem(sa_key))
        (pki / "sa.key").chmod(0o600)
        public = sa_key.public_key()
        (pki / "sa.pub").write_bytes(
            public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
    return pki


def _make_ca(pki: pathlib.Path) -> None:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rookery-kube-ca")])
    ca = (
        _builder(ca_name, ca_name, ca_key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write(pki, "ca", ca, ca_key)


def ensure_leaf(
    pki: pathlib.Path,
    name: str,
    common_name: str,
    organizations: list[str],
    usage: x509.ObjectIdentifier,
    sans: list[x509.GeneralName] | None = None,
) -> tuple[pathlib.Path, pathlib.Path]:
    """pki/name.crt and .key signed by the CA in pki, made unless both exist; returns their paths."""
    crt, key = pki / f"{name}.crt", pki / f"{name}.key"
    if not (crt.exists() and key.exists()):
        ca = x509.load_pem_x509_certificate((pki / "ca.crt").read_bytes())
        ca_key = serialization.load_pem_private_key((pki / "ca.key").read_bytes(), password=None)
        if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
            raise TypeError(f"{pki / 'ca.key'} is not an EC key")
        _leaf(pki, name, ca, ca_key, common_name, organizations, usage, sans or [])
    return crt, key


def kubeconfig(pki: pathlib.Path, server: str, cert: str = "admin") -> str:
    """A kubeconfig for the client certificate pki/cert.crt (admin by default), inlined so it works
    from any directory."""

    def inline(file: str) -> str:
        return base64.b64encode((pki / file).read_bytes()).decode()

    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "rookery",
                    "cluster": {"server": server, "certificate-authority-data": inline("ca.crt")},
                }
            ],
            "users": [
                {
                    "name": f"rookery-{cert}",
                    "user": {
                        "client-certificate-data": inline(f"{cert}.crt"),
                        "client-key-data": inline(f"{cert}.key"),
                    },
                }
            ],
            "contexts": [{"name": "rookery", "context": {"cluster": "rookery", "user": f"rookery-{cert}"}}],
            "current-context": "rookery",
        }
    )


def _builder(subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALID_FOR)
    )


def _leaf(
    pki: pathlib.Path,
    name: str,
    ca: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    common_name: str,
    organizations: list[str],
    usage: x509.ObjectIdentifier,
    sans: list[x509.GeneralName],
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in organizations]
    subject = x509.Name([*attributes, x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    builder = _builder(subject, ca.subject, key.public_key()).add_extension(
        x509.ExtendedKeyUsage([usage]), critical=False
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    _write(pki, name, builder.sign(ca_key, hashes.SHA256()), key)


def _private_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write(pki: pathlib.Path, name: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> None:
    (pki / f"{name}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (pki / f"{name}.key").write_bytes(_private_pem(key))
    (pki / f"{name}.key").chmod(0o600)
