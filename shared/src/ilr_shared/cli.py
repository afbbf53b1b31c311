"""`ilr-token`: mints a development bearer token signed with ILR_JWT_SECRET."""

from __future__ import annotations

from typing import Annotated

import typer

from ilr_shared.auth import Role, mint_token
from ilr_shared.settings import CommonSettings

app = typer.Typer(add_completion=False, help=__doc__)


@app.command()
def main(
    tenant: Annotated[str, typer.Option(help="The provider's UKPRN")] = "10000001",
    role: Annotated[list[Role], typer.Option(help="Repeat for several roles")] = [Role.ADMIN],  # noqa: B006
    sub: Annotated[str, typer.Option(help="The user id")] = "dev-admin",
    learner_id: Annotated[str | None, typer.Option(help="For a learner: their ILR id")] = None,
    hours: Annotated[int, typer.Option(help="Lifetime in hours")] = 8,
) -> None:
    settings = CommonSettings()
    typer.echo(
        mint_token(
            settings.jwt_secret.get_secret_value(),
            sub=sub,
            tenant=tenant,
            roles=[r.value for r in role],
            learner_id=learner_id,
            ttl_s=hours * 3600,
        )
    )


if __name__ == "__main__":
    app()
