#!/usr/bin/env python3
"""A stand-in for the Kubernetes API server, for the node agent's tests.

It serves what the agent (and kubectl) use of /api/v1/nodes, over HTTPS, in the real
wire format:
  - list: NodeList with metadata.resourceVersion, paging with limit/continue (a continue
    token of an expired snapshot answers 410 Expired);
  - watch (?watch=1&resourceVersion=N&allowWatchBookmarks=true&timeoutSeconds=T): a
    chunked stream of {"type","object"} events, one per chunk, each followed by a newline;
    BOOKMARK events; the stream ends after timeoutSeconds; a resourceVersion older than
    the compaction point answers an ERROR event with a 410 Status (or HTTP 410, by choice);
  - GET /api/v1/nodes/NAME, and the legacy discovery documents (/api, /api/v1, /apis), so
    that `kubectl get nodes` works against it;
  - authentication by bearer token or by a client certificate signed by the test CA.

A plain-HTTP control port on 127.0.0.1 drives it (tests use curl):
  PUT    /nodes/NAME          body: a Node object (ADDED or MODIFIED)
  DELETE /nodes/NAME
  POST   /compact             the revision moves on and every event so far expires: a watch
                              from any resourceVersion seen so far gets 410
  POST   /drop                end every watch connection now (no terminating chunk)
  POST   /drop-mid-event      the next event of each watch is cut in the middle, then the
                              connection is closed
  POST   /config              body: {"bookmark_interval": s, "watch_410": "event"|"http",
                                     "page_delay": s, "tokens": [...]}
  POST   /inject              body: raw bytes, sent as one chunk to every open watch
  GET    /stats               {"lists", "watches", "active_watches", "rv", "nodes",
                               "watch_rvs": [resourceVersion of every watch request]}
  POST   /quit

Usage: kube-api.py --addr A --port P --control-port C --cert F --key F --ca F
                   --token T [--nodes FILE]
"""
import argparse
import base64
import http.server
import json
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse


class State:
    def __init__(self):
        self.lock = threading.Condition()
        self.rv = 1
        self.nodes = {}          # name -> object
        self.history = []        # (rv, type, object)
        self.compacted = 0       # events with rv <= compacted are gone
        self.bookmark_interval = 1.0
        self.watch_410 = "event"
        self.page_delay = 0.0
        self.drop_gen = 0        # bumped by /drop
        self.cut_gen = 0         # bumped by /drop-mid-event
        self.lists = 0
        self.watches = 0
        self.active = 0
        self.watch_rvs = []
        self.inject = []         # (seq, bytes) for open watches
        self.inject_seq = 0
        self.tokens = set()

    def put(self, obj):
        with self.lock:
            name = obj["metadata"]["name"]
            kind = "MODIFIED" if name in self.nodes else "ADDED"
            self.rv += 1
            obj = json.loads(json.dumps(obj))
            obj.setdefault("kind", "Node")
            obj.setdefault("apiVersion", "v1")
            obj["metadata"]["resourceVersion"] = str(self.rv)
            obj["metadata"].setdefault("uid", "uid-" + name)
            obj["metadata"].setdefault("creationTimestamp",
                                       time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
            self.nodes[name] = obj
            self.history.append((self.rv, kind, obj))
            self.lock.notify_all()
            return kind

    def delete(self, name):
        with self.lock:
            obj = self.nodes.pop(name, None)
            if obj is None:
                return False
            self.rv += 1
            obj = json.loads(json.dumps(obj))
            obj["metadata"]["resourceVersion"] = str(self.rv)
            self.history.append((self.rv, "DELETED", obj))
            self.lock.notify_all()
            return True

    def compact(self):
        # As etcd does: the revision moves on (other objects changed), and everything
        # before it is gone; a watch from any older resourceVersion gets 410.
        with self.lock:
            self.rv += 1
            self.compacted = self.rv
            self.history = []
            self.lock.notify_all()


STATE = State()


def send_json(handler, code, obj):
    body = json.dumps(obj).encode()
    handler.send_response(code)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def status(code, reason, message):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


class Api(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kube-api-test"

    def log_message(self, fmt, *args):  # quiet; errors still reach stderr
        pass

    def authorized(self):
        auth = self.headers.get("Authorization") or ""
        if auth.startswith("Bearer ") and auth[7:] in STATE.tokens:
            return True
        try:
            return self.connection.getpeercert() is not None and bool(self.connection.getpeercert())
        except (ValueError, AttributeError):
            return False

    def send_json(self, code, obj):
        send_json(self, code, obj)

    def do_GET(self):
        if not self.authorized():
            self.send_json(401, status(401, "Unauthorized", "Unauthorized"))
            return
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        path = url.path.rstrip("/")
        if path == "/api":
            self.send_json(200, {"kind": "APIVersions", "versions": ["v1"],
                                 "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                                                 "serverAddress": self.server.address}]})
        elif path == "/apis":
            self.send_json(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": []})
        elif path == "/api/v1":
            self.send_json(200, {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
                {"name": "nodes", "singularName": "node", "namespaced": False, "kind": "Node",
                 "verbs": ["get", "list", "watch"], "shortNames": ["no"]}]})
        elif path == "/api/v1/nodes" and q.get("watch") in ("1", "true"):
            self.watch(q)
        elif path == "/api/v1/nodes":
            self.list(q)
        elif path.startswith("/api/v1/nodes/"):
            with STATE.lock:
                obj = STATE.nodes.get(path[len("/api/v1/nodes/"):])
            if obj is None:
                self.send_json(404, status(404, "NotFound", "nodes \"%s\" not found" % path.split("/")[-1]))
            else:
                self.send_json(200, obj)
        else:
            self.send_json(404, status(404, "NotFound", "the server could not find the requested resource"))

    def list(self, q):
        limit = int(q.get("limit", "0") or 0)
        cont = q.get("continue")
        with STATE.lock:
            STATE.lists += 1
            if cont:
                tok = json.loads(base64.urlsafe_b64decode(cont.encode()))
                if tok["rv"] < STATE.compacted:
                    self.send_json(410, status(410, "Expired", "The provided continue parameter is too old "
                                               "to display a consistent list result."))
                    return
                rv, after = tok["rv"], tok["after"]
            else:
                rv, after = STATE.rv, ""
            names = sorted(n for n in STATE.nodes if n > after)
            items = [STATE.nodes[n] for n in names]
            delay = STATE.page_delay
        meta = {"resourceVersion": str(rv)}
        if limit and len(items) > limit:
            items = items[:limit]
            meta["continue"] = base64.urlsafe_b64encode(json.dumps(
                {"rv": rv, "after": items[-1]["metadata"]["name"]}).encode()).decode()
            meta["remainingItemCount"] = len(names) - limit
        if delay:
            time.sleep(delay)
        self.send_json(200, {"kind": "NodeList", "apiVersion": "v1", "metadata": meta, "items": items})

    def chunk(self, data, cut=False):
        head = b"%x\r\n" % len(data)
        if cut:
            self.wfile.write(head + data[: len(data) // 2])
            self.wfile.flush()
            return
        self.wfile.write(head + data + b"\r\n")
        self.wfile.flush()

    def event(self, kind, obj, cut=False):
        self.chunk(json.dumps({"type": kind, "object": obj}).encode() + b"\n", cut)

    def watch(self, q):
        try:
            since = int(q.get("resourceVersion") or 0)
        except ValueError:
            self.send_json(400, status(400, "BadRequest", "invalid resourceVersion"))
            return
        timeout = float(q.get("timeoutSeconds") or 1800)
        bookmarks = q.get("allowWatchBookmarks") in ("1", "true")
        with STATE.lock:
            STATE.watches += 1
            STATE.watch_rvs.append(since)
            # Too old (compacted away), or newer than anything here (a server that lost
            # its history): either way the client must list again.
            expired = since and (since < STATE.compacted or since > STATE.rv)
            mode = STATE.watch_410
        if expired and mode == "http":
            self.send_json(410, status(410, "Expired", "too old resource version: %d (%d)" % (since, STATE.compacted)))
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if expired:
            self.event("ERROR", status(410, "Expired", "too old resource version: %d (%d)" % (since, STATE.compacted)))
            self.chunk(b"")
            return
        end = time.monotonic() + timeout
        with STATE.lock:
            STATE.active += 1
            drop_gen, cut_gen = STATE.drop_gen, STATE.cut_gen
            injected = STATE.inject_seq
        sent = since
        next_bookmark = time.monotonic() + STATE.bookmark_interval
        try:
            while True:
                with STATE.lock:
                    pending = [h for h in STATE.history if h[0] > sent]
                    raw = [b for (n, b) in STATE.inject if n > injected]
                    injected = STATE.inject_seq
                    if not pending and not raw and STATE.drop_gen == drop_gen:
                        wait = min(end, next_bookmark) - time.monotonic()
                        if wait > 0:
                            STATE.lock.wait(wait)
                        pending = [h for h in STATE.history if h[0] > sent]
                    dropped = STATE.drop_gen != drop_gen
                    cut = STATE.cut_gen != cut_gen
                    rv = STATE.rv
                if dropped:
                    return  # no terminating chunk: the connection just ends
                for b in raw:
                    self.chunk(b)
                for h in pending:
                    if cut:
                        self.event(h[1], h[2], cut=True)
                        return
                    self.event(h[1], h[2])
                    sent = h[0]
                now = time.monotonic()
                if now >= end:
                    self.chunk(b"")
                    return
                if bookmarks and now >= next_bookmark:
                    # Every event up to rv has been sent: the bookmark says so.
                    self.event("BOOKMARK", {"kind": "Node", "apiVersion": "v1",
                                            "metadata": {"resourceVersion": str(rv)}})
                    next_bookmark = now + STATE.bookmark_interval
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            return
        finally:
            with STATE.lock:
                STATE.active -= 1
            self.close_connection = True


class Control(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, obj):
        send_json(self, code, obj)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(n)) if n else {}

    def do_GET(self):
        if self.path == "/stats":
            with STATE.lock:
                self.reply(200, {"lists": STATE.lists, "watches": STATE.watches, "active_watches": STATE.active,
                                 "rv": STATE.rv, "nodes": sorted(STATE.nodes), "watch_rvs": STATE.watch_rvs})
        else:
            self.reply(404, {})

    def do_PUT(self):
        if not self.path.startswith("/nodes/"):
            self.reply(404, {})
            return
        obj = self.body()
        obj.setdefault("metadata", {})["name"] = self.path[len("/nodes/"):]
        self.reply(200, {"type": STATE.put(obj), "rv": STATE.rv})

    def do_DELETE(self):
        if not self.path.startswith("/nodes/"):
            self.reply(404, {})
            return
        ok = STATE.delete(self.path[len("/nodes/"):])
        self.reply(200 if ok else 404, {"rv": STATE.rv})

    def do_POST(self):
        if self.path == "/compact":
            STATE.compact()
        elif self.path == "/drop":
            with STATE.lock:
                STATE.drop_gen += 1
                STATE.lock.notify_all()
        elif self.path == "/drop-mid-event":
            with STATE.lock:
                STATE.cut_gen += 1
        elif self.path == "/inject":
            n = int(self.headers.get("Content-Length") or 0)
            data = self.rfile.read(n)
            with STATE.lock:
                STATE.inject_seq += 1
                STATE.inject.append((STATE.inject_seq, data))
                STATE.lock.notify_all()
        elif self.path == "/config":
            b = self.body()
            with STATE.lock:
                if "tokens" in b:
                    STATE.tokens = set(b["tokens"])
                STATE.bookmark_interval = float(b.get("bookmark_interval", STATE.bookmark_interval))
                STATE.watch_410 = b.get("watch_410", STATE.watch_410)
                STATE.page_delay = float(b.get("page_delay", STATE.page_delay))
                STATE.lock.notify_all()
        elif self.path == "/quit":
            self.reply(200, {})
            threading.Thread(target=self.server.quit_all, daemon=True).start()
            return
        else:
            self.reply(404, {})
            return
        self.reply(200, {"rv": STATE.rv})


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--addr", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--control-port", type=int, required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--nodes", help="a NodeList file to start with")
    a = p.parse_args()
    STATE.tokens = {a.token}
    if a.nodes:
        with open(a.nodes) as f:
            for item in json.load(f)["items"]:
                STATE.put(item)

    api = Server((a.addr, a.port), Api)
    api.address = "%s:%d" % (a.addr, a.port)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    ctx.load_verify_locations(a.ca)
    ctx.verify_mode = ssl.CERT_OPTIONAL
    api.socket = ctx.wrap_socket(api.socket, server_side=True)
    ctl = Server(("127.0.0.1", a.control_port), Control)

    def quit_all():
        api.shutdown()
        ctl.shutdown()
    ctl.quit_all = quit_all
    threading.Thread(target=api.serve_forever, daemon=True).start()
    print("ready", flush=True)
    ctl.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
