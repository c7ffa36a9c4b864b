pytest_plugins = ["jifen.testing.pytest_plugin"]
