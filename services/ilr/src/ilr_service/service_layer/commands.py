"""Use cases that change one ILR on request: edit, add an aim, reset, restore, workflow."""

from __future__ import annotations

from typing import Any

from ilr_service.domain import ilr_model
from ilr_service.domain.ilr import Change, Ilr, revise, timestamp
from ilr_service.domain.paths import DELIVERY, PathError
from ilr_service.domain.record import (
    EditRules,
    IlrState,
    add_delivery,
    apply_edit,
    reset_all,
    reset_delivery,
    reset_fields,
    resolve,
)
from ilr_service.domain.workflow import WorkflowError, decide, transition_effects
from ilr_service.service_layer.access import actor_of, subject_of
from ilr_service.service_layer.ports import IlrStore, Notifier, Quiet
from ilr_service.service_layer.templates import Renderer
from ilr_shared.auth import Principal, Role
from ilr_shared.errors import (
    ConflictError,
    DomainError,
    ForbiddenError,
    InvalidInputError,
    StaleVersionError,
    not_found,
)

_WORKFLOW_REFUSALS: dict[str, type[DomainError]] = {
    "conflict": ConflictError,
    "forbidden": ForbiddenError,
    "invalid": InvalidInputError,
}


def check_version(ilr: Ilr, expected: int | None) -> None:
    if expected is not None and expected != ilr.version:
        raise StaleVersionError(f"The ILR is at version {ilr.version}, not {expected}")


def edit_rules(principal: Principal, ilr: Ilr) -> EditRules:
    """What the caller may edit: the year's elements for an admin, the User part for the
    learner of this ILR; anyone else is refused."""
    year = ilr.academic_year
    if principal.has(Role.ADMIN):
        return EditRules(
            learner_fields=frozenset(ilr_model.learner_fields(year)) - {DELIVERY},
            delivery_fields=frozenset(ilr_model.delivery_fields(year)),
        )
    if principal.has(Role.LEARNER) and principal.learner_id == ilr.id:
        return EditRules(
            learner_fields=frozenset(ilr_model.user_part(year)),
            delivery_fields=frozenset(),
            deliveries_allowed=False,
        )
    raise ForbiddenError("You may not edit this ILR")


def _require_admin(principal: Principal, refusal: str) -> None:
    if not principal.has(Role.ADMIN):
        raise ForbiddenError(refusal)


def _canonical_path(state: IlrState, path: str) -> str:
    try:
        return resolve(state, path).canonical
    except PathError:
        return path


def _problem_path(state: IlrState, path: str) -> str:
    """The canonical path (as edits name it) of an XSD problem's positional path."""
    if not path.startswith(DELIVERY + "["):
        return path.split(".", 1)[0].split("[", 1)[0]
    deliveries = state.record.get(DELIVERY) or []
    index_text, _, rest = path[len(DELIVERY) + 1 :].partition("]")
    index = int(index_text) if index_text.isdigit() else -1
    seq = deliveries[index].get("AimSeqNumber") if 0 <= index < len(deliveries) else None
    element = rest.lstrip(".").split(".", 1)[0].split("[", 1)[0]
    return f"{state.delivery_ref(seq)}.{element}" if seq and element else path


def check_schema(ilr: Ilr, state: IlrState, set_values: dict[str, Any]) -> None:
    """422 for values that break the year's XSD (types, lengths, patterns), at the paths
    of the edit that set them."""
    problems = ilr_model.schema_problems(state.record, ilr.academic_year)
    if not problems:
        return
    touched = {_canonical_path(state, p): p for p in set_values}
    errors = [
        {"path": f"body.set.{original}", "message": message}
        for path, message, _ in problems
        if (original := touched.get(_problem_path(state, path))) is not None
    ]
    if errors:
        raise InvalidInputError("The edit does not fit the ILR schema", errors)


class IlrCommands:
    def __init__(self, repository: IlrStore, notifier: Notifier | None = None) -> None:
        self.repo = repository
        self.notifier = notifier or Quiet()

    async def _commit(self, ilr: Ilr, change: Change) -> Ilr:
        revision = revise(ilr, change)
        if not await self.repo.commit([revision]):
            raise StaleVersionError("The ILR was changed meanwhile")
        self.notifier.changed()
        return revision.after

    async def edit(
        self,
        principal: Principal,
        ilr: Ilr,
        expected: int,
        set_values: dict[str, Any],
        unset: list[str],
    ) -> Ilr:
        rules = edit_rules(principal, ilr)
        check_version(ilr, expected)
        try:
            state = apply_edit(
                ilr.state, set_values, unset, actor=principal.sub, at=timestamp(), rules=rules
            )
        except PathError as exc:
            where = "body.set" if exc.path in set_values else "body.unset"
            raise InvalidInputError(
                "The edit is not valid",
                [{"path": f"{where}.{exc.path}", "message": exc.message}],
            ) from exc
        check_schema(ilr, state, set_values)
        return await self._commit(ilr, Change(state, principal.sub, "person", "edit"))

    async def add_delivery(
        self, principal: Principal, ilr: Ilr, expected: int, delivery: dict[str, Any]
    ) -> Ilr:
        _require_admin(principal, "Only an admin may add aims")
        check_version(ilr, expected)
        state, seq = add_delivery(ilr.state, delivery, actor=principal.sub, at=timestamp())
        set_values = {f"{DELIVERY}[seq={seq}].{k}": v for k, v in delivery.items()}
        check_schema(ilr, state, set_values)
        return await self._commit(ilr, Change(state, principal.sub, "person", "add_delivery"))

    async def reset(
        self,
        principal: Principal,
        ilr: Ilr,
        expected: int,
        fields: list[str] | None,
        delivery: str | None,
    ) -> Ilr:
        _require_admin(principal, "Only an admin may reset to the template")
        check_version(ilr, expected)
        template = await self.repo.latest_template(ilr.tenant, ilr.programme_id)
        rendered = Renderer(template).for_ilr(ilr)
        try:
            if fields:
                new = reset_fields(ilr.state, fields, ilr.enrolment, rendered)
                action = "reset fields"
            elif delivery:
                new = reset_delivery(ilr.state, delivery, ilr.enrolment, rendered)
                action = f"reset delivery {delivery}"
            else:
                new = reset_all(ilr.state, ilr.enrolment, rendered)
                action = "reset record"
        except PathError as exc:
            raise InvalidInputError(
                "The reset is not valid",
                [{"path": f"body.{exc.path}", "message": exc.message}],
            ) from exc
        return await self._commit(ilr, Change(new, principal.sub, "reset", action))

    async def restore(self, principal: Principal, ilr: Ilr, version: int, expected: int) -> Ilr:
        _require_admin(principal, "Only an admin may restore a version")
        check_version(ilr, expected)
        old = await self.repo.get_version(ilr, version)
        if old is None:
            raise not_found("Version")
        restored = IlrState(
            record=dict(old.record),
            provenance=dict(old.provenance),
            delivery_keys=dict(old.delivery_keys),
            # the current revision stays: a later template change still applies once
            template_revision=ilr.state.template_revision,
        )
        change = Change(restored, principal.sub, "restore", f"restore version {version}")
        return await self._commit(ilr, change)

    async def transition(
        self,
        principal: Principal,
        ilr: Ilr,
        action: str,
        reason: str | None,
        expected: int | None,
    ) -> Ilr:
        check_version(ilr, expected)
        # QA verification is decided on the rules as they are now, not as they were saved.
        fresh = (
            ilr_model.findings(ilr.record, ilr.academic_year, ilr.tenant)
            if action == "qa_verify"
            else None
        )
        subject = await subject_of(self.repo, ilr, fresh)
        try:
            target = decide(action, subject, actor_of(principal), reason)
        except WorkflowError as exc:
            blocking = [f for f in fresh or [] if f["severity"] == "error"]
            raise _WORKFLOW_REFUSALS[exc.kind](
                exc.message, allowed_actions=exc.allowed_actions, findings=blocking
            ) from exc
        effects = transition_effects(
            action, version=ilr.version, actor=principal.sub, reason=reason, at=timestamp()
        )
        change = Change(ilr.state, principal.sub, "workflow", action, status=target, extra=effects)
        return await self._commit(ilr, change)
