"""Prices and dates as readers of the site's language write them (`language:` in site.yml).

`€1,299.50` in English is `1.299,50 €` in German and `€ 1.299,50` in Brazilian Portuguese: a
German reader takes `€1,299` for about one euro. Formats come from the Unicode CLDR, through
Babel; a language CLDR does not know is written as its main language is (`de-XX` as `de`), else
as English.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

from funnelgen.schema.blocks import Webinar

if TYPE_CHECKING:
    from babel import Locale


@cache
def locale_of(language: str) -> Locale:
    """The CLDR locale of a language tag as site.yml holds it (`pt-BR`, `de`, `zh-Hant-TW`).
    Babel is imported only when a page shows a price or a date: with its data, it takes 40 ms."""
    from babel import Locale, UnknownLocaleError

    tag = language.replace("-", "_")
    for candidate in (tag, tag.split("_")[0]):
        try:
            return Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse("en")


def money(amount: Decimal | int | float, currency: str, language: str = "en") -> str:
    """47 USD → '$47'; 1299.5 EUR → '€1,299.50' in English, '1.299,50 €' in German; a whole
    amount without its zeros ('€1,999'), other amounts with the currency's own decimals (JPY
    none, KWD three)."""
    return _money(Decimal(str(amount)), currency, language)  # a template may pass a float


@cache
def _money(amount: Decimal, currency: str, language: str) -> str:
    from babel.numbers import format_currency

    locale = locale_of(language)
    pattern = locale.currency_formats["standard"].pattern
    if amount == amount.to_integral_value():
        text = format_currency(amount, currency, re.sub(r"\.0+", "", pattern), locale=locale,
                               currency_digits=False)
    else:
        text = format_currency(amount, currency, pattern, locale=locale)
    # CLDR's currency spacing, which Babel leaves out: 'CHF 90', not 'CHF90'
    return re.sub(r"(?<=[^\W\d])(?=\d)|(?<=\d)(?=[^\W\d])", "\u00a0", text)


def event_time(webinar: Webinar, language: str = "en") -> str:
    """When a webinar starts: 'Tuesday, December 10, 2030, 7:00 PM CET', or 'Dienstag, 10.
    Dezember 2030, 19:00 CET' in German. The zone is its abbreviation where it has one, else its
    offset ('UTC+3')."""
    return _event_time(webinar.start(), language)


@cache
def _event_time(start: datetime, language: str) -> str:
    from babel.dates import format_date, format_time, get_datetime_format

    locale = locale_of(language)
    date = format_date(start, "full", locale=locale)
    time = format_time(start, "short", locale=locale)
    both = str(get_datetime_format("full", locale=locale)).replace("'", "")  # '{1}, {0}': date, time
    return f"{both.format(time, date)} {zone_label(start)}"


def zone_label(moment: datetime) -> str:
    """'CET', 'EST', 'JST'; 'UTC+3' or 'UTC-3:30' for a zone known only by its offset."""
    name = moment.tzname() or ""
    if name.isalpha():
        return name
    offset = moment.utcoffset()
    minutes = round(offset.total_seconds() / 60) if offset is not None else 0
    if minutes == 0:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'+' if minutes > 0 else '-'}{hours}{f':{rest:02}' if rest else ''}"
