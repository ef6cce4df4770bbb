"""The national tagging guide's codes and their labels (reference/national-tagging.md), the
French labels of what measure derives (device, OS, inside/outside), and of the GIP's colleges.
The services store and answer the codes; the texts they write and the console show the labels."""

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

DEVICES = MappingProxyType(
    {"desktop": "Ordinateur", "mobile": "Mobile", "tablet": "Tablette", "other": "Autre ou inconnu"}
)

OPERATING_SYSTEMS = MappingProxyType(
    {
        "windows": "Windows",
        "macos": "macOS",
        "ios": "iOS",
        "android": "Android",
        "linux": "Linux",
        "chromeos": "ChromeOS",
        "other": "Autre",
        "unknown": "Inconnu",
    }
)

INSIDE = MappingProxyType(
    {"inside": "Dans l'établissement", "outside": "Hors établissement", "unknown": "Inconnu"}
)

# The labels of each breakdown measure answers by (its `group_by` values).
LABELS = MappingProxyType(
    {
        "service": SERVICES,
        "profile": PROFILES,
        "device": DEVICES,
        "os": OPERATING_SYSTEMS,
        "inside": INSIDE,
    }
)

# The colleges of the convention (DESIGN.md §3 billing), which share the base cost.
COLLEGES = MappingProxyType(
    {
        "cdc": "Caisse des Dépôts",
        "state": "État",
        "collectivites": "Collectivités",
        "other": "Autres",
    }
)
