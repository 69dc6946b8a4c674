"""The servers a benchmark starts (gunicorn, Celery, nginx, canned Stripe…): each in its own
process group with its output in a log file, waited for on its port, and stopped at the end."""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Processes:
    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.procs = []

    def start(self, name, argv, env, ready_port=None, timeout=60):
        """Start ``argv``; with ``ready_port``, return once it accepts connections there."""
        log_path = self.log_dir / f"{name}.log"
        log = open(log_path, "w")  # noqa: SIM115 (the child writes to it until stopped)
        proc = subprocess.Popen(
            argv, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs.append((name, proc))
        if not ready_port:
            return proc
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"{name} exited; see {log_path}")
            try:
                socket.create_connection(("127.0.0.1", ready_port), timeout=0.5).close()
                return proc
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"{name} did not start on port {ready_port}; see {log_path}")

    def stop(self):
        for _name, proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for _name, proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
