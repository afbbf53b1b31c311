"""Settings of the export service (environment variables, see CommonSettings)."""

from __future__ import annotations

from pydantic import Field

from ilr_shared.settings import CommonSettings


class Settings(CommonSettings):
    service_name: str = "export-service"

    # Header/Source of every file.
    software_supplier: str = Field("ILR Platform", validation_alias="ILR_EXPORT_SOFTWARE_SUPPLIER")
    software_package: str = Field("ILR Platform", validation_alias="ILR_EXPORT_SOFTWARE_PACKAGE")
    software_release: str = Field("0.1.0", validation_alias="ILR_EXPORT_RELEASE")
    # File names, FilePreparationDate and DateTime are in UK local time.
    timezone: str = Field("Europe/London", validation_alias="ILR_EXPORT_TIMEZONE")

    # Job worker: a claimed job is leased; another instance takes it over once it expires.
    lease_s: float = Field(60.0, validation_alias="ILR_EXPORT_LEASE")
    poll_interval_s: float = Field(2.0, validation_alias="ILR_EXPORT_POLL_INTERVAL")
    max_attempts: int = Field(3, validation_alias="ILR_EXPORT_MAX_ATTEMPTS")
    batch_size: int = Field(500, validation_alias="ILR_EXPORT_BATCH")
    # Processes that run the validation rules beside the XML thread (0: on the XML thread).
    rule_processes: int = Field(1, validation_alias="ILR_EXPORT_RULE_PROCESSES", ge=0)
    # BatchSubmitted events carry at most this many records each (NATS payloads are <= 1 MB).
    submitted_chunk: int = Field(5000, validation_alias="ILR_EXPORT_SUBMITTED_CHUNK")
    # Before building, wait (at most this long) for the projection to hold every ILR change
    # committed before the job started: the ILR service is asked whether the tenant's events
    # have all left its outbox, then the stream is caught up on.
    projection_sync_timeout_s: float = Field(30.0, validation_alias="ILR_EXPORT_SYNC_TIMEOUT")
    # The return calendar (R01-R14 per year) as JSON; unset: the packaged 2025/26 + 2026/27 one.
    return_calendar: str | None = Field(None, validation_alias="ILR_RETURN_CALENDAR")
