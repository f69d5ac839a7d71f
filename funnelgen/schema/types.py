"""Checked string types: every value a marketer types that ends up in a path, URL or CSS."""

from __future__ import annotations

import ast
import contextlib
import difflib
import functools
import inspect
import ipaddress
import itertools
import re
import textwrap
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import quote, unquote, urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Strict, WithJsonSchema

from funnelgen.incremental import ignored
from funnelgen.schema import currencies

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_SLUG = re.compile(SLUG_PATTERN)
# Spaces and characters that show nothing (no-break and ideographic spaces, soft hyphen, zero
# widths, direction marks), as Word and Docs paste them: never part of a URL, a slug or a name.
_CONTROL = re.compile(r"[\x00-\x20\x7f-\xa0\xad\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f"
                      r"\u3000\ufeff]")
_INVISIBLE = re.compile(r"[\xad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_FONT = re.compile(r"^[A-Za-z0-9 ,'\"-]+$")
_FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_\-\[\]]*$")
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")
LINK_SCHEMES = ("http", "https", "mailto", "tel")

Temperature = Literal["cold", "warm", "hot"]
CarryKey = Literal["temperature", "visitor_id", "utm_source", "utm_medium", "utm_campaign", "utm_content",
                   "utm_term"]
"""What the runtime can pass on to an email tool or a checkout."""
TEMPERATURES: tuple[Temperature, ...] = ("cold", "warm", "hot")


def field_doc(model: type[BaseModel], name: str) -> str | None:
    """The docstring written under field ``name`` of ``model`` (or of the class it comes from)."""
    for cls in model.__mro__:
        if issubclass(cls, BaseModel) and name in vars(cls).get("__annotations__", {}):
            return _attribute_docs(cls).get(name)
    return None


@functools.cache
def _attribute_docs(cls: type) -> dict[str, str]:
    """Each annotated attribute's docstring, read from the class's source when first asked for.
    (pydantic's `use_attribute_docstrings` reads them for every model at import: a tenth of a
    second of every build, for text only the reference, the JSON Schema and some messages show.)"""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError, SyntaxError):
        return {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    docs = {}
    for node, following in itertools.pairwise(body):
        if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                and isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)):
            docs[node.target.id] = inspect.cleandoc(following.value.value)
    return docs


def _describe_properties(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """JSON Schema: each property described by its field's docstring."""
    properties = schema.get("properties", {})
    for name, field in model.model_fields.items():
        doc = field_doc(model, name)
        target = properties.get(field.alias or name)
        if doc and isinstance(target, dict):
            target.setdefault("description", doc)


class Model(BaseModel):
    """Base of every model: unknown keys are errors, docstrings under fields document them
    (see `field_doc`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_describe_properties)

    lone_key: ClassVar[str | None] = None
    """The key a lone value written in place of these keys stands for (`cta: Buy now` is meant
    as `cta: {text: Buy now}`): an error there shows the keys to write."""


def shown(value: str) -> str:
    """A value quoted for a message, shortened so the message stays one readable line."""
    text = value if len(value) <= 60 else value[:57] + "..."
    return repr(text) if _CONTROL.search(text.replace(" ", "")) else f"'{text}'"


def slugify(value: str) -> str:
    """The nearest valid slug: 'Free Training!' → 'free-training', 'Güide' → 'guide', 'Straße'
    → 'strasse' ('' if nothing is left)."""
    spelt = value.translate(_LATIN_LETTERS)
    kept = "".join(_slug_char(c) for c in unicodedata.normalize("NFKD", spelt))  # ü → u and its dots
    plain = kept.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:MAX_SLUG].strip("-")


_LATIN_LETTERS = str.maketrans({"ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe",
                                "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ð": "d",
                                "Ð": "d", "þ": "th", "Þ": "th", "ı": "i", "ħ": "h", "Ħ": "h"})
"""Letters with no accent to take off, spelt in plain ones as their languages do."""


def _slug_char(char: str) -> str:
    """A character of a slug to be: letters, digits and accents stay (ASCII drops what is not
    a-z), a soft hyphen goes, anything else (a space, Word's dash '–') separates words."""
    kind = unicodedata.category(char)
    return "" if kind == "Cf" else char if kind[0] in "LMN" else "-"


MAX_SLUG = 64
"""The most characters a slug, a step id or a funnel file's name (without .yml) may have."""


def check_slug(value: str) -> str:
    if not _SLUG.fullmatch(value) or len(value) > MAX_SLUG:
        example = slugify(value) or "free-training"
        why = f"it is longer than {MAX_SLUG} characters" if _SLUG.fullmatch(value) else (
            "use lowercase letters, digits and single '-'")
        raise ValueError(f"{shown(value)} is not a valid slug: {why}, e.g. '{example}'")
    return value


def _scheme_of(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError(f"{shown(value)} contains spaces or invisible characters; remove them")
    if "\\" in value:  # browsers read it as '/': '/\\evil.example' leads to another site
        raise ValueError(f"{shown(value)} contains a backslash (\\); write / instead")
    return urlsplit(value).scheme.lower()


_HOST_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?")


def _address_meant(value: str) -> str | None:
    """`https://` + ``value`` when it is an address written without it (www.example.com/privacy)."""
    host = value.split("/", 1)[0].lower()
    ending = host.rsplit(".", 1)[-1]
    if ":" in value or "." not in host or not _HOST_NAME.fullmatch(host) or not ending.isalpha() \
            or ending in _FILE_ENDINGS:  # privacy.html is a file, not a host
        return None
    return "https://" + value


_PICTURE_NAME = re.compile(r"[\w.-]+\.(?:avif|gif|jpe?g|png|svg|webp)", re.I)
_FILE_ENDINGS = {"gif", "htm", "html", "jpeg", "jpg", "md", "pdf", "php", "png", "svg", "txt", "webp",
                 "yaml", "yml"}


def _or_address(value: str, otherwise: str) -> str:
    meant = _address_meant(value)
    return f"write {shown(meant)}" if meant else otherwise


_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")


def link_meant(value: str) -> str | None:
    """The link ``value`` was most likely meant as, when it cannot work as written: an email
    address as `mailto:`, an address without `https://`, a file of assets/ as a site path."""
    if _EMAIL.fullmatch(value):
        return "mailto:" + value
    if value.startswith("assets/"):
        return "/" + value
    return _address_meant(value)


def url_origin(value: str) -> str:
    """``scheme://host[:port]`` of an http(s) URL, the host in ASCII (IDNA): what a
    Content-Security-Policy names. Refuses any host that is not a plain domain name or IP
    address (a ';' or '*' in it would rewrite the policy), a bad port, and a user name."""
    parts = urlsplit(value)
    try:
        host, port = parts.hostname or "", parts.port
    except ValueError:
        raise ValueError(f"{shown(value)} has a port that is not a number from 1 to 65535") from None
    if "@" in parts.netloc:
        raise ValueError(f"{shown(value)} has a user name or password in it (before '@'); remove it")
    if parts.netloc.startswith("["):
        try:
            host = f"[{ipaddress.IPv6Address(host)}]"
        except ValueError:
            raise ValueError(f"{shown(value)} has an IPv6 address that is not valid") from None
    else:
        try:
            host = unquote(host).encode("idna").decode("ascii")  # as a browser reads '%C3%BC'
        except UnicodeError:
            host = "*"  # refused just below
        if not _HOST_NAME.fullmatch(host):
            raise ValueError(f"{shown(value)} has no valid domain name after '//': use letters, digits, "
                             "'-' and '.', e.g. https://cdn.example.com/photo.jpg")
    return f"{parts.scheme.lower()}://{host}" + (f":{port}" if port else "")


def check_link(value: str) -> str:
    """http(s), mailto, tel, a site-relative path (/…) or an anchor (#…)."""
    scheme = _scheme_of(value)
    if value.startswith("#") or (value.startswith("/") and not value.startswith("//")):
        return value
    if scheme in ("http", "https") and urlsplit(value).netloc:
        url_origin(value)
        return value
    if scheme in ("mailto", "tel") and len(value) > len(scheme) + 1:
        return value
    meant = link_meant(value)
    raise ValueError(f"{shown(value)} is not an allowed link: " + (f"write {shown(meant)}" if meant else
                     "write an https://, http://, mailto: or tel: URL, or a site path starting with /"))


def check_https(value: str) -> str:
    """An absolute https URL, as checkout and provider endpoints must be."""
    scheme = _scheme_of(value)
    if scheme == "http" and urlsplit(value).netloc:
        secure = "https" + value[len(scheme) :]
        raise ValueError(f"{shown(value)} is not secure: write {shown(secure)} instead")
    if scheme != "https" or not urlsplit(value).netloc:
        raise ValueError(f"{shown(value)} must be a full https:// URL: "
                         + _or_address(value, "e.g. https://buy.stripe.com/…"))
    url_origin(value)
    return value


def check_endpoint(value: str) -> str:
    """An https URL or a site path (/…): where the runtime posts events."""
    if value.startswith("/") and not value.startswith("//"):
        _scheme_of(value)  # refuses spaces and invisible characters
        return value
    if _scheme_of(value) == "http":
        return check_https(value)  # says to write https
    if _scheme_of(value) != "https" or not urlsplit(value).netloc:
        raise ValueError(f"{shown(value)} must be a full https:// URL or a site path such as /api/events")
    url_origin(value)
    return value


def check_base_url(value: str) -> str:
    parts = urlsplit(value)
    if _scheme_of(value) not in ("http", "https") or not parts.netloc:
        meant = _address_meant(value)
        example = (meant if meant.endswith("/") else meant + "/") if meant else "https://example.com/"
        raise ValueError(f"{shown(value)} must be the full address of the site, e.g. {example}")
    if parts.query or parts.fragment:
        raise ValueError(f"{shown(value)} must not contain '?' or '#'")
    folder = "/" + "/".join(part for part in parts.path.split("/") if part not in ("", "."))
    last = folder.rsplit("/", 1)[-1]
    if "." in last and last.rsplit(".", 1)[-1].lower() in _FILE_ENDINGS and not parts.path.endswith("/"):
        meant = f"{url_origin(value)}{folder.rsplit('/', 1)[0]}/"
        raise ValueError(f"{shown(value)} names a file, and every page's address would go on from it: "
                         f"write the folder the site is published in, {meant}")
    if "//" in parts.path:
        raise ValueError(f"{shown(value)} has '//' in its path, which every page's address would repeat: "
                         f"write {url_origin(value)}{folder.rstrip('/')}/")
    # As a browser writes it, and as canonical links, the sitemap and redirects must: the host in
    # ASCII (https://bücher.example/ is https://xn--bcher-kva.example/), the path percent-encoded.
    path = quote(parts.path, safe="/%!$&'()*+,;=:@~")
    return url_origin(value) + (path if path.endswith("/") else path + "/")


_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
_LANGUAGE_NAMES = {
    "arabic": "ar", "chinese": "zh", "czech": "cs", "danish": "da", "deutsch": "de", "dutch": "nl",
    "english": "en", "espanol": "es", "español": "es", "finnish": "fi", "francais": "fr",
    "français": "fr", "french": "fr", "german": "de", "greek": "el", "hebrew": "he", "hindi": "hi",
    "italian": "it", "italiano": "it", "japanese": "ja", "korean": "ko", "norwegian": "nb",
    "persian": "fa", "polish": "pl", "portuguese": "pt", "português": "pt", "russian": "ru",
    "spanish": "es", "swedish": "sv", "turkish": "tr", "ukrainian": "uk", "urdu": "ur",
    # three-letter codes (ISO 639-2) of languages that have a two-letter one, which browsers expect
    "ara": "ar", "chi": "zh", "dan": "da", "deu": "de", "dut": "nl", "eng": "en", "fin": "fi",
    "fra": "fr", "fre": "fr", "ger": "de", "heb": "he", "hin": "hi", "ita": "it", "jpn": "ja",
    "kor": "ko", "nld": "nl", "nor": "no", "pol": "pl", "por": "pt", "rus": "ru", "spa": "es",
    "swe": "sv", "tur": "tr", "ukr": "uk", "zho": "zh",
    # a country's code written for its language
    "jp": "ja", "cn": "zh", "gr": "el", "cz": "cs", "ua": "uk", "dk": "da", "vn": "vi", "gb": "en",
    "us": "en", "at": "de", "rs": "sr", "il": "he", "ir": "fa", "kp": "ko",
}
_OLD_CODES = {"iw", "ji", "in", "mo", "jw", "bh"}
"""Codes browsers still read for languages that have new ones (he, yi, id, ro, jv, bho)."""


def check_language(value: str) -> str:
    """A language tag (BCP 47) in the case it is usually written: tags are read in any case, so
    'EN' is 'en' and 'pt_br' is 'pt-BR' (a script is Title case, a region upper case)."""
    tag = value.strip().replace("_", "-")
    first, _, rest = tag.partition("-")
    if not _LANGUAGE.fullmatch(tag) or first.lower() in _LANGUAGE_NAMES or not _known_language(first):
        code = _LANGUAGE_NAMES.get(tag.lower()) or _LANGUAGE_NAMES.get(first.lower())
        example = f"write {code}{'-' + rest if rest and code else ''}" if code else \
            "write a language code, e.g. en, de or pt-BR"
        raise ValueError(f"{shown(value)} is not a language code: {example}")
    subtags = [first.lower()]
    for subtag in rest.split("-") if rest else []:
        if len(subtag) == 4 and subtag.isalpha():  # a script: Latn, Hant
            subtags.append(subtag.title())
        elif (len(subtag) == 2 and subtag.isalpha()) or (len(subtag) == 3 and subtag.isdigit()):  # a region
            subtags.append(subtag.upper())
        else:
            subtags.append(subtag.lower())
    return "-".join(subtags)


_TWO_LETTERS = """
    aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv
    dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie
    ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv
    mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm
    rn ro ru rw sa sc sd se sg sh si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr
    ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
"""
_TWO_LETTER_CODES = frozenset(_TWO_LETTERS.split())
"""The two-letter codes of languages (ISO 639-1, as the Unicode CLDR names them)."""


def _known_language(code: str) -> bool:
    """Whether a language has this code: a two-letter one of ISO 639-1, or any three-letter one
    (ISO 639-3 has thousands: prs, pnb, cmn)."""
    return len(code) == 3 or code.lower() in _TWO_LETTER_CODES or code.lower() in _OLD_CODES


def check_asset_path(value: str) -> str:
    """A file inside the site's assets/ folder, written relative to the site folder."""
    _scheme_of(value)
    parts = value.split("/")
    if (
        not value.startswith("assets/")
        or "\\" in value
        or any(p in ("", ".", "..") for p in parts)
    ):
        raise ValueError(
            f"{shown(value)} must be a file inside the site's assets folder, e.g. assets/photo.jpg"
        )
    return _plain_file_name(value)


def _plain_file_name(value: str) -> str:
    """Refuse names a URL would read differently ('%2e%2e' is '..') or no file system can hold."""
    if any(c in value for c in "%?#"):
        raise ValueError(f"{shown(value)} has '%', '?' or '#' in it, which a web address reads "
                         "differently; rename the file without them")
    if len(value.encode()) > 1024 or any(len(p.encode()) > 255 for p in value.split("/")):
        raise ValueError(f"{shown(value)} is too long for a file name; use a shorter one")
    return value


def check_image_src(value: str) -> str:
    """A local asset path (assets/…) or a remote https image."""
    scheme = _scheme_of(value)
    if scheme in ("http", "https"):
        return check_https(value)
    if not value.startswith("assets/"):
        name = value.rsplit("/", 1)[-1]
        local = f"put the file in the site's assets folder and write {shown('assets/' + name)}" \
            if ":" not in value and _PICTURE_NAME.fullmatch(name) else \
            "write a file in the assets folder (e.g. assets/photo.jpg)"
        raise ValueError(f"{shown(value)} is not an image the site can use: "
                         + _or_address(value, f"{local} or an https:// URL"))
    return check_asset_path(value)


def check_content_path(value: str) -> str:
    """A Markdown file inside the site's content/ folder."""
    parts = value.split("/")
    if (
        not value.startswith("content/")
        or "\\" in value
        or any(p in ("", ".", "..") for p in parts)
        or not value.endswith(".md")
    ):
        meant = _content_path_meant(value)
        fix = f": write '{meant}'" if meant else ", e.g. content/story.md"
        if meant and not value.strip().endswith(".md"):
            fix += " (and end the file's name in .md, in small letters)"
        raise ValueError(f"{shown(value)} must be a Markdown file inside the content folder{fix}")
    if passed_over := next((part for part in parts if ignored(part)), None):
        raise ValueError(f"{shown(value)}: '{passed_over}' is named like a hidden file or an editor's "
                         "backup, which funnelgen never reads: rename it")
    return _plain_file_name(value)


def _content_path_meant(value: str) -> str | None:
    """The content path a Windows or shell habit wrote otherwise (`content\\intro.md`,
    `./content/intro.md`, `Content/intro.md`, `content//intro.md`, a space at the end); None
    when it is not such a path."""
    parts = [p for p in value.strip().replace("\\", "/").split("/") if p not in ("", ".")]
    if len(parts) < 2 or parts[0].lower() != "content" or ".." in parts:
        return None
    if not parts[-1].lower().endswith(".md"):
        return None
    return "/".join(["content", *parts[1:-1], parts[-1][:-3] + ".md"])


def check_color(value: str) -> str:
    if not _COLOR.fullmatch(value):
        if _COLOR.fullmatch("#" + value.strip()):  # 1d4ed8
            raise ValueError(f"{shown(value)} is not a colour: write a '#' before it, in quotes: "
                             f"\"#{value.strip()}\"")
        raise ValueError(f"{shown(value)} is not a colour: write a hex colour in quotes, e.g. \"#1f6feb\"")
    return value


_CSS_HEX = re.compile(r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
_CSS_FUNCTION = re.compile(r"(?i)(?:rgba?|hsla?)\(\s*[-+0-9.]+(?:%|deg|turn|rad|grad)?"
                           r"(?:\s*[,/\s]\s*[-+0-9.]+(?:%|deg|turn|rad|grad)?){2,3}\s*\)")
_CSS_NAMES = """
    aliceblue antiquewhite aqua aquamarine azure beige bisque black blanchedalmond blue blueviolet brown
    burlywood cadetblue chartreuse chocolate coral cornflowerblue cornsilk crimson cyan darkblue darkcyan
    darkgoldenrod darkgray darkgreen darkgrey darkkhaki darkmagenta darkolivegreen darkorange darkorchid
    darkred darksalmon darkseagreen darkslateblue darkslategray darkslategrey darkturquoise darkviolet
    deeppink deepskyblue dimgray dimgrey dodgerblue firebrick floralwhite forestgreen fuchsia gainsboro
    ghostwhite gold goldenrod gray green greenyellow grey honeydew hotpink indianred indigo ivory khaki
    lavender lavenderblush lawngreen lemonchiffon lightblue lightcoral lightcyan lightgoldenrodyellow
    lightgray lightgreen lightgrey lightpink lightsalmon lightseagreen lightskyblue lightslategray
    lightslategrey lightsteelblue lightyellow lime limegreen linen magenta maroon mediumaquamarine
    mediumblue mediumorchid mediumpurple mediumseagreen mediumslateblue mediumspringgreen
    mediumturquoise mediumvioletred midnightblue mintcream mistyrose moccasin navajowhite navy oldlace
    olive olivedrab orange orangered orchid palegoldenrod palegreen paleturquoise palevioletred
    papayawhip peachpuff peru pink plum powderblue purple rebeccapurple red rosybrown royalblue
    saddlebrown salmon sandybrown seagreen seashell sienna silver skyblue slateblue slategray slategrey
    snow springgreen steelblue tan teal thistle tomato turquoise violet wheat white whitesmoke yellow
    yellowgreen transparent currentcolor
"""
CSS_COLOR_NAMES = frozenset(_CSS_NAMES.split())


def is_css_color(value: str) -> bool:
    """A colour CSS reads: #rgb, #rgba, #rrggbb, #rrggbbaa, rgb()/rgba()/hsl()/hsla() of numbers, a name."""
    named = value.lower() in CSS_COLOR_NAMES
    return named or bool(_CSS_HEX.fullmatch(value) or _CSS_FUNCTION.fullmatch(value))


def css_color_problem(value: str) -> str | None:
    """What is wrong with a value that must be a CSS colour, and what to write; None if it is one."""
    if is_css_color(value):
        return None
    near = difflib.get_close_matches(value.lower().replace(" ", ""), sorted(CSS_COLOR_NAMES), n=1)
    hint = f"did you mean '{near[0]}'? Or write" if near and not value.startswith("#") else "write"
    return (f"{shown(value)} is not a colour: {hint} a hex colour in quotes (\"#1d4ed8\"), rgb(…), hsl(…) "
            "or a colour name such as navy")


def check_currency(value: str) -> str:
    """An ISO 4217 code; in lower case too ('eur' is read as 'EUR')."""
    meant = currencies.code_meant(value)
    if meant and meant == value.strip().upper():
        return meant
    if meant:
        raise ValueError(f"{shown(value)} is not a currency code: write '{meant}'")
    if (choices := currencies.SHARED_SIGNS.get(value.strip())) is not None:
        raise ValueError(f"{shown(value)} is not a currency code: write {choices}")
    codes = sorted(currencies.ISO_4217)
    near = [c for c in codes if sorted(c) == sorted(value.upper())] or difflib.get_close_matches(
        value.upper(), codes, n=1)  # letters swapped ('UDS') first
    hint = f"did you mean '{near[0]}'? Or write" if near else "write"
    raise ValueError(f"{shown(value)} is not a currency code: {hint} the three letters of ISO 4217, "
                     "such as USD, EUR or GBP")


def unclosed_in_css(value: str) -> str | None:
    """What a value would leave open in the page's one-line stylesheet (a quote, a bracket),
    swallowing every rule after it; None when everything it opens it closes."""
    depth = 0
    quote = ""
    for char in value:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return "a ')' with no '(' before it"
    if quote:
        return f"a quote ({quote}) that is never closed"
    return "a '(' that is never closed" if depth else None


def check_font(value: str) -> str:
    unclosed = unclosed_in_css(value)
    if unclosed:
        raise ValueError(f"{shown(value)} has {unclosed}, which would break the page's whole stylesheet; "
                         "close it or remove it")
    if not _FONT.fullmatch(value):
        raise ValueError(
            f"{shown(value)} is not a font: write 'sans', 'serif', 'rounded', 'mono' or a list of "
            "installed font names such as 'Georgia, serif'"
        )
    return value


def check_field_name(value: str) -> str:
    if not _FIELD_NAME.fullmatch(value) or len(value) > 64:
        raise ValueError(
            f"{shown(value)} is not a form field name: start with a letter, then use letters, "
            "digits, '_' or '-'"
        )
    return value


def is_blank(value: str) -> bool:
    """Shows nothing: only spaces, or characters that have no width (a zero-width space, a soft
    hyphen pasted from Word)."""
    return not _INVISIBLE.sub("", value).strip()


def check_text(value: str) -> str:
    """Text a page shows where it must show something: a headline, a button, a name."""
    if is_blank(value):
        raise ValueError("this is empty, and the page would show nothing here: write the text")
    return value


def check_item(value: str) -> str:
    """An item of a list a page shows (a benefit, a next step)."""
    if is_blank(value):
        raise ValueError("this item is empty, and the page would show an empty line in the list: "
                         "write the text, or delete the line")
    return value


def check_override(value: str) -> str:
    """Copy shown instead of the base copy to visitors of one temperature."""
    if is_blank(value):
        raise ValueError("this is empty, and visitors of this temperature would see nothing here: "
                         "write the text, or delete the line to show them the base copy")
    return value


def check_label(value: str) -> str:
    """Text in place of a default one (a button's label, a heading): never empty."""
    if is_blank(value):
        raise ValueError("this is empty, and the page would show nothing in its place: write the text, "
                         "or delete the line to show the default")
    return value


def check_target(value: str) -> str:
    """Where a link goes: a step id in this funnel, or a URL."""
    if _SLUG.fullmatch(value):
        return value
    return check_link(value)


class NotAStep(ValueError):
    """A step's `next` written as a URL or another funnel's path (`https://…`, `webinar/register`):
    `next` names a step of the same funnel. validate.py says which steps there are."""

    def __init__(self, value: str) -> None:
        self.value = value
        super().__init__(self.message(None))

    def message(self, steps: list[str] | None) -> str:
        """What to write instead, naming the funnel's ``steps`` when they are known."""
        value, listed = self.value, f" (steps: {', '.join(steps)})" if steps else ""
        to = "an https:// URL or a site path such as /webinar/register/"
        path = value.strip("/")
        if ":" in value:  # https://…, mailto:…
            with contextlib.suppress(ValueError):
                to = shown(check_link(value))
        elif all(_SLUG.fullmatch(part) for part in path.split("/")):  # webinar/register: a funnel's step
            to = shown(f"/{path}/")
        return (f"{shown(value)} is not a step id: next is the id of a step in this same funnel{listed}; "
                f"to lead to another funnel or site, add a link: links: [{{text: …, to: {to}}}]")


def check_next(value: object) -> object:
    """A step's `next`, before it is checked as a slug: a URL or path is not a step id."""
    if isinstance(value, str) and ("/" in value or ":" in value):
        raise NotAStep(value)
    return value


def is_step_ref(value: str) -> bool:
    return bool(_SLUG.fullmatch(value))


@dataclass(frozen=True)
class Kind:
    """A checked type's value in words: how the reference names it, and what a message about a
    missing key suggests writing after `key: `."""

    name: str
    example: str = "…"


def kind_of(metadata: Iterable[Any]) -> Kind | None:
    """The Kind among a field's or a type's metadata, if it has one."""
    return next((meta for meta in metadata if isinstance(meta, Kind)), None)


def _string(pattern: str | None = None, fmt: str | None = None) -> WithJsonSchema:
    schema: dict[str, str] = {"type": "string"}
    if pattern:
        schema["pattern"] = pattern
    if fmt:
        schema["format"] = fmt
    return WithJsonSchema(schema)


WholeNumber = Annotated[int, Strict()]
"""A number as written: YAML's true and false are not 1 and 0."""
Slug = Annotated[str, AfterValidator(check_slug), _string(SLUG_PATTERN),
                 Kind("slug (a-z, 0-9, -)", "my-step")]
Text = Annotated[str, AfterValidator(check_text), _string("\\S")]
ItemText = Annotated[str, AfterValidator(check_item), _string("\\S")]
"""An item of a list of text: never empty (a line '- ' or '- ""' left in by mistake)."""
OverrideText = Annotated[str, AfterValidator(check_override), _string("\\S")]
Label = Annotated[str, AfterValidator(check_label), _string("\\S")]
TEXT_CHECKS = (check_text, check_item, check_override, check_label)
"""The checks of text that shows as written: they refuse only empty text."""
Link = Annotated[str, AfterValidator(check_link), _string(),
                 Kind("link (https://, mailto:, tel: or /path)", "https://…")]
HttpsUrl = Annotated[str, AfterValidator(check_https), _string("^https://", "uri"),
                     Kind("https URL", "https://…")]
Endpoint = Annotated[str, AfterValidator(check_endpoint), _string("^(https://|/(?!/))")]
BaseUrl = Annotated[str, AfterValidator(check_base_url), _string("^https?://", "uri"),
                    Kind("URL", "https://example.com/")]
Language = Annotated[str, AfterValidator(check_language), _string("^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")]
AssetPath = Annotated[str, AfterValidator(check_asset_path), _string("^assets/"),
                      Kind("file (assets/…)", "assets/…")]
ImageSrc = Annotated[str, AfterValidator(check_image_src), _string("^(assets/|https://)"),
                     Kind("image (assets/… or https URL)", "assets/photo.jpg")]
ContentPath = Annotated[str, AfterValidator(check_content_path), _string("^content/.*\\.md$"),
                        Kind("file (content/….md)", "content/….md")]
Color = Annotated[str, AfterValidator(check_color), _string(_COLOR.pattern), Kind("hex colour", '"#1f6feb"')]
Currency = Annotated[str, AfterValidator(check_currency), _string(_CURRENCY.pattern)]
FontStack = Annotated[str, AfterValidator(check_font), _string(), Kind("font")]
FieldName = Annotated[str, AfterValidator(check_field_name), _string(_FIELD_NAME.pattern), Kind("field name")]
Target = Annotated[str, AfterValidator(check_target), _string(), Kind("step id or link", "<step id>")]
