"""Helpers shared by the course notebooks: find the built `hitforge`, run it with its output shown in the notebook,
and find the data and a scratch directory. Everything the course computes is computed by hitforge itself; this file
only starts it and shows what it wrote.

Environment (all optional):
  HITFORGE_BIN       the hitforge executable (default: ../build/cli/hitforge, then `hitforge` on PATH)
  HITFORGE_DATA_DIR  public datasets (default: ../../shared/data when present; see datasets/registry)
  HITFORGE_NB_WORK   where notebooks write their files (default: notebooks/_work/, ignored by git)
  HITFORGE_NB_THREADS threads given to hitforge (default: all cores)
"""
import os
import pathlib
import shlex
import shutil
import subprocess
import sys

NOTEBOOKS = pathlib.Path(__file__).resolve().parent
REPO = NOTEBOOKS.parent
RDKIT_DATA = pathlib.Path("/usr/share/RDKit")  # Debian's rdkit-data


def hitforge_bin():
    """Path of the hitforge executable; a clear message when the project is not built yet."""
    env = os.environ.get("HITFORGE_BIN")
    candidates = [env] if env else [str(REPO / "build" / "cli" / "hitforge"), shutil.which("hitforge")]
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return c
    raise FileNotFoundError("hitforge is not built: run `make build` in %s (or set HITFORGE_BIN)" % REPO)


def threads():
    return int(os.environ.get("HITFORGE_NB_THREADS", os.cpu_count() or 1))


def data_dir():
    """The public-data directory, or None when this machine has none (notebooks then say what to download)."""
    env = os.environ.get("HITFORGE_DATA_DIR")
    for c in [env, REPO.parent / "shared" / "data"]:
        if c and pathlib.Path(c).is_dir():
            return pathlib.Path(c)
    return None


def work_dir(name, fresh=True):
    """The scratch directory of one notebook: emptied when the notebook starts (fresh=True), then kept, so that you
    can look at the files afterwards."""
    base = pathlib.Path(os.environ.get("HITFORGE_NB_WORK", NOTEBOOKS / "_work"))
    d = base / name
    if fresh and d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True, exist_ok=True)
    return d


class Output(str):
    """hitforge's stdout; shows nothing when it is a cell's last value (the output was printed already)."""

    def _ipython_display_(self):
        pass


def hf(*args, cwd=None, show=True, tail=40):
    """Runs `hitforge ARGS...` (progress bars off, threads from HITFORGE_NB_THREADS) and returns its stdout.

    The command line is printed first, so that every cell shows what you would type in a terminal. On failure the
    error hitforge printed is raised as RuntimeError (the notebook stops there, as it should)."""
    argv = [hitforge_bin()] + [str(a) for a in args]
    if args and args[0] not in ("--version", "doctor") and "--threads" not in argv:
        argv += ["--threads", str(threads())]
    if "--no-progress" not in argv and args and args[0] != "--version":
        argv += ["--no-progress"]
    if "--log-level" not in argv and args and args[0] != "--version":
        argv += ["--log-level", "warn"]  # the summary hitforge prints is enough in a notebook
    shown = ["hitforge"] + [str(a) for a in argv[1:]]
    if show:
        print("$", " ".join(shlex.quote(a) for a in shown), flush=True)
    proc = subprocess.run(argv, cwd=cwd, text=True, capture_output=True)
    out = proc.stdout + (("\n" + proc.stderr) if proc.stderr.strip() else "")
    if proc.returncode != 0:
        raise RuntimeError("hitforge exited with %d:\n%s" % (proc.returncode, out.strip()))
    if show and out.strip():
        lines = out.strip().splitlines()
        if len(lines) > tail:
            print("... (%d lines, last %d shown)" % (len(lines), tail))
            lines = lines[-tail:]
        print("\n".join(lines))
    return Output(proc.stdout)


def show_svg(path):
    """Displays an SVG plot that hitforge wrote."""
    from IPython.display import SVG, display

    display(SVG(filename=str(path)))


def read_jsonl(path):
    import json

    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


if __name__ == "__main__":
    print(hitforge_bin(), data_dir(), file=sys.stderr)
