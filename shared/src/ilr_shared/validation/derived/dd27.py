"""DD27: the provider is a publicly funded organisation (organisation data)."""

from __future__ import annotations

from collections.abc import Callable

from ..registry import derived_data

# ORG_Details: UKPRN -> LegalOrgType (None when the UKPRN is not known).
LegalOrgTypeLookup = Callable[[int], str | None]

PUBLIC_LEGAL_ORG_TYPES = frozenset(
    {"USFC", "USDC", "USAH", "USAD", "UGFE", "UHEO", "ULEA", "ULAD", "USCL", "LAFB", "UFES", "SSPS"}
)


@derived_data("DD27")
def publicly_funded_provider(ukprn: int | None, legal_org_type: LegalOrgTypeLookup) -> bool:
    """DD27: the provider's LegalOrgType is one of the publicly funded types."""
    if ukprn is None:
        return False
    found = legal_org_type(ukprn)
    return found is not None and found.upper() in PUBLIC_LEGAL_ORG_TYPES
