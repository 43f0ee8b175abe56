"""backpain: an offline explorer of chronic back pain treatment pathways."""

__version__ = "0.1.0"
