#!/usr/bin/python3
"""A misbehaving registry for the hostile-input tests (stdlib only).

    fake-registry.py --dir DIR --layout OCI_LAYOUT

Serves the images of an OCI layout (any repository name) with the
distribution API on 127.0.0.1: GET /v2/, manifests by tag (ref.name) or
digest, blobs with Range support.  A second server (port in DIR/blobport)
serves the same blobs at /blobs/DIGEST, for redirects.  Ports go to DIR/port
and DIR/blobport; every request is logged to DIR/requests.log as a JSON line
(server, path, range, authorization present).

Faults come from DIR/faults.json, read on each request:
  {"corrupt": [DIGEST]}                         one byte of the blob changed
  {"short": {DIGEST: N}}                        N bytes sent, then the connection closed
  {"drop": {DIGEST: {"after": N, "times": K}}}  the first K requests are cut after N bytes
  {"slow": {DIGEST: BYTES_PER_SECOND}}          throttled
  {"big_manifest": TAG}                         a 5 MiB manifest for TAG
  {"schema1": TAG}                              a Docker schema 1 manifest for TAG
  {"deep_manifest": TAG}                        a manifest of 300000 nested arrays for TAG
  {"header_bytes": N}                           every response's header block (but blobs') is exactly N bytes
  {"blob_header_bytes": N}                      the same for blob responses
  {"wrong_manifest_digest": TAG}                Docker-Content-Digest does not match the body
  {"basic": "USER:PASS"}                        Basic auth required on /v2/
  {"redirect_blobs": true}                      blobs answer 307 to the blob server
"""
import base64, hashlib, json, os, sys, threading, time
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
LAYOUT = args["--layout"]
lock = threading.Lock()
drop_counts = {}


def faults():
    try:
        return json.load(open(os.path.join(DIR, "faults.json")))
    except FileNotFoundError:
        return {}


def log(entry):
    with lock, open(os.path.join(DIR, "requests.log"), "a") as f:
        f.write(json.dumps(entry) + "\n")


def blob_path(digest):
    if not digest.startswith("sha256:") or "/" in digest:
        return None
    p = os.path.join(LAYOUT, "blobs", "sha256", digest[7:])
    return p if os.path.exists(p) else None


def tag_descriptor(tag):
    idx = json.load(open(os.path.join(LAYOUT, "index.json")))
    for m in idx["manifests"]:
        if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag:
            return m
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    role = "registry"

    def log_message(self, *a):
        pass

    def send(self, code, body=b"", ctype="application/json", headers=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.pad_headers()
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def pad_headers(self, key="header_bytes"):
        total = faults().get(key)
        if total:
            # Pad with X-Pad lines of at most 8 KiB each (curl refuses longer
            # single lines) so that every header line, the status line and
            # the final empty line add up to exactly `total` bytes.
            have = sum(len(b) for b in self._headers_buffer) + 2
            while have < total:
                room = min(total - have, 8192)
                if room < 12:  # "X-Pad: " + "\r\n" + 1
                    raise ValueError("header_bytes: cannot pad by %d bytes" % room)
                if total - have - room and total - have - room < 12:
                    room -= 12
                self.send_header("X-Pad", "p" * (room - 9))
                have += room

    def error(self, code, ecode, msg):
        self.send(code, json.dumps({"errors": [{"code": ecode, "message": msg}]}).encode())

    def serve_blob(self, digest, f):
        p = blob_path(digest)
        if not p:
            return self.error(404, "BLOB_UNKNOWN", "blob unknown to registry")
        data = open(p, "rb").read()
        if digest in f.get("corrupt", []):
            data = data[:-1] + bytes([data[-1] ^ 0xFF])
        start = 0
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes=") and rng.endswith("-"):
            start = int(rng[6:-1])
        if start >= len(data) and start:
            return self.send(416, b"")
        body = data[start:]
        self.send_response(206 if start else 200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Docker-Content-Digest", digest)
        if start:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        self.pad_headers("blob_header_bytes")
        self.end_headers()
        limit = len(body)
        short = f.get("short", {}).get(digest)
        if short is not None:
            limit = max(0, short - start)
        drop = f.get("drop", {}).get(digest)
        if drop:
            with lock:
                n = drop_counts.get(digest, 0)
                drop_counts[digest] = n + 1
            if n < drop["times"]:
                limit = max(0, drop["after"] - start)
        rate = f.get("slow", {}).get(digest)
        sent = 0
        while sent < min(limit, len(body)):
            chunk = body[sent:min(limit, sent + 65536)]
            try:
                self.wfile.write(chunk)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return
            sent += len(chunk)
            if rate:
                time.sleep(len(chunk) / rate)
        if limit < len(body):
            self.close_connection = True
            self.wfile.flush()
            self.connection.shutdown(2)

    def do_GET(self):
        f = faults()
        auth = self.headers.get("Authorization")
        log({"server": self.role, "path": self.path, "range": self.headers.get("Range"), "auth": bool(auth)})
        if self.role == "blobs":
            if self.path.startswith("/blobs/"):
                return self.serve_blob(self.path[7:], f)
            return self.error(404, "NOT_FOUND", "no")
        if "basic" in f:
            want = "Basic " + base64.b64encode(f["basic"].encode()).decode()
            if auth != want:
                return self.send(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
                                 headers={"WWW-Authenticate": 'Basic realm="fake"'})
        if self.path == "/v2/":
            return self.send(200, b"{}")
        parts = self.path.split("/")
        # /v2/<name...>/manifests/<ref> or /v2/<name...>/blobs/<digest>
        if len(parts) < 5 or parts[1] != "v2":
            return self.error(404, "NOT_FOUND", "no")
        kind, ref = parts[-2], parts[-1]
        if kind == "blobs":
            if f.get("redirect_blobs"):
                with open(os.path.join(DIR, "blobport")) as pf:
                    port = pf.read().strip()
                return self.send(307, b"", headers={"Location": "http://127.0.0.1:%s/blobs/%s" % (port, ref)})
            return self.serve_blob(ref, f)
        if kind != "manifests":
            return self.error(404, "NOT_FOUND", "no")
        if f.get("big_manifest") == ref:
            body = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "padding": "x" * (5 << 20)}).encode()
            return self.send(200, body, "application/vnd.oci.image.manifest.v1+json")
        if f.get("deep_manifest") == ref:
            return self.send(200, b"[" * 300000 + b"]" * 300000, "application/vnd.oci.image.manifest.v1+json")
        if f.get("schema1") == ref:
            body = json.dumps({"schemaVersion": 1, "name": "x", "tag": ref, "fsLayers": [], "history": []}).encode()
            return self.send(200, body, "application/vnd.docker.distribution.manifest.v1+prettyjws")
        desc = tag_descriptor(ref) if not ref.startswith("sha256:") else {"digest": ref, "mediaType": None}
        if not desc or not blob_path(desc["digest"]):
            return self.error(404, "MANIFEST_UNKNOWN", "manifest unknown")
        body = open(blob_path(desc["digest"]), "rb").read()
        mt = desc.get("mediaType") or json.loads(body).get("mediaType", "application/vnd.oci.image.manifest.v1+json")
        dcd = "sha256:" + hashlib.sha256(body).hexdigest()
        if f.get("wrong_manifest_digest") == ref:
            dcd = "sha256:" + "1" * 64
        self.send(200, body, mt, {"Docker-Content-Digest": dcd})

    do_HEAD = do_GET


class BlobHandler(Handler):
    role = "blobs"


def serve(handler, portfile):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


threading.Thread(target=serve, args=(BlobHandler, os.path.join(DIR, "blobport")), daemon=True).start()
serve(Handler, os.path.join(DIR, "port"))
