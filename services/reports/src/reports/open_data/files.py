"""The files of one published week: CSV, Parquet and a Frictionless `datapackage.json`.

The Table Schema describes the CSV (French column names, as the ministry's open data); the
Parquet file holds the same rows with the same names and types. Empty cells are statistical
secret. Licence Ouverte / Open Licence 2.0 (Etalab).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from gipkit.codes import PROFILES
from reports.common.periods import Week
from reports.open_data.secrecy import PROFILE_COLUMNS, PublishedRow

CSV_TYPE = "text/csv"
PARQUET_TYPE = "application/vnd.apache.parquet"
JSON_TYPE = "application/json"
DATAPACKAGE = "datapackage.json"
LICENCE = {
    "name": "etalab-2.0",
    "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    "title": "Licence Ouverte / Open Licence version 2.0",
}
SECRECY_NOTE = (
    "Secret statistique : une case calculée sur moins de 3 visiteurs distincts est laissée "
    "vide, ainsi qu'assez d'autres cases de la même ligne pour qu'elle ne puisse pas être "
    "retrouvée à partir des totaux publiés."
)


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Table Schema type
    title: str
    description: str


def columns() -> list[Column]:
    cols = [
        Column("uai", "string", "UAI", "Identifiant de l'établissement (UAI)"),
        Column("etablissement", "string", "Établissement", "Nom de l'établissement"),
        Column("commune", "string", "Commune", "Commune de l'établissement"),
        Column("academie", "string", "Académie", "Académie de l'établissement"),
        Column("semaine", "date", "Semaine", "Lundi de la semaine ISO (heure de Paris)"),
        Column("visites", "integer", "Visites", "Visites de la semaine (méthode v1)"),
        Column(
            "visiteurs_uniques",
            "integer",
            "Visiteurs uniques",
            "Visiteurs distincts de la semaine ; ne s'additionnent pas d'une semaine à l'autre",
        ),
        Column("pages_vues", "integer", "Pages vues", "Pages vues de la semaine"),
        Column(
            "part_mobile",
            "number",
            "Part mobile",
            "Part des visites faites depuis un téléphone mobile (0 à 1)",
        ),
    ]
    for key, suffix in PROFILE_COLUMNS.items():
        label = PROFILES[key]
        cols.append(
            Column(f"visites_{suffix}", "integer", f"Visites — {label}", f"Visites, profil {label}")
        )
        cols.append(
            Column(
                f"visiteurs_{suffix}",
                "integer",
                f"Visiteurs uniques — {label}",
                f"Visiteurs distincts, profil {label}",
            )
        )
    return cols


def records(rows: Sequence[PublishedRow], week: Week) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        record: dict[str, Any] = {
            "uai": r.uai,
            "etablissement": r.name,
            "commune": r.commune,
            "academie": r.academie,
            "semaine": week.start,
            "visites": r.visits,
            "visiteurs_uniques": r.unique_visitors,
            "pages_vues": r.page_views,
            "part_mobile": r.mobile_share,
        }
        for key, suffix in PROFILE_COLUMNS.items():
            visits, visitors = r.profiles[key]
            record[f"visites_{suffix}"] = visits
            record[f"visiteurs_{suffix}"] = visitors
        out.append(record)
    return out


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    names = [c.name for c in columns()]
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow(["" if row[n] is None else _csv_value(row[n]) for n in names])
    return buffer.getvalue().encode("utf-8")


def _csv_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


_ARROW = {"string": pa.string(), "date": pa.date32(), "integer": pa.int64(), "number": pa.float64()}


def to_parquet(rows: list[dict[str, Any]]) -> bytes:
    schema = pa.schema([pa.field(c.name, _ARROW[c.type]) for c in columns()])
    table = pa.Table.from_pylist(rows, schema=schema)
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


def _field(column: Column) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": column.name,
        "type": column.type,
        "title": column.title,
        "description": column.description,
    }
    if column.name == "uai":
        spec["constraints"] = {"required": True, "pattern": "[0-9]{7}[A-Z]"}
    elif column.name == "semaine":
        spec["constraints"] = {"required": True}
    elif column.type == "integer":
        spec["constraints"] = {"minimum": 0}
    elif column.type == "number":
        spec["constraints"] = {"minimum": 0, "maximum": 1}
    return spec


def _integrity(content: bytes) -> dict[str, Any]:
    return {"bytes": len(content), "hash": "sha256:" + hashlib.sha256(content).hexdigest()}


def datapackage(
    *,
    week: Week,
    csv_name: str,
    csv_bytes: bytes,
    parquet_name: str,
    parquet_bytes: bytes,
    published_at: datetime,
    method_version: str,
    data_cutoff: datetime,
) -> bytes:
    base = f"gip-mesure-etablissements-hebdo-{week.label.lower()}"
    package = {
        "name": base,
        "title": f"Fréquentation hebdomadaire des ENT par établissement — semaine {week.label}",
        "description": (
            f"Visites, visiteurs uniques par profil, pages vues et part mobile des espaces "
            f"numériques de travail (ENT), par établissement (UAI), semaine du "
            f"{week.start.isoformat()} au {week.end.isoformat()}. Méthode de mesure "
            f"{method_version} ; données arrêtées au {data_cutoff.isoformat()}. {SECRECY_NOTE}"
        ),
        "licenses": [LICENCE],
        "created": published_at.isoformat(),
        "version": "1.0.0",
        "keywords": ["ENT", "éducation", "audience", "établissements", "UAI"],
        "sources": [{"title": "GIP de mesure d'audience des ENT — service measure"}],
        "resources": [
            {
                "name": f"{base}-csv",
                "path": csv_name,
                "format": "csv",
                "mediatype": CSV_TYPE,
                "encoding": "utf-8",
                "profile": "tabular-data-resource",
                "licenses": [LICENCE],
                **_integrity(csv_bytes),
                "dialect": {"delimiter": ",", "header": True},
                "schema": {
                    "fields": [_field(c) for c in columns()],
                    "missingValues": [""],
                    "primaryKey": ["uai", "semaine"],
                },
            },
            {
                "name": f"{base}-parquet",
                "path": parquet_name,
                "format": "parquet",
                "mediatype": PARQUET_TYPE,
                "type": "file",
                "description": "Les mêmes lignes et colonnes que le fichier CSV, en Parquet.",
                "licenses": [LICENCE],
                **_integrity(parquet_bytes),
            },
        ],
    }
    text = json.dumps(package, ensure_ascii=False, indent=2, sort_keys=False)
    return (text + "\n").encode("utf-8")


@dataclass(frozen=True)
class BuiltFile:
    name: str
    media_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def file_names(week: Week) -> tuple[str, str]:
    stem = f"etablissements-hebdo-{week.label}"
    return f"{stem}.csv", f"{stem}.parquet"


def build(
    *,
    week: Week,
    rows: Sequence[PublishedRow],
    published_at: datetime,
    method_version: str,
    data_cutoff: datetime,
) -> list[BuiltFile]:
    table = records(rows, week)
    csv_name, parquet_name = file_names(week)
    csv_bytes, parquet_bytes = to_csv(table), to_parquet(table)
    package = datapackage(
        week=week,
        csv_name=csv_name,
        csv_bytes=csv_bytes,
        parquet_name=parquet_name,
        parquet_bytes=parquet_bytes,
        published_at=published_at,
        method_version=method_version,
        data_cutoff=data_cutoff,
    )
    return [
        BuiltFile(DATAPACKAGE, JSON_TYPE, package),
        BuiltFile(csv_name, CSV_TYPE, csv_bytes),
        BuiltFile(parquet_name, PARQUET_TYPE, parquet_bytes),
    ]
