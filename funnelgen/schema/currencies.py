"""ISO 4217: the currencies a price may be in, and what marketers write instead of their codes."""

from __future__ import annotations

_CODES = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
    BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
    GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR
    KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK
    MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR
    SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD
    TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
"""
ISO_4217 = frozenset(_CODES.split())
"""Active ISO 4217 codes of currencies (as of 2025), without the codes of funds, precious metals,
testing and 'no currency' (XAU, XTS, XXX, …), in which nothing is sold."""

SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "A$": "AUD",
           "AU$": "AUD", "C$": "CAD", "CA$": "CAD", "NZ$": "NZD", "R$": "BRL", "₩": "KRW", "₺": "TRY",
           "₽": "RUB", "₪": "ILS", "₱": "PHP", "₫": "VND", "₦": "NGN", "฿": "THB", "zł": "PLN", "Fr": "CHF",
           "Fr.": "CHF", "SFr": "CHF", "SFr.": "CHF", "sFr": "CHF", "sFr.": "CHF", "Kč": "CZK", "Ft": "HUF",
           "lei": "RON", "円": "JPY", "元": "CNY", "руб": "RUB", "руб.": "RUB", "₴": "UAH", "грн": "UAH",
           "ريال": "SAR", "ر.س": "SAR", "درهم": "AED", "د.إ": "AED", "₸": "KZT", "৳": "BDT", "₲": "PYG"}
"""Currency signs, and the code a price written with each most likely means."""

NAMES = {"dollar": "USD", "dollars": "USD", "usdollar": "USD", "euro": "EUR", "euros": "EUR",
         "pound": "GBP", "pounds": "GBP", "sterling": "GBP", "quid": "GBP", "yen": "JPY",
         "rupee": "INR", "rupees": "INR", "franc": "CHF", "francs": "CHF", "real": "BRL", "reais": "BRL",
         "peso": "MXN", "pesos": "MXN", "yuan": "CNY", "rmb": "CNY", "krona": "SEK", "kronor": "SEK",
         "krone": "NOK", "kroner": "NOK", "zloty": "PLN", "rand": "ZAR", "lira": "TRY",
         "nis": "ILS", "shekel": "ILS", "shekels": "ILS", "sheqel": "ILS", "riyal": "SAR", "dirham": "AED",
         "rupiah": "IDR", "ringgit": "MYR", "baht": "THB", "dong": "VND", "won": "KRW", "rouble": "RUB",
         "ruble": "RUB", "hryvnia": "UAH", "forint": "HUF", "koruna": "CZK", "naira": "NGN",
         "shilling": "KES"}
"""Names written instead of a code (lower case, without spaces or dots)."""


SHARED_SIGNS = {"kr": "SEK (Sweden), NOK (Norway), DKK (Denmark) or ISK (Iceland)",
                "kr.": "DKK (Denmark), SEK (Sweden), NOK (Norway) or ISK (Iceland)"}
"""Signs several currencies use: the codes to choose from."""


def code_meant(written: str) -> str | None:
    """The ISO code a sign, name or code in any case most likely means: '$' → 'USD',
    'Euro' → 'EUR', 'gbp' → 'GBP'; None if none."""
    plain = written.strip()
    if plain.upper() in ISO_4217:
        return plain.upper()
    if plain in SYMBOLS:
        return SYMBOLS[plain]
    return NAMES.get(plain.lower().replace(" ", "").replace(".", ""))
