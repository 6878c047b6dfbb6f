"""Duplicates and stories: exact keys and fingerprints (fingerprint.py), MinHash and its LSH
band hashes for near-duplicates (near.py, lsh.py), the story desk that decides (desk.py,
compare.py, stories.py). Pure: the index of band hashes is in the store (store/bands.py),
read through the desk's DedupReader and written by placement.py above."""
