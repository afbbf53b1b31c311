"""Settings of the programmes service (environment variables, pydantic-settings)."""

from __future__ import annotations

from pydantic import Field

from ilr_shared.settings import CommonSettings

DEFAULT_DATABASE = "programmes"
API_PREFIX = "/api/programmes"


class Settings(CommonSettings):
    service_name: str = "programmes"
    write_retries: int = Field(10, validation_alias="PROGRAMMES_WRITE_RETRIES")
