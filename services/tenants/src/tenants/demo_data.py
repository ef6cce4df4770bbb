"""The demo register, shaped on the 2013 report: who funds, which ENT projects, which schools.

Deterministic (a seeded generator): loading twice describes the same register, so the demo
loader can be run again and change nothing. The UAIs are well-formed (real key letters) but
generated: they are not meant to name real schools.

Headcounts follow the calendar: besides the school years the generator draws, the register
has those up to the one in progress on the day it is built, so that the demo budget year
billing prepares (this calendar year, pupils of the school year in progress on 1 January)
finds pupils to share its costs by.
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass, field
from datetime import date

from gipkit.clock import today
from gipkit.uai import uai_check_letter
from tenants.common.validation import school_year_of

# The school years the seeded generator draws (fixed: the same schools and figures on every
# load); later ones are derived from the last of them, school by school (`school_years`).
SCHOOL_YEARS = ("2024-2025", "2025-2026")
# Hauts-de-Seine: "86 500 utilisateurs potentiels" (pupils, teachers and staff of its
# collèges in the demo).
HAUTS_DE_SEINE_USERS = 86_500


@dataclass(frozen=True)
class DemoMember:
    slug: str
    name: str
    kind: str
    siren: str | None = None
    domain: str | None = None


# Slugs and names of hauts-de-seine and ile-de-france are the organisations of the dev realm
# (infra/keycloak/realm-gip.json): the demo logins hds-admin, idf-admin belong to them.
MEMBERS = (
    DemoMember("cdc", "Caisse des Dépôts", "cdc", "180020026", "caissedesdepots.fr"),
    DemoMember("men", "Ministère de l'Éducation nationale", "ministry", "110043015"),
    DemoMember("ac-versailles", "Académie de Versailles", "academie", domain="ac-versailles.fr"),
    DemoMember("ac-clermont", "Académie de Clermont-Ferrand", "academie", domain="ac-clermont.fr"),
    DemoMember("ile-de-france", "Région Île-de-France", "region", "237500079"),
    DemoMember("hauts-de-seine", "Département des Hauts-de-Seine", "departement", "229200506"),
    DemoMember("auvergne-rhone-alpes", "Région Auvergne-Rhône-Alpes", "region"),
    DemoMember("nanterre", "Ville de Nanterre", "commune"),
)


@dataclass
class DemoEstablishment:
    uai: str
    name: str
    type: str
    commune: str
    academie: str
    # pupils, teachers, staff per school year
    headcounts: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    networks: tuple[str, ...] = ()


@dataclass
class DemoProject:
    slug: str
    name: str
    vendor: str
    site_id: str
    responsible: str
    cofunders: tuple[str, ...]
    allowed_origins: tuple[str, ...]
    # (establishment, first day in the project)
    establishments: list[tuple[DemoEstablishment, str]] = field(default_factory=list)


PATRONS = (
    "Jean Moulin",
    "Victor Hugo",
    "Jules Ferry",
    "Marie Curie",
    "Jean Jaurès",
    "Paul Éluard",
    "Louise Michel",
    "Albert Camus",
    "Jacques Prévert",
    "Pablo Picasso",
    "Jean Macé",
    "Anatole France",
    "Condorcet",
    "Voltaire",
    "Émile Zola",
    "Henri Wallon",
    "Romain Rolland",
    "Pierre Brossolette",
    "Simone Veil",
    "Lucie Aubrac",
    "George Sand",
    "Jean Racine",
    "Lavoisier",
    "Louis Pasteur",
    "René Descartes",
    "Blaise Pascal",
    "Montesquieu",
    "Gustave Eiffel",
    "Camille Claudel",
    "Olympe de Gouges",
    "Germaine Tillion",
    "Françoise Dolto",
    "Jean de La Fontaine",
    "Molière",
    "Rabelais",
    "Paul Langevin",
    "Joliot-Curie",
    "Robert Doisneau",
    "Maurice Ravel",
    "Claude Debussy",
    "Auguste Renoir",
    "Henri Matisse",
    "Saint-Exupéry",
    "Jules Verne",
    "Charles Péguy",
    "Alexandre Dumas",
)
COMMUNES_92 = (
    "Nanterre",
    "Boulogne-Billancourt",
    "Colombes",
    "Courbevoie",
    "Rueil-Malmaison",
    "Asnières-sur-Seine",
    "Levallois-Perret",
    "Issy-les-Moulineaux",
    "Antony",
    "Neuilly-sur-Seine",
    "Clamart",
    "Montrouge",
    "Suresnes",
    "Meudon",
    "Puteaux",
    "Gennevilliers",
    "Clichy",
    "Bagneux",
    "Châtillon",
    "Malakoff",
    "Sèvres",
    "Saint-Cloud",
    "Vanves",
    "Bourg-la-Reine",
    "Garches",
    "Chaville",
    "Sceaux",
    "Fontenay-aux-Roses",
    "Villeneuve-la-Garenne",
    "Le Plessis-Robinson",
    "Châtenay-Malabry",
    "Bois-Colombes",
    "La Garenne-Colombes",
)
# Île-de-France lycées: (département code, académie, communes)
IDF = (
    ("075", "Paris", ("Paris",)),
    ("077", "Créteil", ("Meaux", "Melun", "Chelles", "Torcy")),
    ("078", "Versailles", ("Versailles", "Saint-Germain-en-Laye", "Mantes-la-Jolie", "Poissy")),
    ("091", "Versailles", ("Évry-Courcouronnes", "Massy", "Corbeil-Essonnes", "Palaiseau")),
    ("092", "Versailles", COMMUNES_92[:12]),
    ("093", "Créteil", ("Saint-Denis", "Montreuil", "Aubervilliers", "Bobigny")),
    ("094", "Créteil", ("Créteil", "Vitry-sur-Seine", "Champigny-sur-Marne", "Ivry-sur-Seine")),
    ("095", "Versailles", ("Cergy", "Argenteuil", "Sarcelles", "Pontoise")),
)
AUVERGNE = (
    ("003", ("Moulins", "Montluçon", "Vichy", "Yzeure")),
    ("015", ("Aurillac", "Saint-Flour", "Mauriac")),
    ("043", ("Le Puy-en-Velay", "Yssingeaux", "Brioude")),
    ("063", ("Clermont-Ferrand", "Riom", "Issoire", "Thiers", "Cournon-d'Auvergne")),
)


class _Maker:
    """Schools with distinct, well-formed UAIs and plausible sizes."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.taken: set[str] = set()
        self.names: set[tuple[str, str]] = set()

    def uai(self, departement: str) -> str:
        while True:
            digits = f"{departement}{self.random.randrange(10_000):04d}"
            if digits not in self.taken:
                self.taken.add(digits)
                return digits + uai_check_letter(digits)

    def name(self, prefix: str, commune: str) -> str:
        for _ in range(100):
            candidate = (prefix, f"{prefix} {self.random.choice(PATRONS)}")
            if (commune, candidate[1]) not in self.names:
                self.names.add((commune, candidate[1]))
                return candidate[1]
        return f"{prefix} n° {len(self.names)}"

    def school(
        self,
        *,
        departement: str,
        kind: str,
        label: str,
        commune: str,
        academie: str,
        pupils: tuple[int, int],
        teachers_per_pupil: float,
        staff_per_pupil: float,
    ) -> DemoEstablishment:
        size = self.random.randint(*pupils)
        establishment = DemoEstablishment(
            uai=self.uai(departement),
            name=self.name(label, commune),
            type=kind,
            commune=commune,
            academie=academie,
        )
        for index, year in enumerate(SCHOOL_YEARS):
            drift = 1 + (index - 1) * self.random.uniform(-0.03, 0.03)
            p = max(20, round(size * drift))
            t = max(2, round(p * teachers_per_pupil))
            s = max(1, round(p * staff_per_pupil))
            establishment.headcounts[year] = (p, t, s)
        return establishment


def _scale_to(establishments: list[DemoEstablishment], total: int) -> None:
    """Adjust pupils so that pupils + teachers + staff of the last school year ≈ total."""
    year = SCHOOL_YEARS[-1]
    current = sum(sum(e.headcounts[year]) for e in establishments)
    factor = total / current
    for e in establishments:
        for y, (p, t, s) in e.headcounts.items():
            e.headcounts[y] = (round(p * factor), round(t * factor), round(s * factor))


def school_years(day: date) -> tuple[str, ...]:
    """The school years the register has headcounts for on `day`: the generated ones, then
    every one up to the school year in progress on `day` — hence also the one in progress on
    1 January of `day`'s year, whose pupils billing counts for that budget year."""
    first = int(SCHOOL_YEARS[0][:4])
    last = max(int(SCHOOL_YEARS[-1][:4]), int(school_year_of(day)[:4]))
    return tuple(f"{y}-{y + 1}" for y in range(first, last + 1))


def _derive(establishment: DemoEstablishment, year: str) -> tuple[int, int, int]:
    """A later school year's headcounts: the last generated year's, drifted by a few percent
    drawn from the UAI and the year alone (the same whatever the day the register is built)."""
    drift = 1 + random.Random(f"{establishment.uai} {year}").uniform(-0.03, 0.03)
    p, t, s = establishment.headcounts[SCHOOL_YEARS[-1]]
    return max(20, round(p * drift)), max(2, round(t * drift)), max(1, round(s * drift))


def build(day: date | None = None) -> tuple[tuple[DemoMember, ...], list[DemoProject]]:
    """The register as it stands on `day` (default: today, in Paris)."""
    projects = _generate()
    for year in school_years(day or today()):
        if year in SCHOOL_YEARS:
            continue
        for project in projects:
            for school, _ in project.establishments:
                school.headcounts[year] = _derive(school, year)
    return MEMBERS, projects


def _generate() -> list[DemoProject]:
    make = _Maker(seed=2013)

    enc92 = DemoProject(
        slug="enc92",
        name="ENC 92 — Environnement numérique des collèges des Hauts-de-Seine",
        vendor="Kosmos",
        site_id="920001",
        responsible="hauts-de-seine",
        cofunders=("ac-versailles",),
        allowed_origins=("https://www.enc92.fr",),
    )
    colleges = [
        make.school(
            departement="092",
            kind="college",
            label="Collège",
            commune=COMMUNES_92[i % len(COMMUNES_92)],
            academie="Versailles",
            pupils=(450, 1000),
            teachers_per_pupil=0.075,
            staff_per_pupil=0.03,
        )
        for i in range(98)
    ]
    _scale_to(colleges, HAUTS_DE_SEINE_USERS)
    for i, college in enumerate(colleges):
        # Two waves: 63 % of the collèges from the start (as in 2013), the rest later.
        college.networks = (
            f"10.92.{i}.0/24",
            str(ipaddress.ip_network(f"2001:db8:92:{i:x}00::/56")),
        )
        enc92.establishments.append((college, "2011-09-01" if i < 62 else "2014-09-01"))

    monlycee = DemoProject(
        slug="monlycee",
        name="monlycée.net — lycées d'Île-de-France",
        vendor="Open Digital Education",
        site_id="750001",
        responsible="ile-de-france",
        cofunders=("ac-versailles",),
        allowed_origins=("https://monlycee.net", "https://ent.iledefrance.fr"),
    )
    for departement, academie, communes in IDF:
        for i in range(15):
            professionnel = i % 4 == 3
            lycee = make.school(
                departement=departement,
                kind="lycee-professionnel" if professionnel else "lycee",
                label="Lycée professionnel" if professionnel else "Lycée",
                commune=communes[i % len(communes)],
                academie=academie,
                pupils=(350, 700) if professionnel else (700, 1600),
                teachers_per_pupil=0.09,
                staff_per_pupil=0.035,
            )
            monlycee.establishments.append((lycee, "2017-09-01"))

    auvergne = DemoProject(
        slug="ent-auvergne",
        name="ENT Auvergne",
        vendor="itslearning",
        site_id="630001",
        responsible="auvergne-rhone-alpes",
        cofunders=("ac-clermont",),
        allowed_origins=("https://www.ent.auvergnerhonealpes.fr",),
    )
    for departement, towns in AUVERGNE:
        for i in range(16):
            is_college = i % 2 == 0
            school = make.school(
                departement=departement,
                kind="college" if is_college else "lycee",
                label="Collège" if is_college else "Lycée",
                commune=towns[i % len(towns)],
                academie="Clermont-Ferrand",
                pupils=(250, 700) if is_college else (500, 1300),
                teachers_per_pupil=0.08,
                staff_per_pupil=0.03,
            )
            auvergne.establishments.append((school, "2012-09-01"))

    nanterre = DemoProject(
        slug="nanterre-ecoles",
        name="ENT des écoles de Nanterre",
        vendor="Beneylu",
        site_id="920050",
        responsible="nanterre",
        cofunders=(),
        allowed_origins=("https://ent-ecoles.nanterre.fr",),
    )
    for i in range(40):
        ecole = make.school(
            departement="092",
            kind="ecole",
            label="École élémentaire" if i % 3 else "École maternelle",
            commune="Nanterre",
            academie="Versailles",
            pupils=(90, 320),
            teachers_per_pupil=0.05,
            staff_per_pupil=0.02,
        )
        nanterre.establishments.append((ecole, "2019-09-01"))

    return [enc92, monlycee, auvergne, nanterre]
