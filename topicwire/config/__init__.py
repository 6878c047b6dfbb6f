"""The config file: one validated table of keys (miniflux's options table).

Every key is declared once (keys.py: type, default, bounds, parser, one line of help and the
attribute it fills); validation (load.py), the defaults and the README's config reference
(reference.py, ``python -m topicwire.config``) follow from it. parsers.py checks single
values, model.py holds the frozen dataclasses the rest of topicwire reads.
"""

from topicwire.config.keys import KEYS, SECTIONS, Inherit, Key
from topicwire.config.load import default_config_path, load_config
from topicwire.config.model import Config, DedupConfig, FetchConfig, SourceConfig, TopicConfig, WebhookConfig
from topicwire.config.parsers import parse_duration, show_duration
from topicwire.config.reference import reference_table

__all__ = [
    "KEYS",
    "SECTIONS",
    "Config",
    "DedupConfig",
    "FetchConfig",
    "Inherit",
    "Key",
    "SourceConfig",
    "TopicConfig",
    "WebhookConfig",
    "default_config_path",
    "load_config",
    "parse_duration",
    "reference_table",
    "show_duration",
]
