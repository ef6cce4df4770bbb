"""Decisions on allocation runs: create (then compute in the background), recompute from the
recorded inputs, approve (frozen), delete drafts, simulate, thresholds, voting weights."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from billing.allocations import gather, repository
from billing.allocations.models import AllocationLine, AllocationMember, AllocationRun, RunStatus
from billing.allocations.schemas import RunCreate, RunUpdate, Shares
from billing.catalogue import repository as catalogue
from billing.common.schemas import fraction_text
from billing.core.engine import AllocationError, RunResult, compute
from billing.core.fr import run_is
from billing.core.inputs import RunInputs
from billing.core.thresholds import Excess, Threshold, over_threshold, threshold_on
from billing.core.voting import VotingWeights, voting_weights
from billing.core.whatif import Changes, Difference, WhatIfError, apply, differences
from gipkit.db import Database
from gipkit.errors import Conflict, NotFound
from gipkit.http import PeerError, ServiceClient
from gipkit.types import utcnow

log = logging.getLogger("billing.allocations")

FROZEN = (RunStatus.approved, RunStatus.superseded)


def _shares(shares: Shares | None, default: Mapping[str, int]) -> dict[str, int]:
    chosen = shares.model_dump() if shares is not None else dict(default)
    if not any(v > 0 for v in chosen.values()):
        raise Conflict(
            "at least one college must have a share of the base cost",
            fr="au moins un collège doit avoir une part du coût du socle",
        )
    return chosen


async def get(session: AsyncSession, run_id: int) -> AllocationRun:
    run = await repository.by_id(session, run_id)
    if run is None:
        raise NotFound(
            f"allocation run {run_id} not found",
            fr=f"calcul de répartition n° {run_id} introuvable",
        )
    return run


def ensure_draft(run: AllocationRun) -> None:
    if run.status in FROZEN:
        raise Conflict(
            f"run {run.id} is {run.status}: frozen, nothing in it changes",
            fr=f"{run_is(run.id, run.status)} : figé, rien n'y change",
        )


def inputs_of(run: AllocationRun) -> RunInputs:
    if run.inputs is None or run.status in (RunStatus.computing, RunStatus.failed):
        raise Conflict(
            f"run {run.id} is {run.status}: it has no computed result yet",
            fr=f"{run_is(run.id, run.status)} : il n'a pas encore de résultat",
        )
    return RunInputs.model_validate(run.inputs)


async def create(
    *, session: AsyncSession, data: RunCreate, default_shares: Mapping[str, int], by: str
) -> AllocationRun:
    await _ensure_catalogue(session, data.year)
    run = AllocationRun(
        year=data.year,
        status=RunStatus.computing,
        reference_date=data.reference_date or date(data.year, 1, 1),
        shares=_shares(data.shares, default_shares),
        note=data.note,
        created_by=by,
    )
    session.add(run)
    await session.flush()
    return run


async def _ensure_catalogue(session: AsyncSession, year: int) -> None:
    if await catalogue.year(session, year) is None:
        raise NotFound(
            f"budget year {year} not found", fr=f"exercice budgétaire {year} introuvable"
        )
    if not await catalogue.prestations(session, year):
        raise Conflict(
            f"the {year} catalogue has no prestation: nothing to allocate",
            fr=f"le catalogue {year} n'a aucune prestation : rien à répartir",
        )


async def restart(*, session: AsyncSession, run: AllocationRun) -> AllocationRun:
    """Fetch the key values again (a draft whose sources changed, or a failed run)."""
    ensure_draft(run)
    if run.status == RunStatus.computing:
        raise Conflict(
            f"run {run.id} is already being computed", fr=f"le calcul n° {run.id} est déjà en cours"
        )
    await _ensure_catalogue(session, run.year)
    run.status, run.error = RunStatus.computing, None
    session.add(run)
    await session.flush()
    return run


async def compute_in_background(
    *, db: Database, peers: Mapping[str, ServiceClient], run_id: int, page_size: int
) -> None:
    """Runs after the answer (202) was sent: fetch, compute, store — or record why not."""
    try:
        async with db.sessionmaker() as session:
            run = await repository.by_id(session, run_id)
            if run is None or run.status != RunStatus.computing:
                return
            local = await gather.local_inputs(session, run)
        inputs = await gather.fetch(local, peers, page_size=page_size)
        result = compute(inputs)
    except PeerError as exc:
        await _fail(db, run_id, f"key values could not be fetched: {exc}")
        return
    except AllocationError as exc:
        await _fail(db, run_id, str(exc))
        return
    except Exception:
        log.exception("allocation run %s failed", run_id)
        await _fail(db, run_id, "internal error while computing; see the service logs")
        return
    try:
        async with db.sessionmaker() as session:
            run = await repository.by_id(session, run_id)
            if run is None or run.status != RunStatus.computing:
                return  # deleted meanwhile
            await store(session=session, run=run, inputs=inputs, result=result)
            await session.commit()
    except Exception:
        # Nobody is waiting for this task: say it in the run rather than in a lost traceback.
        log.exception("allocation run %s could not be stored", run_id)
        await _fail(db, run_id, "internal error while storing; see the service logs")


async def _fail(db: Database, run_id: int, error: str) -> None:
    async with db.sessionmaker() as session:
        run = await repository.by_id(session, run_id)
        if run is None or run.status != RunStatus.computing:
            return
        run.status, run.error = RunStatus.failed, error[:1000]
        session.add(run)
        await session.commit()


async def store(
    *, session: AsyncSession, run: AllocationRun, inputs: RunInputs, result: RunResult
) -> AllocationRun:
    await repository.clear(session, run.id or 0)
    sirens = {m.slug: m.siren for m in inputs.members}
    for ln in result.lines:
        session.add(
            AllocationLine(
                run_id=run.id or 0,
                member=ln.member,
                prestation=ln.prestation,
                college=ln.college,
                key=ln.key,
                key_value=ln.key_value,
                key_total=ln.key_total,
                days=ln.days,
                period_days=ln.period_days,
                weight=fraction_text(ln.weight),
                weight_total=fraction_text(ln.weight_total),
                fraction=fraction_text(ln.fraction),
                exact_cents=fraction_text(ln.exact),
                pool_cents=ln.pool_cents,
                amount_cents=ln.amount_cents,
                in_kind_cents=ln.in_kind_cents,
                net_cents=ln.net_cents,
            )
        )
    for m in result.members.values():
        session.add(
            AllocationMember(
                run_id=run.id or 0,
                member=m.member,
                name=m.name,
                kind=m.kind,
                college=m.college,
                siren=sirens.get(m.member),
                public=m.public,
                gross_cents=m.gross_cents,
                in_kind_cents=m.in_kind_cents,
                deducted_cents=m.deducted_cents,
                excess_cents=m.excess_cents,
                net_cents=m.net_cents,
            )
        )
    run.inputs = inputs.model_dump(mode="json")
    run.warnings = list(result.warnings)
    run.colleges = dict(result.colleges)
    run.cost_cents, run.called_cents = result.cost_cents, result.called_cents
    run.status, run.error, run.computed_at = RunStatus.draft, None, utcnow()
    session.add(run)
    await session.flush()
    return run


async def update(*, session: AsyncSession, run: AllocationRun, data: RunUpdate) -> AllocationRun:
    """Change the shares, reference date or note of a draft; recompute from recorded inputs."""
    ensure_draft(run)
    inputs = inputs_of(run)
    if data.note is not None:
        run.note = data.note
    if data.reference_date is not None:
        run.reference_date = data.reference_date
    if data.shares is not None:
        run.shares = _shares(data.shares, {})
    inputs = inputs.model_copy(
        update={"shares": dict(run.shares), "reference_date": run.reference_date}
    )
    try:
        result = compute(inputs)
    except AllocationError as exc:
        raise _refused(exc) from exc
    return await store(session=session, run=run, inputs=inputs, result=result)


async def delete(*, session: AsyncSession, run: AllocationRun) -> None:
    ensure_draft(run)
    await repository.clear(session, run.id or 0)
    await session.delete(run)
    await session.flush()


async def approve(*, session: AsyncSession, run: AllocationRun, by: str) -> AllocationRun:
    from billing.invoices import repository as invoices  # invoices depend on runs, not back

    if run.status != RunStatus.draft:
        raise Conflict(
            f"run {run.id} is {run.status}: only a computed draft can be approved",
            fr=f"{run_is(run.id, run.status)} : seul un projet calculé peut être approuvé",
        )
    previous = await repository.approved(session, run.year)
    if previous is not None:
        open_ = await invoices.uncredited_numbers(session, run_id=previous.id or 0)
        if open_:
            raise Conflict(
                f"run {previous.id} is approved for {run.year} and its invoices "
                f"{', '.join(open_[:5])}{'…' if len(open_) > 5 else ''} are not fully "
                "credited: a new run supersedes it only through credit notes",
                fr=(
                    f"le calcul n° {previous.id} est approuvé pour {run.year} et ses factures "
                    f"{', '.join(open_[:5])}{'…' if len(open_) > 5 else ''} ne sont pas "
                    "entièrement annulées par des avoirs : un nouveau calcul ne le remplace "
                    "qu'au moyen d'avoirs"
                ),
            )
        previous.status, previous.superseded_by = RunStatus.superseded, run.id
        session.add(previous)
    run.status, run.approved_by, run.approved_at = RunStatus.approved, by, utcnow()
    session.add(run)
    await session.flush()
    return run


def _refused(exc: Exception) -> Conflict:
    """The engine's refusal as a conflict, in French too where the engine said it (Reason)."""
    said = exc.args[0] if exc.args else exc
    return Conflict(str(said), fr=getattr(said, "fr", None))


def simulate(run: AllocationRun, changes: Changes) -> tuple[RunResult, RunResult]:
    inputs = inputs_of(run)
    try:
        return compute(inputs), compute(apply(inputs, changes))
    except (WhatIfError, AllocationError) as exc:
        raise _refused(exc) from exc


def only(diffs: Sequence[Difference], members: frozenset[str] | None) -> list[Difference]:
    return [d for d in diffs if members is None or d.member in members]


async def thresholds(
    *, session: AsyncSession, run: AllocationRun, table: Sequence[Threshold]
) -> tuple[Threshold, list[Excess]]:
    inputs_of(run)
    try:
        threshold = threshold_on(table, run.reference_date)
    except LookupError as exc:
        raise _refused(exc) from exc
    totals = {
        m.member: m.net_cents
        for m in await repository.members(session, run.id or 0)
        if m.college == "collectivites"
    }
    return threshold, over_threshold(totals, threshold)


async def voting(*, session: AsyncSession, run: AllocationRun) -> VotingWeights:
    if run.status not in FROZEN:
        raise Conflict(
            f"run {run.id} is {run.status}: voting weights come from an approved run",
            fr=f"{run_is(run.id, run.status)} : les voix se calculent sur un calcul approuvé",
        )
    members = await repository.members(session, run.id or 0)
    return voting_weights(
        {m.member: m.net_cents + m.in_kind_cents for m in members},
        {m.member: m.public for m in members},
    )


__all__ = ["differences"]
