"""Problem details in French for callers that ask for it (`Accept-Language: fr`): the console,
whose users are the GIP's and its members' staff. English stays the API's default language.

Three parts: which language a request prefers, the titles of the statuses, and the reasons of
request validation (pydantic's error types, with their limits) — the services' own details
are given in both languages where they are raised (`GipError(..., fr=...)`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

TITLES = {
    400: "Requête invalide",
    401: "Authentification requise",
    403: "Accès refusé",
    404: "Introuvable",
    406: "Format non disponible",
    409: "Opération impossible en l'état",
    410: "N'existe plus",
    413: "Envoi trop volumineux",
    415: "Type de contenu non pris en charge",
    422: "Données invalides",
    429: "Trop de requêtes",
    500: "Erreur interne",
    502: "Réponse inattendue d'un service",
    503: "Service indisponible",
    504: "Un service n'a pas répondu à temps",
}

VALIDATION_DETAIL = "La requête n'est pas valide : voir les champs en erreur."


class Reason(str):
    """Why a value is refused: the English text itself (what the API says by default), its
    French in `fr` — for checks whose words reach the console (a UAI, a SIREN, a CSV line)."""

    fr: str

    def __new__(cls, en: str, *, fr: str) -> Reason:
        made = super().__new__(cls, en)
        made.fr = fr
        return made

    def said(self, french: bool) -> str:
        return self.fr if french else str(self)


def prefers_french(accept_language: str | None) -> bool:
    """Whether French ranks first among the languages a request accepts (RFC 9110 §12.5.4:
    the highest weight wins; between equal weights, the first named)."""
    best, best_q = "", 0.0
    for item in (accept_language or "").split(","):
        tag, _, params = item.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if tag and q > best_q:
            best, best_q = tag.strip().lower(), q
    return best == "fr" or best.startswith("fr-")


def _limit(ctx: Mapping[str, Any], name: str) -> str:
    return str(ctx.get(name, "?"))


def _expected(ctx: Mapping[str, Any]) -> str:
    return str(ctx.get("expected", "")).replace(" or ", " ou ")


# pydantic's error types (pydantic-core's `ErrorType`) a request can run into, in French.
_REASONS: dict[str, Any] = {
    "missing": "champ obligatoire",
    "extra_forbidden": "champ inconnu",
    "string_type": "texte attendu",
    "string_too_short": lambda c: f"au moins {_limit(c, 'min_length')} caractère(s)",
    "string_too_long": lambda c: f"au plus {_limit(c, 'max_length')} caractères",
    "string_pattern_mismatch": "format non reconnu",
    "int_type": "nombre entier attendu",
    "int_parsing": "nombre entier attendu",
    "int_from_float": "nombre entier attendu",
    "float_type": "nombre attendu",
    "float_parsing": "nombre attendu",
    "decimal_parsing": "nombre décimal attendu",
    "decimal_type": "nombre décimal attendu",
    "bool_type": "vrai ou faux attendu",
    "bool_parsing": "vrai ou faux attendu",
    "greater_than": lambda c: f"doit être supérieur à {_limit(c, 'gt')}",
    "greater_than_equal": lambda c: f"doit être supérieur ou égal à {_limit(c, 'ge')}",
    "less_than": lambda c: f"doit être inférieur à {_limit(c, 'lt')}",
    "less_than_equal": lambda c: f"doit être inférieur ou égal à {_limit(c, 'le')}",
    "date_type": "date attendue (AAAA-MM-JJ)",
    "date_parsing": "date attendue (AAAA-MM-JJ)",
    "date_from_datetime_parsing": "date attendue (AAAA-MM-JJ)",
    "date_from_datetime_inexact": "date attendue, sans heure",
    "datetime_type": "date et heure attendues (ISO 8601)",
    "datetime_parsing": "date et heure attendues (ISO 8601)",
    "datetime_from_date_parsing": "date et heure attendues (ISO 8601)",
    "timezone_aware": "date et heure avec fuseau horaire attendues",
    "enum": lambda c: f"valeur non prévue ; attendu : {_expected(c)}",
    "literal_error": lambda c: f"valeur non prévue ; attendu : {_expected(c)}",
    "list_type": "liste attendue",
    "too_short": lambda c: f"au moins {_limit(c, 'min_length')} élément(s)",
    "too_long": lambda c: f"au plus {_limit(c, 'max_length')} éléments",
    "dict_type": "objet attendu",
    "model_type": "objet attendu",
    "model_attributes_type": "objet attendu",
    "json_invalid": "JSON invalide",
    "json_type": "JSON attendu",
    "uuid_type": "identifiant attendu",
    "uuid_parsing": "identifiant attendu",
    "url_type": "adresse attendue",
    "url_parsing": "adresse non valide",
    "url_scheme": "adresse non valide (schéma non permis)",
}


def validation_reason(error: Mapping[str, Any]) -> str | None:
    """The French reason of one of pydantic's errors, or None where there is none: a service's
    own validator raising a plain ValueError speaks in its own words."""
    ctx = error.get("ctx") or {}
    if isinstance(ctx.get("fr"), str):  # a refusal that carries its own (gipkit.fields)
        return str(ctx["fr"])
    # A validator's `raise ValueError(Reason(...))`: pydantic keeps the exception in ctx.
    raised = ctx.get("error")
    if isinstance(raised, Exception) and raised.args and isinstance(raised.args[0], Reason):
        return raised.args[0].fr
    reason = _REASONS.get(str(error.get("type", "")))
    if reason is None:
        return None
    return str(reason(ctx) if callable(reason) else reason)


_MONTHS = (
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()
)


def day(value: date) -> str:
    """A date as French prose writes it: `1 septembre 2026`."""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"
