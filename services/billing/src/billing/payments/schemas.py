"""Payments: re-exported from the invoices' schemas (one family of documents)."""

from billing.invoices.schemas import BalancePublic, PaymentCreate, PaymentPublic

__all__ = ["BalancePublic", "PaymentCreate", "PaymentPublic"]
