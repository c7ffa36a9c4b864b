"""The plugin contract: hookspecs, the declarative kinds, the plugin manager, core versions, translations."""
