#!/usr/bin/env python3
"""
Logging-storm workload: a worker thread writes DEBUG lines with Python's logging module to LOG (default
/var/tmp/perftriage-logstorm/app.log) at RATE lines per second, the main thread idles. Bounded by LIFETIME
seconds; the log is removed at exit unless KEEP=1.

    RATE=3000 LIFETIME=60 python3 logstorm_app.py
"""
import logging
import os
import shutil
import threading
import time

LOG = os.environ.get("LOG", "/var/tmp/perftriage-logstorm/app.log")
RATE = int(os.environ.get("RATE", "3000"))
LIFETIME = float(os.environ.get("LIFETIME", "60"))


def worker(log, stop):
    n = 0
    start = time.time()
    while not stop.is_set():
        n += 1
        log.debug("request %d handled: cache lookup key=user:%d hit=%s latency_us=%d", n, n % 977, n % 3 == 0, 120 + n % 50)
        # Pace to RATE lines per second.
        ahead = n / RATE - (time.time() - start)
        if ahead > 0:
            time.sleep(ahead)


def main():
    os.makedirs(os.path.dirname(LOG), exist_ok=True)
    log = logging.getLogger("app")
    handler = logging.FileHandler(LOG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    stop = threading.Event()
    t = threading.Thread(target=worker, args=(log, stop), name="worker")
    t.start()
    print(f"pid={os.getpid()} log={LOG}", flush=True)
    time.sleep(LIFETIME)
    stop.set()
    t.join()
    handler.close()
    if os.environ.get("KEEP") != "1":
        shutil.rmtree(os.path.dirname(LOG), ignore_errors=True)


if __name__ == "__main__":
    main()
