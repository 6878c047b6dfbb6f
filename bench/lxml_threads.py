"""lxml in two threads at once: how soon a process crashes, and whether topicwire's lock holds.

One thread parses pages with new element names while another renames the elements of a
document it parsed: the shapes of a poll thread parsing a feed or a page while another
builds an article or renders a feed. Each mode runs in its own child process for at most
``--seconds`` and is repeated ``--runs`` times; a run that dies on a signal, or hangs a
minute past its time, counts as a crash.

    shared   both threads parse with one module-level parser (trafilatura's, ours)
    default  both parse with lxml.html's default, itself one module-level parser
    fresh    every parse makes its own parser
    locked   as shared, but each thread holds topicwire.lxmlock.LXML around its lxml work

Measured on the development machine (lxml 6.2.0, libxml2 2.14.6, 2 cores), 3 runs of 20 s:
shared and default crash every run within a second or two; fresh and locked never.

    python bench/lxml_threads.py [--runs 3] [--seconds 20]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODES = ("shared", "default", "fresh", "locked")

CHILD = r"""
import contextlib, itertools, sys, threading, time
import lxml.html
from topicwire.lxmlock import LXML
mode, seconds = sys.argv[1], float(sys.argv[2])
SHARED = lxml.html.HTMLParser(remove_comments=True)
names = itertools.count()
stop = time.monotonic() + seconds
guard = LXML if mode == "locked" else contextlib.nullcontext()

def parser():
    if mode in ("shared", "locked"):
        return SHARED
    return None if mode == "default" else lxml.html.HTMLParser(remove_comments=True)

def parse():
    while time.monotonic() < stop:
        k = next(names) * 100_000
        body = "".join(f"<n{k + i} a{k + i}='1'>t</n{k + i}>" for i in range(20_000))
        page = f"<html><body>{body}</body></html>"
        with guard:
            lxml.html.document_fromstring(page, parser=parser())

def rename():
    with guard:
        doc = lxml.html.document_fromstring("<html><body>" + "<p>a</p>" * 2000 + "</body></html>", parser=parser())
    while time.monotonic() < stop:
        with guard:
            for el in doc.iter():
                if el.tag not in ("html", "body"):
                    el.tag = f"t{next(names)}"
    with guard:  # the tree is freed here, not as the thread ends
        del doc

threads = [threading.Thread(target=parse), threading.Thread(target=rename)]
for t in threads:
    t.start()
for t in threads:
    t.join()
"""


def run(mode: str, seconds: float) -> tuple[bool, float]:
    """Whether the child died on a signal or hung (a corrupted heap can deadlock malloc),
    and after how long."""
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, mode, str(seconds)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return True, time.monotonic() - started
    took = time.monotonic() - started
    if done.returncode > 0:
        raise SystemExit(f"{mode}: the child failed:\n{done.stderr[-2000:]}")
    return done.returncode < 0, took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=20.0)
    args = ap.parse_args()
    crashed: dict[str, int] = {}
    for mode in MODES:
        results = [run(mode, args.seconds) for _ in range(args.runs)]
        crashed[mode] = sum(c for c, _ in results)
        times = sorted(t for c, t in results if c)
        first = f"median {times[len(times) // 2]:.1f} s to the crash" if times else "no crash"
        print(f"{mode:8} crashed {crashed[mode]} of {args.runs} runs of {args.seconds:.0f} s ({first})")
    print("summary: crashed " + " ".join(f"{m}={crashed[m]}/{args.runs}" for m in MODES))


if __name__ == "__main__":
    main()
