"""What each email tool expects of an opt-in form: its field names."""

from __future__ import annotations

# funnelgen's field name → the name the provider's form endpoint reads.
FIELD_NAMES: dict[str, dict[str, str]] = {
    "convertkit": {"email": "email_address", "first_name": "first_name"},
    "mailchimp": {"email": "EMAIL", "first_name": "FNAME", "last_name": "LNAME", "phone": "PHONE"},
    "activecampaign": {"first_name": "firstname", "last_name": "lastname"},
}

AUTOCOMPLETE = {
    "email": "email", "name": "name", "first_name": "given-name", "last_name": "family-name",
    "phone": "tel", "company": "organization", "website": "url",
}


def field_name(provider: str, name: str) -> str:
    """The name a form input must carry for ``provider`` to read it."""
    return FIELD_NAMES.get(provider, {}).get(name, name)


def autocomplete(name: str, kind: str) -> str | None:
    """A browser autofill hint for a field, so phones fill it in one tap."""
    return AUTOCOMPLETE.get(name) or ("email" if kind == "email" else "tel" if kind == "tel" else None)
