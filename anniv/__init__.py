"""anniv: a historical anniversary calendar."""

__version__ = "0.1.0"
