#!/usr/bin/env python3
"""A webhook receiver for the notify tests (tests/netns/notify_test.cc).

Listens on 127.0.0.1 of the network namespace it is started in, on a port the
kernel picks, written to PORT_FILE once it listens. Each request is appended
to LOG as one JSON line: method, path, content type, body. Answers STATUS
(default 200); with --hang it reads the request and never answers.
"""
import argparse
import http.server
import json
import os
import threading


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--status", type=int, default=200)
    parser.add_argument("--hang", action="store_true")
    args = parser.parse_args()
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode("utf-8", "replace")
            entry = {"method": self.command, "path": self.path,
                     "content_type": self.headers.get("Content-Type", ""),
                     "user_agent": self.headers.get("User-Agent", ""), "body": body}
            with lock, open(args.log, "a", encoding="utf-8") as log:
                log.write(json.dumps(entry) + "\n")
            if args.hang:
                threading.Event().wait()
            self.send_response(args.status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok\n" if args.status < 300 else b"receiver says no\n")

        def log_message(self, *_):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    temporary = args.port_file + ".new"
    with open(temporary, "w", encoding="utf-8") as out:
        out.write(str(server.server_address[1]))
    os.rename(temporary, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
