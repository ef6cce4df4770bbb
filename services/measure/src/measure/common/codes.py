"""The national tagging guide's codes (reference/national-tagging.md), and measure's own keys
for what it derives (device, OS, inside/outside). Readers of the figures (reports, the
console) label them; measure stores and answers the codes."""

from __future__ import annotations

from types import MappingProxyType

# x1: service ids. "0" stands for the guide's "(none) → Page_ENT": any other page.
PAGE_ENT = "0"
SERVICES = MappingProxyType(
    {
        PAGE_ENT: "Page_ENT",
        "1": "Stockage_Partage",
        "2": "Travail_Collaboratif",
        "3": "Notes",
        "4": "Absences",
        "5": "Services_Vie_Scolaire",
        "6": "Gestion_Competences",
        "7": "Gestion_Temps",
        "9": "Cahier_Textes",
        "10": "Courrier_Electronique",
        "11": "Actualites",
        "12": "Reservation_Ressources",
        "13": "Ressources_En_Ligne",
        "15": "Documentation_CDI",
        "16": "Orientation",
        "17": "Parcours_Pedagogiques",
        "18": "Services_Collectivites",
        "19": "Visioconference",
    }
)
SERVICE_BY_LABEL = MappingProxyType({label.lower(): code for code, label in SERVICES.items()})

# x2: profile ids.
PROFILES = MappingProxyType(
    {
        "1": "Élèves",
        "2": "Enseignants",
        "3": "Parents",
        "4": "Personnels administratifs, vie scolaire, techniques",
        "6": "Autres",
        "7": "Personnels des collectivités",
    }
)

DEVICES = ("desktop", "mobile", "tablet", "other")
OPERATING_SYSTEMS = ("windows", "macos", "ios", "android", "linux", "chromeos", "other", "unknown")
INSIDE = ("inside", "outside", "unknown")
