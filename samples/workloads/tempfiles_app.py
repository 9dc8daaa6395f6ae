#!/usr/bin/env python3
"""
Temp-file churn workload (the case study's app, rebuilt): a threaded HTTP server on 127.0.0.1 whose request
thread creates /tmp/<uuid1>/, writes FILES files of SIZE bytes into it, reads each one back, then deletes the
directory. Bounded: it exits after MAX_REQUESTS requests or LIFETIME seconds.

    FILES=1000 SIZE=131072 PORT=18080 python3 tempfiles_app.py
    curl http://127.0.0.1:18080/work
"""
import http.server
import os
import shutil
import socketserver
import sys
import threading
import time
import uuid

FILES = int(os.environ.get("FILES", "1000"))
SIZE = int(os.environ.get("SIZE", "131072"))
PORT = int(os.environ.get("PORT", "18080"))
MAX_REQUESTS = int(os.environ.get("MAX_REQUESTS", "20"))
LIFETIME = float(os.environ.get("LIFETIME", "120"))
served = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        global served
        directory = f"/tmp/{uuid.uuid1()}"
        os.mkdir(directory)
        payload = os.urandom(SIZE)
        read_back = 0
        for i in range(FILES):
            path = f"{directory}/{i}.txt"
            with open(path, "wb") as f:
                f.write(payload)
            with open(path, "rb") as f:
                read_back += len(f.read())
        shutil.rmtree(directory)
        served += 1
        body = f'{{"dir": "{directory}", "files": {FILES}, "bytes_read_back": {read_back}, "tid": {threading.get_native_id()}}}\n'.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        sys.stderr.write(f"{time.strftime('%H:%M:%S')} tid={threading.get_native_id()} {fmt % args}\n")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def main():
    server = Server(("127.0.0.1", PORT), Handler)
    deadline = time.time() + LIFETIME
    server.timeout = 0.5
    print(f"pid={os.getpid()} port={PORT}", flush=True)
    while served < MAX_REQUESTS and time.time() < deadline:
        server.handle_request()
    server.server_close()


if __name__ == "__main__":
    main()
