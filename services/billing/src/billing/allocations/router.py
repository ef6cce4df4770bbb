"""/api/v1/allocations: yearly allocation runs — draft, explain, simulate, approve."""

from __future__ import annotations

from fastapi import BackgroundTasks, Request, Response

from billing.allocations import export, repository, service
from billing.allocations.present import line_public, run_public
from billing.allocations.schemas import (
    DifferencePublic,
    ExcessPublic,
    LinePublic,
    MemberTotalPublic,
    RunCreate,
    RunPublic,
    RunUpdate,
    SimulateRequest,
    SimulationPublic,
    ThresholdsPublic,
    VotePublic,
    VotingPublic,
)
from billing.common.access import Admin, MemberManager, Reader, visible_members
from billing.common.deps import SettingsDep, who
from billing.common.pagination import Page, PageDep, make_page
from billing.common.responses import CSVResponse, csv_response, text_responses
from billing.common.schemas import CodeQuery, IdPath, SlugQuery, YearQuery, fraction_text
from billing.core.whatif import Changes
from gipkit.auth import GIP_ADMIN, Principal
from gipkit.db import SessionDep
from gipkit.errors import Forbidden, problem_responses
from gipkit.routing import api_router

router = api_router("/api/v1/allocations", tags=["allocations"])

COMPUTING = (
    "Answers 202 at once: key values are fetched from tenants and measure after the answer, "
    "then the run becomes `draft` (or `failed`, with `error` saying why: a peer unavailable "
    "answers no 5xx here). Poll `GET /api/v1/allocations/{id}`."
)


def _schedule(request: Request, tasks: BackgroundTasks, run_id: int, settings: SettingsDep) -> None:
    tasks.add_task(
        service.compute_in_background,
        db=request.app.state.db,
        peers=request.app.state.peers,
        run_id=run_id,
        page_size=settings.peer_page_size,
    )


@router.get("", response_model=Page[RunPublic], summary="List allocation runs")
async def list_runs(
    _: Reader, session: SessionDep, page: PageDep, year: YearQuery = None
) -> Page[RunPublic]:
    rows = await repository.page(session, page, year=year)
    return make_page(rows, page, key=lambda r: r.id or 0, public=run_public)


@router.post(
    "",
    status_code=202,
    response_model=RunPublic,
    summary="Start a draft run for a year",
    description=COMPUTING,
    responses=problem_responses(404, 409),
)
async def create_run(
    body: RunCreate,
    principal: Admin,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
    response: Response,
    tasks: BackgroundTasks,
) -> RunPublic:
    run = await service.create(
        session=session, data=body, default_shares=settings.college_shares, by=who(principal)
    )
    _schedule(request, tasks, run.id or 0, settings)
    response.headers["Location"] = f"/api/v1/allocations/{run.id}"
    return run_public(run)


@router.get(
    "/{run_id}", response_model=RunPublic, summary="A run", responses=problem_responses(404)
)
async def get_run(run_id: IdPath, _: Reader, session: SessionDep) -> RunPublic:
    return run_public(await service.get(session, run_id))


@router.patch(
    "/{run_id}",
    response_model=RunPublic,
    summary="Change a draft's shares, reference date or note (recomputed from recorded keys)",
    responses=problem_responses(404, 409),
)
async def update_run(run_id: IdPath, body: RunUpdate, _: Admin, session: SessionDep) -> RunPublic:
    run = await service.get(session, run_id)
    return run_public(await service.update(session=session, run=run, data=body))


@router.delete(
    "/{run_id}",
    status_code=204,
    summary="Delete a draft (an approved run is frozen)",
    responses=problem_responses(404, 409),
)
async def delete_run(run_id: IdPath, _: Admin, session: SessionDep) -> Response:
    run = await service.get(session, run_id)
    await service.delete(session=session, run=run)
    return Response(status_code=204)


@router.post(
    "/{run_id}/recompute",
    status_code=202,
    response_model=RunPublic,
    summary="Fetch the key values again and recompute a draft",
    description=COMPUTING,
    responses=problem_responses(404, 409),
)
async def recompute_run(
    run_id: IdPath,
    _: Admin,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
    tasks: BackgroundTasks,
) -> RunPublic:
    run = await service.restart(session=session, run=await service.get(session, run_id))
    _schedule(request, tasks, run.id or 0, settings)
    return run_public(run)


@router.get(
    "/{run_id}/lines",
    response_model=Page[LinePublic],
    summary="The run's lines, each explaining itself (a member sees its own)",
    responses=problem_responses(404),
)
async def list_lines(
    run_id: IdPath,
    principal: Reader,
    session: SessionDep,
    page: PageDep,
    member: SlugQuery = None,
    prestation: CodeQuery = None,
) -> Page[LinePublic]:
    await service.get(session, run_id)
    rows = await repository.lines(
        session,
        run_id,
        members=visible_members(principal),
        member=member,
        prestation=prestation,
        request=page,
    )
    return make_page(rows, page, key=lambda ln: ln.id or 0, public=line_public)


@router.get(
    "/{run_id}/members",
    response_model=list[MemberTotalPublic],
    summary="Per-member totals: gross, in-kind deducted, excess, net (a member sees its own)",
    responses=problem_responses(404),
)
async def list_member_totals(
    run_id: IdPath, principal: Reader, session: SessionDep
) -> list[MemberTotalPublic]:
    await service.get(session, run_id)
    rows = await repository.members(session, run_id, visible=visible_members(principal))
    return [MemberTotalPublic.model_validate(r) for r in rows]


def _ensure_may_simulate(principal: Principal, body: SimulateRequest) -> None:
    if principal.has_role(GIP_ADMIN):
        return
    if body.shares is not None:
        raise Forbidden(
            "only the GIP may simulate other college shares",
            fr="seul le GIP peut simuler d'autres parts de collèges",
        )
    changes = Changes.model_validate(body.model_dump())
    foreign = changes.members_concerned() - set(principal.organizations)
    if foreign:
        raise Forbidden(
            "a member administrator simulates changes of its own member only",
            fr="un administrateur de membre ne simule que des changements de son propre membre",
        )


@router.post(
    "/{run_id}/simulate",
    response_model=SimulationPublic,
    summary="What if: per-member differences against the run; nothing is stored",
    description="A member administrator simulates changes of its own member and sees its own "
    "difference only.",
    responses=problem_responses(404, 409),
)
async def simulate(
    run_id: IdPath, body: SimulateRequest, principal: MemberManager, session: SessionDep
) -> SimulationPublic:
    run = await service.get(session, run_id)
    _ensure_may_simulate(principal, body)
    changes = Changes.model_validate(body.model_dump())
    before, after = service.simulate(run, changes)
    visible = visible_members(principal)
    diffs = service.only(service.differences(before, after), visible)
    return SimulationPublic(
        run_id=run_id,
        differences=[DifferencePublic(**d.__dict__) for d in diffs],
        called_before_cents=before.called_cents,
        called_after_cents=after.called_cents,
        warnings=after.warnings if visible is None else [],
    )


@router.get(
    "/{run_id}/thresholds",
    response_model=ThresholdsPublic,
    summary="Collectivités over the procurement threshold in force on the reference date",
    responses=problem_responses(404, 409),
)
async def thresholds(
    run_id: IdPath, principal: Reader, session: SessionDep, settings: SettingsDep
) -> ThresholdsPublic:
    run = await service.get(session, run_id)
    threshold, over = await service.thresholds(
        session=session, run=run, table=settings.thresholds()
    )
    visible = visible_members(principal)
    return ThresholdsPublic(
        run_id=run_id,
        reference_date=run.reference_date,
        valid_from=threshold.valid_from,
        threshold_cents=threshold.amount_cents,
        compared="yearly cash due (HT, after in-kind) of each member of college collectivites",
        over=[
            ExcessPublic(member=e.member, total_cents=e.total_cents, excess_cents=e.excess_cents)
            for e in over
            if visible is None or e.member in visible
        ],
    )


@router.post(
    "/{run_id}/approve",
    response_model=RunPublic,
    summary="Approve a draft: the run is frozen from now on",
    responses=problem_responses(404, 409),
)
async def approve(run_id: IdPath, principal: Admin, session: SessionDep) -> RunPublic:
    run = await service.get(session, run_id)
    return run_public(await service.approve(session=session, run=run, by=who(principal)))


@router.get(
    "/{run_id}/voting-weights",
    response_model=VotingPublic,
    summary="Voting weights from an approved run, and the public-sector majority check",
    responses=problem_responses(404, 409),
)
async def voting_weights(run_id: IdPath, _: Admin, session: SessionDep) -> VotingPublic:
    run = await service.get(session, run_id)
    weights = await service.voting(session=session, run=run)
    return VotingPublic(
        run_id=run_id,
        votes=[
            VotePublic(
                member=v.member,
                contribution_cents=v.contribution_cents,
                public=v.public,
                fraction=fraction_text(v.fraction),
                percent=f"{v.basis_points // 100}.{v.basis_points % 100:02d}",
            )
            for v in weights.votes
        ],
        total_cents=weights.total_cents,
        public_cents=weights.public_cents,
        public_fraction=fraction_text(weights.public_fraction),
        public_majority=weights.public_majority,
    )


@router.get(
    "/{run_id}/export.csv",
    response_class=CSVResponse,
    summary="The run's lines as CSV (semicolon-separated, UTF-8 with BOM)",
    responses={**text_responses("text/csv", "The lines"), **problem_responses(404)},
)
async def export_run(run_id: IdPath, _: Admin, session: SessionDep) -> CSVResponse:
    run = await service.get(session, run_id)
    lines = await repository.lines(session, run_id)
    return csv_response(export.run_csv(run, lines), f"allocation-{run.year}-run-{run_id}.csv")
