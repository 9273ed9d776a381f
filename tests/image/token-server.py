#!/usr/bin/python3
"""A Docker-Hub-style token service for the tests (stdlib + the openssl CLI).

    token-server.py --dir DIR --issuer ISS --service SVC [--users u:p,...] [--ttl S]

Listens on 127.0.0.1 (port 0), writes the port to DIR/port and its own log of
requests to DIR/requests.log (one JSON object per line: path, query, user,
authorization present).  Signs RS256 JWTs with DIR/token.key whose
certificate DIR/token.crt the registry trusts (rootcertbundle), putting the
certificate in the x5c header.

Grants: users from --users get pull and push on every repository; anonymous
requests get pull on repositories not under `private/`.  Wrong credentials
get 401.  While DIR/fail exists every request gets 500 (a failing service).
"""
import base64, json, os, secrets, subprocess, sys, time, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Die with the test that started us, even if it is killed without its traps.
try:
    import ctypes, signal
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() == 1:
        sys.exit(0)
except Exception:
    pass

args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
DIR = args["--dir"]
ISSUER = args["--issuer"]
SERVICE = args["--service"]
TTL = int(args.get("--ttl", "300"))
USERS = dict(u.split(":", 1) for u in args.get("--users", "").split(",") if u)


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def cert_der_b64():
    pem = open(os.path.join(DIR, "token.crt")).read()
    body = "".join(l for l in pem.splitlines() if "-----" not in l)
    return body


def sign(payload):
    header = {"typ": "JWT", "alg": "RS256", "x5c": [cert_der_b64()]}
    signing = (b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())).encode()
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", os.path.join(DIR, "token.key")],
                         input=signing, capture_output=True, check=True).stdout
    return signing.decode() + "." + b64url(sig)


def log(entry):
    with open(os.path.join(DIR, "requests.log"), "a") as f:
        f.write(json.dumps(entry) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        auth = self.headers.get("Authorization")
        user = None
        if auth and auth.startswith("Basic "):
            try:
                user, pw = base64.b64decode(auth[6:]).decode().split(":", 1)
            except Exception:
                user, pw = "?", None
            if USERS.get(user) != pw:
                log({"path": u.path, "query": q, "user": user, "auth": True, "result": 401})
                return self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]})
        if os.path.exists(os.path.join(DIR, "fail")):
            log({"path": u.path, "query": q, "user": user, "auth": bool(auth), "result": 500})
            return self.reply(500, {"errors": [{"code": "UNAVAILABLE", "message": "token service is down"}]})
        if u.path != "/token":
            return self.reply(404, {})
        access = []
        for scope in q.get("scope", []):
            for s in scope.split(" "):
                parts = s.split(":")
                if len(parts) != 3 or parts[0] != "repository":
                    continue
                name, actions = parts[1], parts[2].split(",")
                if user:
                    granted = [a for a in actions if a in ("pull", "push", "delete", "*")]
                elif not name.startswith("private/"):
                    granted = [a for a in actions if a == "pull"]
                else:
                    granted = []
                access.append({"type": "repository", "name": name, "actions": granted})
        now = int(time.time())
        tok = sign({"iss": ISSUER, "sub": user or "", "aud": q.get("service", [SERVICE])[0], "exp": now + TTL,
                    "nbf": now - 10, "iat": now, "jti": secrets.token_hex(8), "access": access})
        log({"path": u.path, "query": q, "user": user, "auth": bool(auth), "result": 200})
        self.reply(200, {"token": tok, "access_token": tok, "expires_in": TTL,
                         "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))})


srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
srv.serve_forever()
