"""Imports every table model so that `reports.models.metadata` is complete."""

from reports.notes import models as notes  # noqa: F401
from reports.open_data import models as open_data  # noqa: F401
from reports.usage import models as usage  # noqa: F401
