"""Helpers shared by the bench scripts that drive the built `hitforge` binary step by step."""
import socket
import subprocess
import time


def run(cmd):
    """Echo a command, run it (its output goes to the terminal; a failure raises), return its wall time in s."""
    print("+", " ".join(cmd), flush=True)
    t0 = time.time()
    subprocess.run(cmd, check=True)
    return time.time() - t0


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago (for a server or a rendezvous the bench starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
