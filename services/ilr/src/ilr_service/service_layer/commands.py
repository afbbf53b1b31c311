"""Use cases behind the HTTP API: read, search, edit, reset, restore, workflow."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from fastapi import status as http
from pymongo import ASCENDING, DESCENDING

from ilr_service.adapters import ilr_model
from ilr_service.adapters.repository import IlrRepository
from ilr_service.domain.diff import diff
from ilr_service.domain.paths import DELIVERY, PathError
from ilr_service.domain.record import (
    EditRules,
    IlrState,
    add_delivery,
    apply_edit,
    reset_all,
    reset_delivery,
    reset_fields,
)
from ilr_service.domain.workflow import (
    Actor,
    Subject,
    WorkflowError,
    allowed_actions,
    blocked_actions,
    decide,
)
from ilr_service.service_layer.changes import Change, build_commit, enrolment_of, state_of
from ilr_service.service_layer.events import Renderer, summary
from ilr_shared.auth import Principal, Role
from ilr_shared.http import ApiError, decode_cursor, encode_cursor, not_found
from ilr_shared.mongo import Document

STAFF = (Role.ADMIN, Role.VERIFIER, Role.INTEGRATION)
SORTS = {
    "updated_at": ("updated_at", ASCENDING),
    "-updated_at": ("updated_at", DESCENDING),
    "family_name": ("family_name_lc", ASCENDING),
}


def _from(value: Any, direction: int) -> dict[str, Any]:
    """`value` and what follows it in `direction`. Dates use the equivalent strict bound one
    millisecond out (BSON dates hold milliseconds): the local test server's compound
    indexes drop the rows equal to an inclusive bound on the far side of their order."""
    if isinstance(value, datetime):
        if direction == ASCENDING:
            return {"$gt": value - timedelta(milliseconds=1)}
        return {"$lt": value + timedelta(milliseconds=1)}
    return {"$gte": value} if direction == ASCENDING else {"$lte": value}


def is_learner_only(principal: Principal) -> bool:
    return not principal.has(*STAFF)


def actor_of(principal: Principal) -> Actor:
    return Actor(
        sub=principal.sub,
        roles=frozenset(r.value for r in principal.roles),
        learner_id=principal.learner_id,
    )


class IlrCommands:
    def __init__(self, repository: IlrRepository, kick: Callable[[], None] = lambda: None) -> None:
        self.repo = repository
        self.kick = kick

    # -- reading ------------------------------------------------------------------------

    async def load(self, principal: Principal, ilr_id: str) -> Document:
        document = await self.repo.get(principal.tenant, ilr_id)
        if document is None or (is_learner_only(principal) and principal.learner_id != ilr_id):
            raise not_found("ILR")
        return document

    async def subject(
        self, document: Document, findings: list[dict[str, Any]] | None = None
    ) -> Subject:
        """The workflow's view of a record; error findings from the stored findings
        unless fresh ones are given."""
        programme = await self.repo.programme(document["tenant"], document["programme_id"])
        current = (document.get("findings") or []) if findings is None else findings
        return Subject(
            ilr_id=document["_id"],
            status=document["status"],
            allow_sign_without_verification=bool(
                programme and programme.get("allow_sign_without_verification")
            ),
            last_editor=document.get("last_editor"),
            error_count=sum(1 for f in current if f.get("severity") == "error"),
        )

    async def view(self, principal: Principal, document: Document) -> dict[str, Any]:
        year = document["academic_year"]
        record = document.get("record") or {}
        subject = await self.subject(document)
        provenance = {
            entry["path"]: {k: v for k, v in entry.items() if k != "path"}
            for entry in document.get("provenance") or []
        }
        if is_learner_only(principal):
            part = _learner_part(year)
            record = {k: v for k, v in record.items() if k in part}
            provenance = {k: v for k, v in provenance.items() if k in part}
        return {
            "id": document["_id"],
            "tenant": document["tenant"],
            "programme_id": document["programme_id"],
            "enrolment_id": document.get("enrolment_id"),
            "academic_year": year,
            "status": document["status"],
            "version": document["version"],
            "template_revision": document.get("template_revision", 0),
            "withdrawn": bool(document.get("withdrawn")),
            "record": record,
            "user_part": list(ilr_model.user_part(year)),
            "provenance": provenance,
            "delivery_keys": document.get("delivery_keys") or {},
            "signature": document.get("signature"),
            "allowed_actions": allowed_actions(subject, actor_of(principal)),
            "blocked_actions": blocked_actions(subject),
            "findings": document.get("findings") or [],
            "updated_at": document.get("updated_at"),
            "updated_by": document.get("updated_by"),
        }

    async def search(
        self,
        principal: Principal,
        *,
        q: str | None,
        uln: int | None,
        learn_ref: str | None,
        status: str | None,
        programme_id: str | None,
        academic_year: str | None,
        sort: str,
        limit: int,
        cursor: str | None,
    ) -> dict[str, Any]:
        if sort not in SORTS:
            raise ApiError(
                422,
                "Unknown sort",
                [{"path": "query.sort", "message": f"one of {', '.join(SORTS)}"}],
            )
        field_name, direction = SORTS[sort]
        query: dict[str, Any] = {"tenant": principal.tenant}
        if is_learner_only(principal):
            query["_id"] = principal.learner_id or "-"
        if q and (prefix := q.strip().lower()):
            # a range, not an anchored $regex: every server serves a range from the index
            query["search_names"] = {"$gte": prefix, "$lt": prefix + "\uffff"}
        if uln is not None:
            query["uln"] = uln
        if learn_ref:
            query["learn_ref"] = learn_ref
        if status:
            query["status"] = status
        if programme_id:
            query["programme_id"] = programme_id
        if academic_year:
            query["academic_year"] = academic_year
        sort_keys = [(field_name, direction), ("_id", direction)]
        if cursor:
            documents = await self._page_after(query, sort_keys, decode_cursor(cursor), limit + 1)
        else:
            documents = await self.repo.search(query, sort_keys, limit + 1)
        next_cursor = None
        if len(documents) > limit:
            documents = documents[:limit]
            last = documents[-1]
            value = last.get(field_name)
            next_cursor = encode_cursor(
                {
                    "v": value.isoformat() if isinstance(value, datetime) else value,
                    "id": last["_id"],
                }
            )
        return {"items": [summary(d) for d in documents], "next_cursor": next_cursor}

    async def _page_after(
        self,
        query: dict[str, Any],
        sort_keys: list[tuple[str, int]],
        after: dict[str, Any],
        wanted: int,
    ) -> list[Document]:
        """The page after the cursor's (value, id). The query bounds only the sort field
        (`$lte`/`$gte`, which every server serves from the index) and the rows tied with
        the cursor's value that come before it are dropped here: a `$or` on (value, id)
        made the local server scan the collection."""
        field_name, direction = sort_keys[0]
        value: Any = after.get("v")
        if field_name == "updated_at" and isinstance(value, str):
            value = datetime.fromisoformat(value)
        last_id = str(after.get("id") or "")
        bounded = {**query, field_name: _from(value, direction)}

        def before_cursor(doc: Document) -> bool:
            if doc.get(field_name) != value:
                return False
            ilr_id = str(doc["_id"])
            return ilr_id <= last_id if direction == ASCENDING else ilr_id >= last_id

        fetch = wanted + 1
        while True:
            found = await self.repo.search(bounded, sort_keys, fetch)
            kept = [doc for doc in found if not before_cursor(doc)]
            if len(kept) >= wanted or len(found) < fetch:
                return kept[:wanted]
            fetch *= 2  # more rows share the cursor's value than one page holds

    # -- writing ------------------------------------------------------------------------

    async def _commit(self, document: Document, change: Change) -> Document:
        commit = build_commit(document, change)
        if not await self.repo.commit([commit]):
            raise ApiError(http.HTTP_412_PRECONDITION_FAILED, "The ILR was changed meanwhile")
        self.kick()
        return commit.applied_to(document)

    @staticmethod
    def _check_version(document: Document, expected: int | None) -> None:
        if expected is not None and expected != document["version"]:
            raise ApiError(
                http.HTTP_412_PRECONDITION_FAILED,
                f"The ILR is at version {document['version']}, not {expected}",
            )

    def _rules(self, principal: Principal, document: Document) -> EditRules:
        year = document["academic_year"]
        if principal.has(Role.ADMIN):
            return EditRules(
                learner_fields=frozenset(ilr_model.learner_fields(year)) - {DELIVERY},
                delivery_fields=frozenset(ilr_model.delivery_fields(year)),
            )
        if principal.has(Role.LEARNER) and principal.learner_id == document["_id"]:
            return EditRules(
                learner_fields=frozenset(ilr_model.user_part(year)),
                delivery_fields=frozenset(),
                deliveries_allowed=False,
            )
        raise ApiError(http.HTTP_403_FORBIDDEN, "You may not edit this ILR")

    async def edit(
        self,
        principal: Principal,
        document: Document,
        expected: int,
        set_values: dict[str, Any],
        unset: list[str],
    ) -> Document:
        rules = self._rules(principal, document)
        self._check_version(document, expected)
        at = datetime.now().astimezone().isoformat()
        try:
            state = apply_edit(
                state_of(document), set_values, unset, actor=principal.sub, at=at, rules=rules
            )
        except PathError as exc:
            where = "body.set" if exc.path in set_values else "body.unset"
            raise ApiError(
                422,
                "The edit is not valid",
                [{"path": f"{where}.{exc.path}", "message": exc.message}],
            ) from exc
        self._check_schema(document, state, set_values)
        return await self._commit(document, Change(state, principal.sub, "person", "edit"))

    def _check_schema(
        self, document: Document, state: IlrState, set_values: dict[str, Any]
    ) -> None:
        """422 for values that break the year's XSD (types, lengths, patterns)."""
        problems = ilr_model.schema_problems(state.record, document["academic_year"])
        if not problems:
            return
        deliveries = state.record.get(DELIVERY) or []
        touched = {_canonical(state, p): p for p in set_values}
        errors = []
        for path, message, _ in problems:
            canonical = path.split("[", 1)[0] if not path.startswith(DELIVERY) else path
            if path.startswith(DELIVERY + "["):
                index_text, _, rest = path[len(DELIVERY) + 1 :].partition("]")
                index = int(index_text) if index_text.isdigit() else -1
                seq = (
                    deliveries[index].get("AimSeqNumber") if 0 <= index < len(deliveries) else None
                )
                element = rest.lstrip(".").split(".", 1)[0].split("[", 1)[0]
                canonical = f"{state.delivery_ref(seq)}.{element}" if seq and element else path
            else:
                canonical = path.split(".", 1)[0].split("[", 1)[0]
            original = touched.get(canonical)
            if original is not None:
                errors.append({"path": f"body.set.{original}", "message": message})
        if errors:
            raise ApiError(422, "The edit does not fit the ILR schema", errors)

    async def add_delivery(
        self, principal: Principal, document: Document, expected: int, delivery: dict[str, Any]
    ) -> Document:
        if not principal.has(Role.ADMIN):
            raise ApiError(http.HTTP_403_FORBIDDEN, "Only an admin may add aims")
        self._check_version(document, expected)
        at = datetime.now().astimezone().isoformat()
        state, _ = add_delivery(state_of(document), delivery, actor=principal.sub, at=at)
        set_values = {f"{DELIVERY}[seq={_}].{k}": v for k, v in delivery.items()}
        self._check_schema(document, state, set_values)
        return await self._commit(document, Change(state, principal.sub, "person", "add_delivery"))

    async def reset(
        self,
        principal: Principal,
        document: Document,
        expected: int,
        fields: list[str] | None,
        delivery: str | None,
    ) -> Document:
        if not principal.has(Role.ADMIN):
            raise ApiError(http.HTTP_403_FORBIDDEN, "Only an admin may reset to the template")
        self._check_version(document, expected)
        template_doc = await self.repo.latest_template(document["tenant"], document["programme_id"])
        rendered = Renderer(template_doc).for_document(document)
        state, enrolment = state_of(document), enrolment_of(document)
        try:
            if fields:
                new = reset_fields(state, fields, enrolment, rendered)
                action = "reset fields"
            elif delivery:
                new = reset_delivery(state, delivery, enrolment, rendered)
                action = f"reset delivery {delivery}"
            else:
                new = reset_all(state, enrolment, rendered)
                action = "reset record"
        except PathError as exc:
            raise ApiError(
                422,
                "The reset is not valid",
                [{"path": f"body.{exc.path}", "message": exc.message}],
            ) from exc
        return await self._commit(document, Change(new, principal.sub, "reset", action))

    async def restore(
        self, principal: Principal, document: Document, version: int, expected: int
    ) -> Document:
        if not principal.has(Role.ADMIN):
            raise ApiError(http.HTTP_403_FORBIDDEN, "Only an admin may restore a version")
        self._check_version(document, expected)
        old = await self.repo.get_version(document, version)
        if old is None:
            raise not_found("Version")
        restored = state_of(
            {
                "record": old["record"],
                "provenance": old.get("provenance") or [],
                "delivery_keys": old.get("delivery_keys") or {},
                # the current revision stays: a later template change still applies once
                "template_revision": document.get("template_revision", 0),
            }
        )
        return await self._commit(
            document, Change(restored, principal.sub, "restore", f"restore version {version}")
        )

    async def transition(
        self,
        principal: Principal,
        document: Document,
        action: str,
        reason: str | None,
        expected: int | None,
    ) -> Document:
        self._check_version(document, expected)
        # QA verification is decided on the rules as they are now, not as they were saved.
        fresh = (
            ilr_model.findings(document.get("record") or {}, document["academic_year"],
                               document["tenant"])
            if action == "qa_verify"
            else None
        )  # fmt: skip
        subject = await self.subject(document, fresh)
        actor = actor_of(principal)
        try:
            target = decide(action, subject, actor, reason)
        except WorkflowError as exc:
            code = {"conflict": 409, "forbidden": 403, "invalid": 422}[exc.kind]
            blocking = [f for f in fresh or [] if f["severity"] == "error"]
            raise ApiError(
                code, exc.message, allowed_actions=exc.allowed_actions, findings=blocking
            ) from exc
        extra: dict[str, Any] = {}
        if action == "sign":
            extra["signature"] = {
                "version": document["version"] + 1,
                "signed_version": document["version"],
                "by": principal.sub,
                "at": datetime.now().astimezone().isoformat(),
            }
        if action == "reopen":
            extra["signature"] = None
            extra["reopen_reason"] = reason
        if action == "qa_verify":
            extra["verified_by"] = principal.sub
        change = Change(
            state_of(document), principal.sub, "workflow", action, status=target, extra=extra
        )
        return await self._commit(document, change)

    # -- versions -----------------------------------------------------------------------

    async def versions(self, principal: Principal, ilr_id: str) -> list[dict[str, Any]]:
        document = await self.load(principal, ilr_id)
        return [
            {
                k: v.get(k)
                for k in ("version", "at", "actor", "source", "action", "status", "changed_fields")
            }
            for v in await self.repo.list_versions(document)
        ]

    async def version(self, principal: Principal, ilr_id: str, version: int) -> dict[str, Any]:
        document = await self.load(principal, ilr_id)
        found = await self.repo.get_version(document, version)
        if found is None:
            raise not_found("Version")
        previous = await self.repo.get_version(document, version - 1) if version > 1 else None
        keys = {int(k): v for k, v in (found.get("delivery_keys") or {}).items()}
        prev_keys = {int(k): v for k, v in ((previous or {}).get("delivery_keys") or {}).items()}
        record = found["record"]
        changes = diff((previous or {}).get("record") or {}, found["record"], prev_keys, keys)
        if is_learner_only(principal):
            part = _learner_part(document["academic_year"])
            record = {k: v for k, v in record.items() if k in part}
            changes = [c for c in changes if c["path"] in part]
        return {
            "version": found["version"],
            "at": found["at"],
            "actor": found["actor"],
            "source": found["source"],
            "action": found.get("action"),
            "status": found["status"],
            "record": record,
            "delivery_keys": {}
            if is_learner_only(principal)
            else {str(k): v for k, v in keys.items()},
            "diff": changes,
        }


def _learner_part(academic_year: str) -> set[str]:
    """What a learner sees of their own ILR: the User part and their identifiers."""
    return set(ilr_model.user_part(academic_year)) | {"LearnRefNumber", "ULN"}


def _canonical(state: IlrState, path: str) -> str:
    from ilr_service.domain.record import resolve

    try:
        return resolve(state, path).canonical
    except PathError:
        return path
