"""Process-wide extension objects. They are bound to an app in ``create_app``."""

from flask_appbuilder import Model
from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate

__all__ = ["db", "migrate"]

# FAB's declarative base is our base too, so db.metadata is Model.metadata (stack-notes §1.2).
db = SQLA(model_class=Model)
migrate = Migrate()
