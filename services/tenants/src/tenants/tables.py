"""Imports every table model so that `tenants.models.metadata` is complete."""

from tenants.clients import models as clients  # noqa: F401
from tenants.common import idempotency  # noqa: F401
from tenants.establishments import models as establishments  # noqa: F401
from tenants.members import models as members  # noqa: F401
from tenants.projects import models as projects  # noqa: F401
