"""Configuration: one schema (schema.py) from which the loader, the example file and the docs come."""
from guardian.config.load import DEFAULT_PATH, load_config, load_config_text

__all__ = ["DEFAULT_PATH", "load_config", "load_config_text"]
