#!/usr/bin/env python3
"""A loopback stand-in for a browser's push service, for tests of Debrief's Web Push sender.

It plays both halves a real delivery involves: the push service (RFC 8030), which checks the
VAPID `Authorization` header (RFC 8292), and the browser, which holds the subscription's keys
and decrypts the `aes128gcm` body (RFC 8291). Decryption is done by the real `http_ece`
library, and signatures are checked with `cryptography`, so our Rust code is checked against
implementations that are not ours.

    python scripts/webpush_receiver.py --port-file PORT.json --out PUSHES.jsonl

On start it makes a P-256 key pair and a 16-byte auth secret, listens on 127.0.0.1 (a port the
system picks), and writes (atomically) and prints one JSON object: the subscription to give
Debrief, as a browser's PushSubscription would:

    {"port": 40123, "endpoint": "http://127.0.0.1:40123/push/ID", "p256dh": "...", "auth": "..."}

Each POST to /push/... appends one line to --out:
    {"ok": true, "payload": "<decrypted text>", "ttl": "60", "urgency": "high", "path": "/push/ID"}
and is answered 201 Created, or, when a check fails,
    {"ok": false, "error": "...", "path": "/push/ID"}
and 400. It runs until it is sent SIGTERM or SIGINT.
"""

import argparse
import base64
import json
import os
import secrets
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

# RFC 8292 §2: a token must not expire more than 24 hours after the request.
MAX_TOKEN_LIFETIME_SECONDS = 24 * 60 * 60


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Rejected(Exception):
    """A push the real push service or browser would refuse."""


def parse_vapid(header):
    """`vapid t=<JWT>, k=<key>` (RFC 8292 §3) into its token and key; parameters in any order."""
    scheme, _, params = (header or "").partition(" ")
    if scheme.lower() != "vapid":
        raise Rejected(f"Authorization scheme is {scheme!r}, not vapid")
    values = {}
    for part in params.split(","):
        name, sep, value = part.strip().partition("=")
        if sep:
            values[name.strip().lower()] = value.strip()
    if "t" not in values or "k" not in values:
        raise Rejected("Authorization lacks t= or k=")
    return values["t"], values["k"]


def verify_vapid(header, origin, now):
    """Checks the token's ES256 signature with its k= key, its aud, exp and sub."""
    token, key = parse_vapid(header)
    parts = token.split(".")
    if len(parts) != 3:
        raise Rejected("the VAPID token is not a JWT of three parts")
    jwt_header = json.loads(b64url_decode(parts[0]))
    claims = json.loads(b64url_decode(parts[1]))
    if jwt_header.get("alg") != "ES256":
        raise Rejected(f"JWT alg is {jwt_header.get('alg')!r}, not ES256")
    try:
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
    except ValueError as e:
        raise Rejected(f"k= is not a P-256 public key: {e}") from e
    signature = b64url_decode(parts[2])
    if len(signature) != 64:
        raise Rejected(f"an ES256 signature has 64 bytes; this one has {len(signature)}")
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    try:
        public.verify(der, f"{parts[0]}.{parts[1]}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as e:
        raise Rejected("the VAPID token's signature does not verify with k=") from e
    if claims.get("aud") != origin:
        raise Rejected(f"aud is {claims.get('aud')!r}, not {origin!r}")
    exp = claims.get("exp")
    if not isinstance(exp, int) or exp <= now:
        raise Rejected(f"exp {exp!r} is not in the future")
    if exp > now + MAX_TOKEN_LIFETIME_SECONDS:
        raise Rejected(f"exp {exp} is more than 24 hours away")
    sub = claims.get("sub", "")
    if not (sub.startswith("mailto:") or sub.startswith("https:")):
        raise Rejected(f"sub {sub!r} is not a mailto: or https: URL")


def make_handler(private_key, auth_secret, out_path, lock):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # Quiet: the out file is the record.
            pass

        def record(self, entry):
            entry["path"] = self.path
            with lock, open(out_path, "a", encoding="utf-8") as out:
                out.write(json.dumps(entry) + "\n")

        def do_POST(self):
            if not self.path.startswith("/push/"):
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            origin = f"http://127.0.0.1:{self.server.server_address[1]}"
            try:
                if self.headers.get("Content-Encoding") != "aes128gcm":
                    raise Rejected(
                        f"Content-Encoding is {self.headers.get('Content-Encoding')!r}"
                    )
                if self.headers.get("TTL") is None:
                    raise Rejected("the TTL header is missing (RFC 8030 §5.2)")
                verify_vapid(self.headers.get("Authorization"), origin, int(time.time()))
                try:
                    plaintext = http_ece.decrypt(
                        body,
                        version="aes128gcm",
                        private_key=private_key,
                        auth_secret=auth_secret,
                    )
                except Exception as e:  # http_ece raises several kinds on bad input.
                    raise Rejected(f"decryption failed: {type(e).__name__}: {e}") from e
                try:
                    payload = plaintext.decode("utf-8")
                except UnicodeDecodeError as e:
                    raise Rejected("the decrypted payload is not UTF-8") from e
            except (Rejected, ValueError) as e:
                self.record({"ok": False, "error": str(e)})
                self.send_response(400)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.record(
                {
                    "ok": True,
                    "payload": payload,
                    "ttl": self.headers.get("TTL"),
                    "urgency": self.headers.get("Urgency"),
                }
            )
            self.send_response(201)
            # RFC 8030 §5: the created push message resource.
            self.send_header("Location", f"/message/{secrets.token_urlsafe(8)}")
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port-file", required=True, help="where to write the subscription JSON")
    parser.add_argument("--out", required=True, help="JSON lines file, one line per push")
    args = parser.parse_args()

    private_key = ec.generate_private_key(ec.SECP256R1())
    auth_secret = secrets.token_bytes(16)
    lock = threading.Lock()
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), make_handler(private_key, auth_secret, args.out, lock)
    )
    port = server.server_address[1]
    public = private_key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    subscription = {
        "port": port,
        "endpoint": f"http://127.0.0.1:{port}/push/{secrets.token_urlsafe(12)}",
        "p256dh": b64url_encode(public),
        "auth": b64url_encode(auth_secret),
    }
    # Written whole, then renamed, so a reader never sees half of it.
    tmp = f"{args.port_file}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(subscription, f)
    os.replace(tmp, args.port_file)
    print(json.dumps(subscription), flush=True)

    def stop(_signum, _frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.serve_forever()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
