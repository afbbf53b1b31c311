"""Settings of the ILR service."""

from __future__ import annotations

from pydantic import Field

from ilr_shared.settings import CommonSettings


class Settings(CommonSettings):
    service_name: str = "ilr-service"
    # ILRs per bulk write when a template change fans out to a programme's learners.
    template_batch_size: int = Field(300, validation_alias="ILR_TEMPLATE_BATCH")
    # Bulk writes as one multi-document transaction instead of version-docs-then-CAS.
    use_transactions: bool = Field(False, validation_alias="ILR_USE_TRANSACTIONS")
