"""symderiv: checks the mathematics in course material."""

__version__ = "0.1.0"
