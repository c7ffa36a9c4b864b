"""The testing kit: pytest fixtures for Jifen and its plugins (CKAN's pytest_ckan is the model).

``jifen.testing.pytest_plugin`` is registered with pytest through the ``pytest11`` entry point of the
``jifen`` distribution, so any test run in an environment where Jifen is installed has it; do not
list it in ``pytest_plugins`` as well (it would be registered twice).
"""
