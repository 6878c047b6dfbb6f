"""Topic rules: a small query language (query.py) evaluated on words (match.py)."""

from topicwire.topics.match import TopicMatcher, matches
from topicwire.topics.query import Query, compile_query

__all__ = ["Query", "TopicMatcher", "compile_query", "matches"]
