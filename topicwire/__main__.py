"""``python -m topicwire``: the command line (daemon/cli.py)."""

from topicwire.daemon.cli import console

if __name__ == "__main__":  # not when multiprocessing imports the main module in a worker
    console()
