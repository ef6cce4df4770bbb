"""French labels of what figures are broken down by.

Services and profiles: the national ENT tagging guide's ids and labels
(`reference/national-tagging.md`), so that existing readers recognise them. Devices, OS and
inside/outside: measure's keys.
"""

from __future__ import annotations

from types import MappingProxyType

SERVICES = MappingProxyType(
    {
        "0": "Page_ENT",
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

MOBILE_DEVICE = "mobile"


def label(table: MappingProxyType[str, str], key: str, fallback: str | None = None) -> str:
    """The label of `key`, else the peer's label, else the key itself (a new code)."""
    return table.get(key) or fallback or key
