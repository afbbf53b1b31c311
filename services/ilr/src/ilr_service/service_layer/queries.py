"""Use cases behind the read API: one ILR, search, version history."""

from __future__ import annotations

from typing import Any

from ilr_service.domain.ilr import Ilr
from ilr_service.domain.listing import SORT_ORDERS, SearchCriteria
from ilr_service.service_layer.access import (
    actor_of,
    is_learner_only,
    learner_part,
    subject_of,
)
from ilr_service.service_layer.ports import IlrStore
from ilr_service.service_layer.views import ilr_view, summary_view, version_item, version_view
from ilr_shared.auth import Principal
from ilr_shared.cursors import decode_cursor, encode_cursor
from ilr_shared.errors import InvalidInputError, not_found


class IlrQueries:
    def __init__(self, repository: IlrStore) -> None:
        self.repo = repository

    async def load(self, principal: Principal, ilr_id: str) -> Ilr:
        """The ILR if the caller may see it (a learner only their own), else 404."""
        ilr = await self.repo.get(principal.tenant, ilr_id)
        if ilr is None or (is_learner_only(principal) and principal.learner_id != ilr_id):
            raise not_found("ILR")
        return ilr

    async def view(self, principal: Principal, ilr: Ilr) -> dict[str, Any]:
        subject = await subject_of(self.repo, ilr)
        visible = learner_part(ilr.academic_year) if is_learner_only(principal) else None
        return ilr_view(ilr, subject, actor_of(principal), visible)

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
        if sort not in SORT_ORDERS:
            raise InvalidInputError(
                "Unknown sort",
                [{"path": "query.sort", "message": f"one of {', '.join(SORT_ORDERS)}"}],
            )
        criteria = SearchCriteria(
            tenant=principal.tenant,
            sort=sort,
            only_id=(principal.learner_id or "-") if is_learner_only(principal) else None,
            name_prefix=(q or "").strip().lower() or None,
            uln=uln,
            learn_ref=learn_ref,
            status=status,
            programme_id=programme_id,
            academic_year=academic_year,
        )
        after = decode_cursor(cursor) if cursor else None
        page = await self.repo.search(criteria, limit, after)
        return {
            "items": [summary_view(s) for s in page.items],
            "next_cursor": encode_cursor(page.after) if page.after is not None else None,
        }

    async def versions(self, principal: Principal, ilr_id: str) -> list[dict[str, Any]]:
        ilr = await self.load(principal, ilr_id)
        return [version_item(entry) for entry in await self.repo.list_versions(ilr)]

    async def version(self, principal: Principal, ilr_id: str, version: int) -> dict[str, Any]:
        ilr = await self.load(principal, ilr_id)
        found = await self.repo.get_version(ilr, version)
        if found is None:
            raise not_found("Version")
        previous = await self.repo.get_version(ilr, version - 1) if version > 1 else None
        visible = learner_part(ilr.academic_year) if is_learner_only(principal) else None
        return version_view(found, previous, visible)
