#!/usr/bin/python3
"""Executes the course notebooks headless and fails on the first error (`make notebooks`, and the test suite).

  /usr/bin/python3 notebooks/run_notebooks.py [--hitforge build/cli/hitforge] [NOTEBOOK ...]
  /usr/bin/python3 notebooks/run_notebooks.py --strip      # remove outputs in place before committing

The notebooks in git carry no outputs (checked here: a notebook with outputs fails the run). Executed copies, with
their outputs, are written to notebooks/_work/executed/ (or $HITFORGE_NB_WORK/executed/) for reading.
Uses Debian's python3-nbclient / python3-nbformat / python3-ipykernel (scripts/install-deps installs them).
"""
import argparse
import os
import pathlib
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent


def notebooks(selected):
    if selected:
        return [pathlib.Path(p).resolve() for p in selected]
    return sorted(HERE.glob("[0-9][0-9]_*.ipynb"))


def has_outputs(nb):
    for cell in nb.cells:
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None):
            return True
    return False


def strip(nb):
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cell.get("metadata", {}).pop("execution", None)
    return nb


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="*")
    ap.add_argument("--hitforge", help="hitforge executable (sets HITFORGE_BIN)")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    ap.add_argument("--strip", action="store_true", help="strip outputs in place and exit")
    args = ap.parse_args()

    try:
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError
    except ImportError as e:
        print("run_notebooks: %s; install python3-nbclient python3-nbformat python3-ipykernel "
              "(scripts/install-deps)" % e, file=sys.stderr)
        return 2

    paths = notebooks(args.notebooks)
    if not paths:
        print("run_notebooks: no notebooks found", file=sys.stderr)
        return 2
    if args.strip:
        for p in paths:
            nb = nbformat.read(p, as_version=4)
            nbformat.write(strip(nb), p)
            print("stripped", p.name)
        return 0

    if args.hitforge:
        os.environ["HITFORGE_BIN"] = str(pathlib.Path(args.hitforge).resolve())
    work = pathlib.Path(os.environ.get("HITFORGE_NB_WORK", HERE / "_work"))
    (work / "executed").mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # ipykernel debugger noise

    failures = []
    total = time.monotonic()
    for p in paths:
        nb = nbformat.read(p, as_version=4)
        if has_outputs(nb):
            failures.append(p.name)
            print("FAIL %s: committed with outputs; run `%s --strip %s`" % (p.name, sys.argv[0], p.name),
                  flush=True)
            continue
        start = time.monotonic()
        client = NotebookClient(nb, timeout=args.timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(p.parent)}})
        try:
            client.execute()
            status = "ok"
        except CellExecutionError as e:
            status = "FAIL"
            failures.append(p.name)
            print(str(e)[-4000:], file=sys.stderr)
        except Exception as e:  # kernel died, timeout
            status = "FAIL"
            failures.append(p.name)
            print("%s: %s: %s" % (p.name, type(e).__name__, e), file=sys.stderr)
        nbformat.write(nb, work / "executed" / p.name)
        print("%-4s %-36s %6.1f s" % (status, p.name, time.monotonic() - start), flush=True)
    print("%d notebook(s) in %.1f s; executed copies in %s" % (len(paths), time.monotonic() - total,
                                                              work / "executed"))
    if failures:
        print("failed: " + ", ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
