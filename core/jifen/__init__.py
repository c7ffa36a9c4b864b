"""Jifen: the shared core of the new-resident points platform.

The application factory is :func:`jifen.app.create_app`; plugin authors import :mod:`jifen.toolkit`.
The packages and what each may import: docs/architecture.md.
"""

__version__ = "0.1.0"
