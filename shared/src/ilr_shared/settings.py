"""Settings every service shares, read from environment variables (pydantic-settings)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class CommonSettings(BaseSettings):
    """Connection, auth and messaging settings; each service extends this."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    service_name: str = "ilr-platform"
    nats_url: str = Field("nats://127.0.0.1:4222", validation_alias="NATS_URL")
    mongodb_url: str = Field(
        "mongodb://127.0.0.1:27017/?directConnection=true", validation_alias="MONGODB_URL"
    )
    mongodb_database: str | None = Field(None, validation_alias="MONGODB_DATABASE")

    jwt_secret: SecretStr = Field(
        SecretStr("dev-only-secret-change-me-0123456789abcdef"), validation_alias="ILR_JWT_SECRET"
    )
    jwt_algorithm: str = Field("HS256", validation_alias="ILR_JWT_ALGORITHM")
    jwt_jwks_url: str | None = Field(None, validation_alias="ILR_JWT_JWKS_URL")
    jwt_issuer: str | None = Field(None, validation_alias="ILR_JWT_ISSUER")
    jwt_audience: str | None = Field(None, validation_alias="ILR_JWT_AUDIENCE")

    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")
    log_json: bool = Field(True, validation_alias="LOG_JSON")

    # Consumer delivery policy: attempts before a message is dead-lettered, and back-off.
    max_deliveries: int = Field(8, validation_alias="ILR_MAX_DELIVERIES")
    retry_base_delay_s: float = Field(0.5, validation_alias="ILR_RETRY_BASE_DELAY")
    retry_max_delay_s: float = Field(30.0, validation_alias="ILR_RETRY_MAX_DELAY")
    ack_wait_s: float = Field(30.0, validation_alias="ILR_ACK_WAIT")
    consumer_batch_size: int = Field(64, validation_alias="ILR_CONSUMER_BATCH")
    # longest wait to fill a batch, and events of one batch handled at once per consumer
    consumer_batch_wait_s: float = Field(0.5, gt=0, validation_alias="ILR_CONSUMER_BATCH_WAIT")
    consumer_concurrency: int = Field(16, ge=1, validation_alias="ILR_CONSUMER_CONCURRENCY")
    max_event_bytes: int = Field(1_048_576, validation_alias="ILR_MAX_EVENT_BYTES")

    outbox_poll_interval_s: float = Field(0.2, validation_alias="ILR_OUTBOX_POLL_INTERVAL")

    def database_name(self, default: str) -> str:
        return self.mongodb_database or default
