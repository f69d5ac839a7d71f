"""What each email tool expects of an opt-in form: its field names."""

from __future__ import annotations

# funnelgen's field name → the name the provider's form endpoint reads.
FIELD_NAMES: dict[str, dict[str, str]] = {
    "convertkit": {"email": "email_address", "first_name": "fields[first_name]",
                   "last_name": "fields[last_name]"},
    "mailchimp": {"email": "EMAIL", "first_name": "FNAME", "last_name": "LNAME", "phone": "PHONE"},
    "activecampaign": {"first_name": "firstname", "last_name": "lastname"},
}

AUTOCOMPLETE = {
    "email": "email", "name": "name", "first_name": "given-name", "last_name": "family-name",
    "phone": "tel", "company": "organization", "website": "url",
    # as the email tools name them, when a form is written with their names
    "email_address": "email", "fname": "given-name", "lname": "family-name", "firstname": "given-name",
    "lastname": "family-name", "full_name": "name", "phone_number": "tel", "mobile": "tel",
}


def field_name(provider: str, name: str) -> str:
    """The name a form input must carry for ``provider`` to read it."""
    return FIELD_NAMES.get(provider, {}).get(name, name)


def autocomplete(name: str, kind: str) -> str | None:
    """A browser autofill hint for a field, so phones fill it in one tap."""
    guess = AUTOCOMPLETE.get(name.lower().replace("-", "_"))
    return guess or ("email" if kind == "email" else "tel" if kind == "tel" else None)


# What each provider calls the hidden fields that carry temperature, visitor id and UTM,
# so leads can be tagged in the email tool (create these custom fields there).
CARRY_KEYS = ("temperature", "visitor_id", "utm_source", "utm_medium", "utm_campaign", "utm_content",
            "utm_term")
CARRY_FIELD_NAMES: dict[str, dict[str, str]] = {
    "convertkit": {key: f"fields[{key}]" for key in CARRY_KEYS},
    "mailchimp": {"temperature": "TEMP", "visitor_id": "VISITORID", "utm_source": "UTMSOURCE",
                  "utm_medium": "UTMMEDIUM", "utm_campaign": "UTMCAMPAIG", "utm_content": "UTMCONTENT",
                  "utm_term": "UTMTERM"},
    "activecampaign": {key: f"field[%{key.upper()}%]" for key in CARRY_KEYS},
}


def carry_field_name(provider: str, key: str) -> str:
    """The hidden field name that carries ``key`` (temperature, visitor_id, utm_*) to ``provider``."""
    return CARRY_FIELD_NAMES.get(provider, {}).get(key, key)
