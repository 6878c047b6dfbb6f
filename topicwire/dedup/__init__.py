"""Duplicates and stories: exact keys and fingerprints (fingerprint.py), MinHash/LSH
near-duplicates (near.py, lsh.py), the story desk that decides (desk.py, compare.py,
stories.py). Pure: the store is read and written by placement.py above."""
