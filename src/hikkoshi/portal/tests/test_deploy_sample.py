"""The sample reverse-proxy configuration (deploy/nginx.conf) is one nginx accepts, with
buffering on and the slow-client timeouts set."""

from datetime import datetime, timedelta, timezone
from pathlib import Path
import re
import shutil
import subprocess

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
import pytest

SAMPLE = Path(__file__).resolve().parents[4] / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "portal.example.jp")])
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def test_the_sample_buffers_and_times_out_slow_clients():
    text = SAMPLE.read_text()
    for directive in (
        "proxy_request_buffering on;",
        "proxy_buffering on;",
        "client_header_timeout 10s;",
        "client_body_timeout 10s;",
        "send_timeout 10s;",
        "proxy_pass http://hikkoshi_portal;",
        "proxy_pass http://hikkoshi_receiver;",
        "proxy_set_header X-Forwarded-For $remote_addr;",
    ):
        assert directive in text
    assert "server 127.0.0.1:8000;" in text and "server 127.0.0.1:8401;" in text


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (scripts/setup --test installs nginx-light)")
def test_nginx_accepts_the_sample(tmp_path):
    cert, key = _self_signed(tmp_path)
    text = SAMPLE.read_text().replace("/etc/ssl/certs/ssl-cert-snakeoil.pem", str(cert))
    text = text.replace("/etc/ssl/private/ssl-cert-snakeoil.key", str(key))
    text = re.sub(r"^pid .*;$", f"pid {tmp_path / 'nginx.pid'};", text, flags=re.M)
    conf = tmp_path / "nginx.conf"
    conf.write_text(text)
    done = subprocess.run(
        [NGINX, "-t", "-q", "-e", "stderr", "-p", str(tmp_path), "-c", str(conf)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
