"""Stored templates rendered per learner, and the latest template per programme (cached)."""

from __future__ import annotations

from collections import OrderedDict

from ilr_service.domain import ilr_model
from ilr_service.domain.ilr import Ilr
from ilr_service.domain.record import Enrolment, RenderedTemplate
from ilr_service.domain.reference import StoredTemplate
from ilr_service.service_layer.ports import IlrStore

TEMPLATE_CACHE_SIZE = 256


class Renderer:
    """Renders a stored template per learner start date, cached for one fan-out."""

    def __init__(self, template: StoredTemplate | None) -> None:
        self._template = template
        self._cache: dict[tuple[str, str], RenderedTemplate | None] = {}

    @property
    def revision(self) -> int:
        return self._template.revision if self._template else 0

    def for_ilr(self, ilr: Ilr) -> RenderedTemplate | None:
        return self.for_enrolment(ilr.enrolment, ilr.academic_year)

    def for_enrolment(self, enrolment: Enrolment, academic_year: str) -> RenderedTemplate | None:
        if self._template is None:
            return None
        key = (enrolment.learn_start_date, academic_year)
        if key not in self._cache:
            self._cache[key] = ilr_model.render(
                self._template.template, self.revision, enrolment.learn_start_date, academic_year
            )
        return self._cache[key]


class LatestTemplates:
    """The renderer of the newest template seen per programme, kept in process.

    The stored template only ever moves to a higher revision, so a cached renderer is
    replaced by any newer read; a stale one only ever saves a read that a later read
    (the race closer after an insert) corrects."""

    def __init__(self, store: IlrStore) -> None:
        self._store = store
        self._renderers: OrderedDict[tuple[str, str], Renderer] = OrderedDict()

    def remember(self, tenant: str, programme_id: str, template: StoredTemplate | None) -> Renderer:
        """The renderer for `template`, kept (with its renderings) while its revision is
        the newest seen."""
        key = (tenant, programme_id)
        cached = self._renderers.get(key)
        fresh = Renderer(template)
        if cached is not None and cached.revision >= fresh.revision:
            self._renderers.move_to_end(key)
            return cached if cached.revision == fresh.revision else fresh
        self._renderers[key] = fresh
        self._renderers.move_to_end(key)
        while len(self._renderers) > TEMPLATE_CACHE_SIZE:
            self._renderers.popitem(last=False)
        return fresh

    async def latest(self, tenant: str, programme_id: str) -> Renderer:
        """Reads the stored template and refreshes the cache."""
        template = await self._store.latest_template(tenant, programme_id)
        return self.remember(tenant, programme_id, template)

    async def cached_or_latest(self, tenant: str, programme_id: str) -> Renderer:
        cached = self._renderers.get((tenant, programme_id))
        return cached if cached is not None else await self.latest(tenant, programme_id)
