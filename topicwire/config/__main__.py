"""``python -m topicwire.config``: print the README's config reference (reference.py)."""

from topicwire.config.reference import reference_table

print(reference_table(), end="")
