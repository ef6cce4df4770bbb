"""Reading an establishments CSV: one row per establishment, every problem by line number.

The first line is the header, exactly `uai,name,type,commune,academie` optionally followed by
`,pupils,teachers,staff` (`;` or tab may separate instead of `,`; UTF-8, an optional BOM).
A fixed header is what the OpenAPI document can state (`HEADER_PATTERN`), so a file the
document calls invalid is refused as a whole, and any file it calls valid is read row by row.
Type values may be the API's (`lycee-professionnel`) or French labels (`Lycée professionnel`,
`LP`), as académies export them.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

from gipkit.french import Reason
from gipkit.uai import uai_problem
from tenants.common import validation as v
from tenants.establishments.models import EstablishmentType

MAX_ROWS = 50_000
MAX_COUNT = 10_000_000


def _plain(text: str) -> str:
    """Lowercase, without accents, single spaces: how headers and labels are compared."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\s_-]+", " ", bare).strip().lower()


REQUIRED = ("uai", "name", "type", "commune", "academie")
COUNTS = ("pupils", "teachers", "staff")


def _header(sep: str) -> str:
    return sep.join(REQUIRED) + "(?:" + "".join(sep + c for c in COUNTS) + ")?"


HEADER_PATTERN = (
    r"^\ufeff?(?:" + "|".join(_header(sep) for sep in (",", ";", r"\t")) + r")\r?(?:\n|$)"
)
_HEADER = re.compile(HEADER_PATTERN)


def header_problem(text: str) -> Reason | None:
    if _HEADER.search(text):
        return None
    return Reason(
        "the first line must be the header uai,name,type,commune,academie "
        "(then ,pupils,teachers,staff for headcounts)",
        fr="la première ligne doit être l'en-tête uai,name,type,commune,academie "
        "(suivi de ,pupils,teachers,staff pour les effectifs)",
    )


TYPES = {_plain(t.value): t for t in EstablishmentType} | {
    "ecole maternelle": EstablishmentType.ecole,
    "ecole elementaire": EstablishmentType.ecole,
    "ecole primaire": EstablishmentType.ecole,
    "lp": EstablishmentType.lycee_professionnel,
    "lpo": EstablishmentType.lycee,
    "lgt": EstablishmentType.lycee,
    "lycee general": EstablishmentType.lycee,
    "lycee general et technologique": EstablishmentType.lycee,
    "lycee polyvalent": EstablishmentType.lycee,
    "autre": EstablishmentType.other,
}

_TEXT = re.compile(v.TEXT_PATTERN)


@dataclass
class Row:
    line: int
    uai: str
    name: str
    type: EstablishmentType
    commune: str
    academie: str
    counts: tuple[int, int, int] | None


@dataclass
class Problem:
    line: int
    field: str | None
    reason: Reason  # in English, with its French (the console asks for it)


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    has_counts: bool = False
    read: int = 0


def decode(data: bytes) -> str | None:
    """The file as text, or None if it is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _separator(header: str) -> str:
    return max((",", ";", "\t"), key=header.count)


def _text(value: str, max_length: int) -> str | None:
    value = value.strip()
    if not value or len(value) > max_length or not _TEXT.match(value):
        return None
    return value


def _count(value: str) -> int | None:
    digits = re.sub(r"[\s\u00a0\u202f]", "", value)  # "1 234" as French spreadsheets write it
    if not re.fullmatch(r"[0-9]{1,8}", digits) or int(digits) > MAX_COUNT:
        return None
    return int(digits)


def parse(text: str) -> Parsed:
    """Rows of a file whose header `header_problem` accepted."""
    parsed = Parsed()
    text = text.removeprefix("\ufeff")
    header_line = text.split("\n", 1)[0]
    # NUL never belongs in a CSV, and the csv module refuses it.
    reader = csv.reader(io.StringIO(text.replace("\x00", "")), delimiter=_separator(header_line))
    header = next(reader)
    columns = {name: index for index, name in enumerate(header)}
    parsed.has_counts = len(header) > len(REQUIRED)

    seen: dict[str, int] = {}
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            parsed.problems.append(
                Problem(
                    reader.line_num,
                    None,
                    Reason(f"unreadable: {exc}", fr=f"ligne illisible ({exc})"),
                )
            )
            break
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue  # blank lines are not rows
        parsed.read += 1
        if parsed.read > MAX_ROWS:
            parsed.problems.append(
                Problem(
                    line,
                    None,
                    Reason(
                        f"more than {MAX_ROWS} rows; split the file",
                        fr=f"plus de {MAX_ROWS} lignes : découpez le fichier",
                    ),
                )
            )
            break
        row = _row(line, cells, columns, parsed.has_counts, seen, parsed.problems)
        if row is not None:
            seen[row.uai] = line
            parsed.rows.append(row)
    return parsed


def _row(
    line: int,
    cells: list[str],
    columns: dict[str, int],
    has_counts: bool,
    seen: dict[str, int],
    problems: list[Problem],
) -> Row | None:
    def cell(name: str) -> str:
        index = columns[name]
        return cells[index] if index < len(cells) else ""

    before = len(problems)

    def refuse(column: str, reason: Reason) -> None:
        problems.append(Problem(line, column, reason))

    uai = cell("uai").strip().upper()
    if reason := uai_problem(uai):
        refuse("uai", reason)
    elif uai in seen:
        refuse(
            "uai",
            Reason(
                f"{uai} is already on line {seen[uai]}",
                fr=f"{uai} figure déjà ligne {seen[uai]}",
            ),
        )
    name = _text(cell("name"), 200)
    if name is None:
        refuse(
            "name",
            Reason(
                "a name is 1 to 200 printable characters",
                fr="un nom compte de 1 à 200 caractères imprimables",
            ),
        )
    kind = TYPES.get(_plain(cell("type")))
    if kind is None:
        refuse(
            "type",
            Reason(
                f"unknown type {cell('type').strip()!r}",
                fr=f"type inconnu : « {cell('type').strip()} »",
            ),
        )
    commune = _text(cell("commune"), 100)
    if commune is None:
        refuse(
            "commune",
            Reason(
                "a commune is 1 to 100 printable characters",
                fr="une commune compte de 1 à 100 caractères imprimables",
            ),
        )
    academie = _text(cell("academie"), 100)
    if academie is None:
        refuse(
            "academie",
            Reason(
                "an académie is 1 to 100 printable characters",
                fr="une académie compte de 1 à 100 caractères imprimables",
            ),
        )
    counts: tuple[int, int, int] | None = None
    if has_counts:
        raw = [cell(c) for c in COUNTS]
        if any(r.strip() for r in raw):
            values = [_count(r) for r in raw]
            for column, value in zip(COUNTS, values, strict=True):
                if value is None:
                    refuse(
                        column,
                        Reason(
                            f"a count is a whole number from 0 to {MAX_COUNT}",
                            fr=f"un effectif est un nombre entier de 0 à {MAX_COUNT}",
                        ),
                    )
            if all(x is not None for x in values):
                counts = (values[0], values[1], values[2])  # type: ignore[assignment]
    if len(problems) > before:
        return None
    assert name and kind and commune and academie
    return Row(line, uai, name, kind, commune, academie, counts)
