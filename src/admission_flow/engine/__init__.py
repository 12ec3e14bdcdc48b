"""The engine facade (``Engine``) and the scenario runner built on it."""
