"""Helpers shared by the bench scripts that drive the built `hitforge` binary step by step."""
import subprocess
import time


def run(cmd):
    """Echo a command, run it (its output goes to the terminal; a failure raises), return its wall time in s."""
    print("+", " ".join(cmd), flush=True)
    t0 = time.time()
    subprocess.run(cmd, check=True)
    return time.time() - t0
