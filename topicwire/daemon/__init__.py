"""The top floor: the command line (cli.py), the long-running service (service.py) and
what it needs to run: when sources are polled (scheduler.py), when feeds are published
(coalesce.py), the store lock, systemd notifications."""
