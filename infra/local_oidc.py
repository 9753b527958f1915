"""A loopback OIDC issuer for the local demo and the tests: its own signing key, its discovery
document and JWKS served on 127.0.0.1, tokens issued on demand. No network beyond loopback.

    python infra/local_oidc.py --port 9400 --audience credit-ui --subject officer-1

prints the issuer URL (``OIDC_ISSUER`` for ``credit serve``) and one token, then serves until
Ctrl-C. In Python: ``with LoopbackIssuer() as issuer: issuer.token("officer-1", "credit-ui")``.
It stands in for the Cognito user pool's token endpoint only: there is no login page.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey


class LoopbackIssuer:
    """An OIDC issuer on ``http://127.0.0.1:PORT`` (port 0: any free port)."""

    def __init__(self, port: int = 0) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": uuid.uuid4().hex[:16]})
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                docs = {
                    "/.well-known/openid-configuration": issuer.discovery(),
                    "/jwks.json": issuer.jwks(),
                }
                body = docs.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.url,
            "jwks_uri": self.url + "/jwks.json",
            "authorization_endpoint": self.url + "/authorize",  # not served: no login page
            "token_endpoint": self.url + "/token",
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.as_dict(private=False) | {"use": "sig", "alg": "RS256"}]}

    def token(
        self,
        subject: str,
        audience: str,
        expires_in: float = 3600,
        issuer: str | None = None,
        key: RSAKey | None = None,
        **claims: Any,
    ) -> str:
        """A signed ID token for ``subject``; ``issuer``/``key`` override this issuer's own
        (a token from elsewhere), a negative ``expires_in`` gives an expired one."""
        now = int(time.time())
        signer = key or self.key
        payload = {
            "iss": issuer or self.url,
            "sub": subject,
            "aud": audience,
            "iat": now,
            "exp": int(now + expires_in),
            "token_use": "id",
        } | claims
        return jwt.encode({"alg": "RS256", "kid": signer.kid}, payload, signer)

    def __enter__(self) -> LoopbackIssuer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9400)
    parser.add_argument("--audience", default="credit-ui")
    parser.add_argument("--subject", default="officer-1")
    parser.add_argument("--expires-in", type=float, default=3600)
    args = parser.parse_args(argv)
    issuer = LoopbackIssuer(args.port)
    with issuer:
        print(f"OIDC_ISSUER={issuer.url} OIDC_AUDIENCE={args.audience}")
        print(
            f"token for {args.subject}: {issuer.token(args.subject, args.audience, args.expires_in)}"
        )
        with contextlib.suppress(KeyboardInterrupt):
            issuer._thread.join()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
