"""Jifen: the shared core of the new-resident points platform.

The application factory lives in :mod:`jifen.app`; ``create_app`` is re-exported here.
"""

__version__ = "0.1.0"


def create_app(config=None):
    from jifen.app import create_app as _create_app

    return _create_app(config)
