"""What an ENT sends (one hit) and what it is told back (the batch's outcome)."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)

from gipkit.codes import PAGE_ENT, PROFILES, SERVICES
from gipkit.uai import uai_problem

SERVICE_BY_LABEL = {label.lower(): code for code, label in SERVICES.items()}


def _uai(value: object) -> object:
    if isinstance(value, str):
        problem = uai_problem(value.upper())
        if problem:
            raise ValueError(problem)
        return value.upper()
    return value


def _code(value: object) -> object:
    # The guide's ids travel as numbers or strings; both are read as the id's text.
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    return value


def _profile(value: object) -> object:
    value = _code(value)
    if isinstance(value, str) and value not in PROFILES:
        raise ValueError(f"unknown profile id; one of {', '.join(PROFILES)}")
    return value


def service_code(value: str | None) -> tuple[str, bool]:
    """The service id of `value` (an id or the guide's label) and whether it was known;
    anything else is a page of the ENT (Page_ENT), counted as such."""
    if value is None or value == "":
        return PAGE_ENT, True
    if value in SERVICES:
        return value, True
    by_label = SERVICE_BY_LABEL.get(value.lower())
    return (by_label, True) if by_label else (PAGE_ENT, False)


# Free text: no C0 or C1 control character (NUL included), nor DEL. Checked by pydantic's
# core (a Python validator per string would cost more than the rest of a hit's checks);
# `prepare` words its error (NO_CONTROL_REASON).
# Constraints come before any BeforeValidator in each Annotated: that way they are applied by
# the core's own str validator, not wrapped around the Python function.
NO_CONTROL = r"^[^\x00-\x1f\x7f-\x9f]*$"
NO_CONTROL_REASON = "control characters (NUL included) are not allowed"
Text = Annotated[
    str,
    StringConstraints(pattern=NO_CONTROL),
    WithJsonSchema({"type": "string", "pattern": NO_CONTROL}),
]
EventId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$")]
SiteId = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$"), BeforeValidator(_code)]
Uai = Annotated[str, StringConstraints(pattern=r"^[0-9]{7}[A-Z]$"), BeforeValidator(_uai)]
ProfileId = Annotated[
    str,
    BeforeValidator(_profile),
    WithJsonSchema({"type": "string", "enum": list(PROFILES)}),
]
ServiceId = Annotated[
    str,
    StringConstraints(max_length=64, pattern=NO_CONTROL),
    BeforeValidator(_code),
    WithJsonSchema({"type": "string", "maxLength": 64, "pattern": NO_CONTROL}),
]

# An address is taken here as text of an address's characters, and parsed in `prepare`, once per
# batch and address: pydantic reads `IPv4Address | IPv6Address` in Python, trying one class and
# then the other, which cost more than all of a hit's other fields together (≈15 µs a hit).
IpText = Annotated[
    str,
    StringConstraints(min_length=2, max_length=45, pattern=r"^[0-9A-Fa-f:.]+$"),
    WithJsonSchema({"anyOf": [{"type": "string", "format": f} for f in ("ipv4", "ipv6")]}),
]


class HitIn(BaseModel):
    """One hit. `user` is the ENT's stable person id (ID_PERSO): it is pseudonymised on
    arrival and never stored; `ip` and `user_agent` are read and dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: EventId = Field(description="Chosen by the ENT; unique per project (idempotency)")
    ts: AwareDatetime = Field(description="When the page was seen, with its UTC offset")
    site: SiteId = Field(description="The ENT project's 6-digit site id (`s`)")
    uai: Uai = Field(description="The establishment (`s2`), attached to the project that day")
    user: Annotated[
        Text,
        StringConstraints(min_length=1, max_length=128),
        WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 128, "pattern": NO_CONTROL}),
    ] = Field(description="ID_PERSO (`idclient`), pseudonymised on arrival")
    profile: ProfileId = Field(description="Profile id of the national guide (`x2`)")
    service: ServiceId | None = Field(
        None, description="Service id (`x1`) or label; unknown or absent: Page_ENT"
    )
    page: Annotated[
        Text,
        StringConstraints(max_length=512),
        WithJsonSchema({"type": "string", "maxLength": 512, "pattern": NO_CONTROL}),
    ] = Field("", description="`p`")
    user_agent: (
        Annotated[
            Text,
            StringConstraints(max_length=1024),
            WithJsonSchema({"type": "string", "maxLength": 1024, "pattern": NO_CONTROL}),
        ]
        | None
    ) = None
    ip: IpText | None = Field(
        None, description="The person's address, to tell inside from outside; read and dropped"
    )
    inside: bool | None = Field(
        None, description="Seen from inside the establishment; absent: told by its networks"
    )


class ItemError(BaseModel):
    index: int = Field(description="Position of the hit in the request (from 0)")
    field: str = Field(description="The hit's field at fault; empty: the hit as a whole")
    reason: str


class IngestResult(BaseModel):
    accepted: int = Field(description="New hits stored (durable before this answer)")
    duplicates: int = Field(description="Hits already stored with the same content")
    conflicts: int = Field(description="Event ids already stored with other content, set aside")
    unknown_services: int = Field(description="Accepted hits counted as Page_ENT")
    errors: list[ItemError] = Field(description="Refused hits, by position")
