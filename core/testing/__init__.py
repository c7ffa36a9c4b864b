"""The testing kit: pytest fixtures for Jifen and its plugins (CKAN's pytest_ckan is the model).

Load it in a conftest with ``pytest_plugins = ["jifen.testing.pytest_plugin"]``.
"""
