"""An article page into its article: main text with site furniture stripped (article.py,
prune.py, lead.py, template.py), metadata (meta.py, dates.py, urls.py), charset and
size bounds (charset.py, bound.py), and the Article built from item and page (build.py)."""
