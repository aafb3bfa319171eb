"""The package's version, in a module of its own: any room may read it without importing the
package's API (`symderiv/__init__.py`)."""

__version__ = "0.1.0"
