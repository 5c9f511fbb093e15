"""Report views (issue 17): one module per screen group, each with its ``register(appbuilder)``."""
