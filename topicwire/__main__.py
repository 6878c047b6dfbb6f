"""``python -m topicwire``: the command line (daemon/cli.py)."""

from topicwire.daemon.cli import console

console()
