"""Root pytest configuration: the real-stack plugin (servers start only for tests marked needs(...))."""

pytest_plugins = ["e2e.pytest_plugin", "pytester"]
