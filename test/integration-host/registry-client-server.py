#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Loopback servers for test-registry-client: things a real registry does only on a bad day.

  registry-client-server.py faults PORT BLOB_FILE
      A fake registry whose behaviour depends on the repository name:
        /v2/drop/blobs/D        first response dies halfway; later ones honour Range (206)
        /v2/drop200/blobs/D     first response dies halfway; later ones ignore Range (200, all)
        /v2/stall/blobs/D       sends half, then nothing, every time
        /v2/stallonce/blobs/D   sends half then nothing once; later ones honour Range
        /v2/flaky/blobs/D       503 twice, then the blob
        /v2/busy/blobs/D        429 with Retry-After: 1 once, then the blob
        /v2/broken/blobs/D      500 always
        /v2/corrupt/blobs/D     the blob with one byte changed
        /v2/long/blobs/D        the blob and then some
        /v2/redirect/blobs/D    307 to /storage/D, which serves the blob
        /v2/gone/blobs/D        404 BLOB_UNKNOWN
        /v2/badmanifest/manifests/T   a manifest whose Docker-Content-Digest is wrong
        /v2/bigmanifest/manifests/T   a 5 MiB manifest
      /stats returns what each repository saw: {"drop": {"requests": 2, "ranges": ["bytes=N-"]}};
      /reset forgets it, so that every behaviour starts from its first request again.

  registry-client-server.py bearer PORT UPSTREAM_PORT USER PASSWORD
      A registry front that wants bearer tokens (the distribution token spec): /token hands them out
      for basic credentials, every /v2/ request without a token for its repository gets a 401 with
      a Bearer challenge naming the scope, and requests with one are proxied to the plain registry
      on UPSTREAM_PORT. /stats counts token requests per scope; /reset forgets them.

Both stop by themselves after 15 minutes.
"""

import base64
import hashlib
import http.client
import http.server
import json
import socketserver
import sys
import threading
import time
import urllib.parse

LIFETIME = 15 * 60

stats = {}
stats_lock = threading.Lock()


def record(key, rng=None):
    with stats_lock:
        s = stats.setdefault(key, {"requests": 0, "ranges": []})
        s["requests"] += 1
        if rng:
            s["ranges"].append(rng)
        return s["requests"]


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Base(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, body=b"", headers=None):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def reply_json(self, code, obj, headers=None):
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        self.reply(code, json.dumps(obj).encode(), h)

    def error_json(self, code, err, message, headers=None):
        self.reply_json(code, {"errors": [{"code": err, "message": message}]}, headers)

    def die(self):
        """Drop the connection without finishing the response."""
        self.wfile.flush()
        self.close_connection = True
        try:
            self.connection.shutdown(2)
        except OSError:
            pass


class Faults(Base):
    blob = b""
    digest = ""

    def send_blob(self, data, status=200, extra=None):
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Docker-Content-Digest", self.digest)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_ranged(self, rng):
        start = int(rng.split("=")[1].split("-")[0])
        self.send_blob(self.blob[start:], 206,
                       {"Content-Range": "bytes %d-%d/%d" % (start, len(self.blob) - 1, len(self.blob))})

    def send_half_then(self, then):
        half = len(self.blob) // 2
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.blob)))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        self.wfile.write(self.blob[:half])
        self.wfile.flush()
        if then == "die":
            self.die()
        else:
            time.sleep(then)
            self.die()

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        path = urllib.parse.urlparse(self.path).path
        rng = self.headers.get("Range")
        if path == "/v2/":
            return self.reply_json(200, {})
        if path == "/stats":
            with stats_lock:
                return self.reply_json(200, stats)
        if path == "/reset":
            with stats_lock:
                stats.clear()
            return self.reply_json(200, {})
        if path.startswith("/storage/"):
            record("storage", rng)
            return self.send_blob(self.blob)

        parts = path.split("/")
        if len(parts) != 5 or parts[1] != "v2":
            return self.error_json(404, "NAME_UNKNOWN", "repository name not known to registry")
        repo, kind, ref = parts[2], parts[3], parts[4]

        if kind == "manifests":
            n = record(repo)
            if repo == "badmanifest":
                body = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                                   "manifests": []}).encode()
                return self.reply(200, body, {"Content-Type": "application/vnd.oci.image.index.v1+json",
                                              "Docker-Content-Digest": "sha256:" + "0" * 64})
            if repo == "bigmanifest":
                body = b"{" + b" " * (5 * 1024 * 1024) + b"}"
                return self.reply(200, body, {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
            del n
            return self.error_json(404, "MANIFEST_UNKNOWN", "manifest unknown")

        if kind != "blobs" or ref != self.digest:
            return self.error_json(404, "BLOB_UNKNOWN", "blob unknown to registry")

        n = record(repo, rng)
        if repo == "drop":
            return self.send_half_then("die") if n == 1 else self.send_ranged(rng) if rng else self.send_blob(self.blob)
        if repo == "drop200":
            return self.send_half_then("die") if n == 1 else self.send_blob(self.blob)
        if repo == "stall":
            return self.send_half_then(30)
        if repo == "stallonce":
            return self.send_half_then(30) if n == 1 else self.send_ranged(rng) if rng else self.send_blob(self.blob)
        if repo == "flaky":
            if n <= 2:
                return self.error_json(503, "UNAVAILABLE", "service unavailable")
            return self.send_blob(self.blob)
        if repo == "busy":
            if n == 1:
                return self.error_json(429, "TOOMANYREQUESTS", "slow down", {"Retry-After": "1"})
            return self.send_blob(self.blob)
        if repo == "broken":
            return self.error_json(500, "UNKNOWN", "internal server error")
        if repo == "corrupt":
            b = bytearray(self.blob)
            b[len(b) // 3] ^= 0x55
            return self.send_blob(bytes(b))
        if repo == "long":
            return self.send_blob(self.blob + b"trailing junk")
        if repo == "redirect":
            return self.reply(307, b"", {"Location": "/storage/" + self.digest})
        if repo == "gone":
            return self.error_json(404, "BLOB_UNKNOWN", "blob unknown to registry")
        return self.send_blob(self.blob)


def repo_of(path):
    for p in ("/blobs/", "/manifests/", "/tags/"):
        if path.startswith("/v2/") and p in path:
            return path[len("/v2/"):path.index(p)]
    return None


class Bearer(Base):
    upstream = 0
    user = ""
    password = ""
    tokens = {}
    tokens_lock = threading.Lock()
    counter = [0]

    def challenge(self, scope=None):
        realm = "http://127.0.0.1:%d/token" % self.server.server_address[1]
        v = 'Bearer realm="%s",service="nyx-test"' % realm
        if scope:
            v += ',scope="%s",error="insufficient_scope"' % scope
        body = b""
        if self.command != "HEAD":
            body = json.dumps({"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}).encode()
        self.send_response(401)
        self.send_header("WWW-Authenticate", v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def token(self):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        scopes = q.get("scope", [])
        record("token " + " ".join(scopes))
        auth = self.headers.get("Authorization", "")
        want = "Basic " + base64.b64encode(("%s:%s" % (self.user, self.password)).encode()).decode()
        if auth != want or q.get("service") != ["nyx-test"]:
            return self.error_json(401, "UNAUTHORIZED", "bad credentials",
                                   {"WWW-Authenticate": 'Basic realm="nyx-test"'})
        with self.tokens_lock:
            self.counter[0] += 1
            t = "tok%d" % self.counter[0]
            self.tokens[t] = scopes
        return self.reply_json(200, {"access_token": t, "expires_in": 300})

    def allowed(self, path):
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return False
        with self.tokens_lock:
            scopes = self.tokens.get(auth[7:])
        if scopes is None:
            return False
        if path == "/v2/":
            return True
        repo = repo_of(path)
        if repo is None:
            return False
        need = "pull" if self.command in ("GET", "HEAD") else "push"
        for s in scopes:
            for one in s.split(" "):
                f = one.split(":")
                if len(f) == 3 and f[0] == "repository" and f[1] == repo and need in f[2].split(","):
                    return True
        return False

    def proxy(self):
        path = urllib.parse.urlparse(self.path).path
        if path == "/token":
            return self.token()
        if path == "/stats":
            with stats_lock:
                return self.reply_json(200, stats)
        if path == "/reset":
            with stats_lock:
                stats.clear()
            return self.reply_json(200, {})
        if not self.allowed(path):
            record("denied " + self.command + " " + path)
            repo = repo_of(path)
            act = "pull" if self.command in ("GET", "HEAD") else "pull,push"
            return self.challenge("repository:%s:%s" % (repo, act) if repo else None)

        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("authorization", "expect", "connection")}
        c = http.client.HTTPConnection("127.0.0.1", self.upstream, timeout=30)
        c.request(self.command, self.path, body=body, headers=headers)
        r = c.getresponse()
        data = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() in ("content-length", "connection", "transfer-encoding"):
                continue
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        c.close()

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = proxy


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "faults":
        with open(sys.argv[3], "rb") as f:
            Faults.blob = f.read()
        Faults.digest = "sha256:" + hashlib.sha256(Faults.blob).hexdigest()
        handler = Faults
    elif mode == "bearer":
        Bearer.upstream = int(sys.argv[3])
        Bearer.user, Bearer.password = sys.argv[4], sys.argv[5]
        handler = Bearer
    else:
        sys.exit("unknown mode " + mode)

    srv = Server(("127.0.0.1", port), handler)
    t = threading.Timer(LIFETIME, srv.shutdown)
    t.daemon = True
    t.start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
