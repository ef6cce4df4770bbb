"""Imports every table model so that `billing.models.metadata` is complete."""

from billing.allocations import models as allocations  # noqa: F401
from billing.catalogue import models as catalogue  # noqa: F401
from billing.invoices import models as invoices  # noqa: F401
from billing.payments import models as payments  # noqa: F401
from billing.subscriptions import models as subscriptions  # noqa: F401
from billing.usage import models as usage  # noqa: F401
