"""The demo year: the report's base service at 327,000.00 € and the à-la-carte options."""

from __future__ import annotations

from typing import Any

ALL_COLLEGES = ["cdc", "collectivites", "state"]

PRESTATIONS: list[dict[str, Any]] = [
    {
        "code": "mesure",
        "label": "Service commun de mesure d'audience des ENT",
        "kind": "base",
        "cost_cents": 32_700_000,
        "key": "students",
        "vat_rate_bp": 0,  # members' contributions: outside the scope of VAT
        "colleges": ALL_COLLEGES,
    },
    {
        "code": "notes-synthese",
        "label": "Notes de synthèse trimestrielles",
        "kind": "option",
        "cost_cents": 2_400_000,
        "key": "visits",
        "vat_rate_bp": 2000,
        "colleges": ALL_COLLEGES,
    },
    {
        "code": "etablissements",
        "label": "Rapports par établissement",
        "kind": "option",
        "cost_cents": 1_800_000,
        "key": "students",
        "vat_rate_bp": 2000,
        "colleges": ALL_COLLEGES,
    },
    {
        "code": "api-partenaires",
        "label": "Accès API pour les partenaires",
        "kind": "option",
        "cost_cents": 0,
        "key": "fixed_price",
        "unit_price_cents": 500_000,
        "vat_rate_bp": 2000,
        "colleges": ALL_COLLEGES,
    },
    {
        "code": "opendata",
        "label": "Export open data",
        "kind": "option",
        "cost_cents": 600_000,
        "key": "equal",
        "vat_rate_bp": 2000,
        "colleges": ALL_COLLEGES,
    },
]

# (member, prestation, first day as MM-DD or None for 1 January)
SUBSCRIPTIONS: list[tuple[str, str, str | None]] = [
    ("hauts-de-seine", "notes-synthese", None),
    ("hauts-de-seine", "etablissements", "04-01"),
    ("hauts-de-seine", "api-partenaires", None),
    ("ile-de-france", "notes-synthese", "09-01"),
    ("ile-de-france", "opendata", None),
]
