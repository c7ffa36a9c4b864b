"""The fixtures come from Jifen's test kit, jifen.testing.pytest_plugin, which pytest loads through
the jifen distribution's ``pytest11`` entry point (the same way a plugin's own tests get it)."""
