"""Jifen's built-in plugins. Each is a package found through the ``jifen.plugins`` entry points."""
