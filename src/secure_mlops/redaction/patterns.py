"""What secrets and PII look like: the detectors' regexes and the cheap gates in front of them.

Speed comes from not running a regex at all on most lines. CPython's `re` spends 5-30 ns on every
position it tries, so a regex that may start anywhere costs microseconds per log line even when
nothing matches, while a literal search (`"@" in line`) costs nanoseconds. So every detector has a
gate: a substring it cannot match without (`@`, `eyJ`, `-----BEGIN`), or, for numbers, a literal
in the line's *shape* (digits as 9, capitals as A, lowercase as a: `4111 1111 1111 1111` has the
shape `9999 9999 9999 9999`). Only a line that passes a gate meets that detector's regex.

The regexes are ASCII (`re.ASCII`), except the e-mail one: a digit class must not accept other
scripts' digits, which Luhn cannot read. A candidate that needs a check (Luhn, mod-97, a digit
count, the IP parser) is confirmed by its handler in `redactor.py`.
"""

from __future__ import annotations

import re
from typing import Final

from secure_mlops.redaction.damage import ASCII_DAMAGED, CONTROL_MARK

# --- gates -----------------------------------------------------------------------------------

# The control bytes `damage.py` counts as damaged become one mark, so one `in` on the shape
# (computed for the number gate anyway) tells a line with a stray byte from a clean one.
SHAPE_TABLE: Final = bytes.maketrans(
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" + ASCII_DAMAGED,
    b"9" * 10 + b"A" * 26 + b"a" * 26 + CONTROL_MARK.encode() * len(ASCII_DAMAGED),
)


def shape_of(text: str) -> str:
    """Digits as 9, capitals as A, lowercase as a, control bytes as NUL; other characters kept
    (non-ASCII ones mangled, which does not matter for a gate on ASCII shapes)."""
    return text.encode("utf-8", "replace").translate(SHAPE_TABLE).decode("latin-1")


# A number-shaped secret or PII contains one of these (or matches a shape regex below). They are
# chosen so that the shapes of benign lines (ISO timestamps, UUIDs, hex ids, floats) do not.
NUMBER_SHAPES: Final = (
    "9999999999999",  # a card without separators (13+ digits)
    "9 999",  # digit groups split by spaces: cards, 555 123 4567, 030 1234567, 020 7946 0958
    "9-999999",  # 4-6-5 cards with dashes, 0171-2345678 (UUID groups never hold six digits)
    "9999-9999-9999",  # 4-4-4-4 cards with dashes
    "999-99-9999",  # US SSN, also dotted (spaced ones have "9 999")
    "999.99.9999",
    "999-999-9999",  # North American phone numbers
    "9-9999-9999",  # 070-9201-8605
    "9999999999",  # 07700900123
    "999.999.9999",
    "(999)",
    "(99",  # an area code with its trunk 0: (030) 1234567
    "99 99 99 99",  # 06 12 34 56 78
    "99.99.99.99",
    "AA99",  # an IBAN's country code and check digits
)
IPV4_SHAPE: Final = re.compile(r"\.9{1,3}\.9{1,3}\.9")
INTL_PHONE_SHAPE: Final = re.compile(r"\+9(?:[ .()\-]{0,2}9){7}")
# Every Vault token has a `.` and 24+ token characters after it. A regex that starts with a
# literal jumps between the `.`s at memchr speed.
VAULT_HINT: Final = re.compile(r"\.[A-Za-z0-9_\-]{24}")
# An IPv6 address holds `::` or, written out, three `hex:` groups in a row after a colon, which
# clock times (`12:03:55`) do not.
IPV6_HINT: Final = re.compile(r":(?::|[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:)")
# A MAC address holds five `:` or five `-` (counted first, at C speed), with two hex pairs between
# three of them, or a dotted hex quad: a clock time (`12:03:55`) or a date (`2026-12-05`) has one
# separator too few. One hint per separator, each starting with its literal: an alternation would
# stop at every `:`, `-` and `.` of a line and cost microseconds.
MAC_COLON_HINT: Final = re.compile(r":[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}:", re.ASCII)
MAC_DASH_HINT: Final = re.compile(r"-[0-9A-Fa-f]{2}-[0-9A-Fa-f]{2}-", re.ASCII)
MAC_DOT_HINT: Final = re.compile(r"\.[0-9A-Fa-f]{4}\.", re.ASCII)


def mac_hinted(text: str) -> bool:
    """Whether `text` may hold a MAC address (MAC below decides)."""
    return bool(
        (text.count(":") >= 5 and MAC_COLON_HINT.search(text))
        or (text.count("-") >= 5 and MAC_DASH_HINT.search(text))
        or MAC_DOT_HINT.search(text)
    )

# The literals each detector needs, found in one pass by triggers.py. A detector not named here
# has a gate of its own below (a shape, or a regex starting with a literal).
LITERALS: Final[dict[str, tuple[str, ...]]] = {
    "private_key": ("-----BEGIN",),
    "url": ("://",),
    "email": ("@",),
    "bearer": ("earer", "EARER"),
    "basic": ("asic", "ASIC"),
    "cli_password": ("-password",),
    "client_password": ("mysql", "mariadb", "mongo", "sshpass", "redis-cli", "ldap", "sqlcmd", "curl"),
    "service_key": (
        "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "sk_live_", "rk_live_", "sk_test_",
        "rk_test_", "xoxa-", "xoxb-", "xoxe-", "xoxo-", "xoxp-", "xoxr-", "xoxs-", "xapp-", "AIza", "sk-",
    ),
    "jwt": ("eyJ",),
    "aws_key": ("AKIA", "ASIA"),
    "sql_insert": ("INSERT", "insert", "Insert"),
}

# --- detectors -------------------------------------------------------------------------------

# Numbers in one regex. It starts with a class so the engine only stops at `0-9 + (`, and a
# lookbehind right after drops digits inside a number or a lowercase word (hex ids) at once.
# A match is only that first character: the number itself is a group in a lookahead, so a
# candidate that fails its check (`00 2000 0000 000006` is no phone number) does not hide the
# ones that start inside it (a card from `2000` on); the handler reads the group's end.
NUMBERS: Final = re.compile(
    r"""
    [0-9+(] (?<![0-9a-z_.].)
    (?=
        (?<=\+) (?<![A-Za-z0-9+].)
        # +CC and 7-14 more digits (E.164 allows 15), spaces, dots, dashes, brackets between.
        (?P<phone_intl> [0-9] (?:[ .()\-]{0,2}[0-9]){7,14} (?![0-9]) )
    |
        (?<=\()
        (?:
            (?P<phone_us_paren>
                [2-9][0-9]{2}\)[ ]?[0-9]{3}[ .\-][0-9]{4} (?!(?!x[0-9])[A-Za-z0-9_]|[.\-][0-9])
            )
        |
            # An area code with its trunk 0 in brackets: (030) 1234567, (02) 9123 4567.
            (?P<phone_paren_national>
                0[1-9][0-9]{0,4}\)[ ]?[0-9]{3,8}(?:[ \-][0-9]{2,8}){0,2} (?!(?!x[0-9])[A-Za-z0-9_]|[.\-][0-9])
            )
        )
    |
        # A number at the start of a token.
        (?<=[0-9]) (?<![A-Za-z0-9_.].)
        (?:
            # 13-19 digits from a card network (2-6), plain or grouped; Luhn decides.
            (?<=[2-6])
            (?P<card>
                (?:[0-9]{12,18}|[0-9]{3}(?:[ \-][0-9]{3,6}){2,4}) (?![A-Za-z0-9_]|\.[0-9])
            )
        |
            # Area 000, 666 and 9xx, group 00 and serial 0000 are never issued.
            # Separated by `-`, a space or a dot, the same one twice.
            (?<=[0-8])
            (?P<ssn>
                [0-9]{2} (?<!000)(?<!666) (?P<ssn_separator>[\-. ])(?!00)[0-9]{2}(?P=ssn_separator)
                (?!0000)[0-9]{4} (?![A-Za-z0-9_]|[\-.][0-9])
            )
        |
            # North American: NPA-NXX-XXXX with the area code 2-9, optionally 1 in front.
            (?P<phone_us>
                (?:
                    (?<=1)[ .\-]?(?:\([2-9][0-9]{2}\)[ ]?|[2-9][0-9]{2}[ .\-])
                |   (?<=[2-9])[0-9]{2}[ .\-]
                )
                [0-9]{3}[ .\-][0-9]{4} (?!(?!x[0-9])[A-Za-z0-9_]|[.\-][0-9])
            )
        |
            # National with a trunk 0: 030 1234567, 0171-2345678, 06 12 34 56 78, 070-9201-8605,
            # 07700900123; or international after 00: 0049 30 1234567. The handler counts the
            # digits. Not after `:`, `/` or `-` (times, dates, paths).
            (?<=0) (?<![:/\-].)
            (?P<phone_national>
                (?: [1-9](?:[ .][0-9]{2}){4} | [0-9]{1,4}[ \-][0-9]{3,8}(?:[ \-][0-9]{2,8}){0,3}
                |   [1-9][0-9]{8,10} | 0[ ]?[1-9][0-9]{0,2}(?:[ .\-]?[0-9]){6,12} )
                (?!(?!x[0-9])[A-Za-z0-9_]|[.\-][0-9])
            )
        |
            (?P<ipv4> [0-9]{0,2}(?:\.[0-9]{1,3}){3} (?![A-Za-z0-9_]|\.[0-9]) )
        )
    |
        # An IBAN, anchored on its first check digit: country code and check digits, then 11-30
        # letters and digits in groups of four or not; mod-97 decides.
        (?<=[A-Z][A-Z][0-9]) (?<![A-Za-z0-9]...)
        (?P<iban> [0-9](?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})? (?![A-Za-z0-9]) )
    )
    """,
    re.ASCII | re.VERBOSE,
)

# An IBAN in lowercase (`de89 3704 ...`, `gb82west...`), which NUMBERS (anchored on digits that
# start a token) does not see: a country code starting a token, check digits, then as in NUMBERS.
# The gate is its shape at a token start; mod-97 decides.
# (It starts with its literal, which the engine finds at memchr speed, and looks back from there.)
IBAN_LOWER_SHAPE: Final = re.compile(r"aa99(?<![A-Za-z9_]....)(?:[ ]?[Aa9]{4}){2}")
IBAN_LOWER: Final = re.compile(
    r"(?<![A-Za-z0-9_])[a-z]{2}[0-9]{2}(?:[ ]?[a-z0-9]{4}){2,7}(?:[ ]?[a-z0-9]{1,3})?(?![A-Za-z0-9])",
    re.ASCII,
)
# A phone number's extension: `x1234`, `ext. 12`, `ext 12`, `#12`, `;ext=12`.
PHONE_EXTENSION: Final = re.compile(
    r"[ ]?(?:[xX]|[eE]xt\.?|EXT\.?|[eE]xtension|#|;ext=)[ ]?[0-9]{1,6}(?![A-Za-z0-9_])", re.ASCII
)

# Not ASCII-only: internationalized addresses (`zoë@exämple.de`) are PII too.
EMAIL: Final = re.compile(
    r"(?<![\w.%+\-])[\w%+\-][\w.%+\-]*@[\w\-]+(?:\.[\w\-]+)*\.[^\W\d_]{2,}(?![\w\-])"
)
# `scheme://user:` and perhaps part of a password right before an e-mail-shaped candidate: it is
# (the rest of) a URL password and a host.
URL_USERINFO_END: Final = re.compile(r"://[^\s:/?#@]*:(?![0-9]{1,5}(?:[/?#]|\Z))[^\s@]*\Z")
# scheme://user:password@host: only the password goes. A user cannot hold a raw `:/?#@`; a
# password written unescaped may hold `/?#:` (but not start as a port does: `host:8080/x?a=b@c`).
URL_PASSWORD: Final = re.compile(
    r"(?<![A-Za-z0-9+.\-])[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/?#@]*:"
    r"(?P<password>(?![0-9]{1,5}(?:[/?#]|@?\s|\Z))[^\s@]+)@",
    re.ASCII,
)
BEARER: Final = re.compile(
    r"(?<![A-Za-z0-9])[Bb](?:earer|EARER)[ \t]+(?P<token>[A-Za-z0-9._~+/\-]+=*)", re.ASCII
)
JWT: Final = re.compile(
    r"(?<![A-Za-z0-9_\-])eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]{2,}\.[A-Za-z0-9_\-]*", re.ASCII
)
AWS_KEY_ID: Final = re.compile(
    r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])", re.ASCII
)
# An AWS secret access key: 40 characters of base64 with upper and lower case letters and a
# digit. It has no prefix, so it counts only on a line that holds an access key id.
AWS_SECRET: Final = re.compile(
    r"(?<![A-Za-z0-9+/])(?=[A-Za-z0-9+/]{0,39}[0-9])(?=[A-Za-z0-9+/]{0,39}[a-z])(?=[A-Za-z0-9+/]{0,39}[A-Z])"
    r"[A-Za-z0-9+/]{40}(?![A-Za-z0-9+/=])",
    re.ASCII,
)
# Vault service/batch/recovery tokens (hvs./hvb./hvr.); Vault's legacy and OpenBao's s./b. ones.
VAULT_TOKEN: Final = re.compile(
    r"(?<![A-Za-z0-9_.\-])(?:hv[sbr]\.[A-Za-z0-9_\-]{24,}|[sb]\.[A-Za-z0-9]{24,})"
    r"(?![A-Za-z0-9_\-])",
    re.ASCII,
)
# Candidates only; `ipaddress` decides. Clock times never have `::` or seven colons, and the hex
# after a `%` is a percent-escape (`%5B::%5D` is `[::]`).
IPV6: Final = re.compile(
    # Not inside a run of hex groups; after a field's name and a colon (`IP:2a02::1`), yes: a
    # name that ends in a letter past `f`, or in three letters not all hex.
    r"(?:(?<![A-Za-z0-9_:.%])|(?<=[G-Zg-z]:)|(?<=[A-Za-z]{3}:)(?<![0-9A-Fa-f]{3}:))"
    r"(?=[0-9A-Fa-f:.]*::|(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f])"
    r"[0-9A-Fa-f:.]{2,45}(?![A-Za-z0-9_:])",
    re.ASCII,
)

# MAC-48: six hex pairs joined by one `:` or `-` throughout, or Cisco's three dotted quads. Not
# inside a longer run of groups (an IPv6 address has eight, or `::`), and a dotted form needs a
# letter: `2026.1205.0001` is a version or an id far more often than a MAC address.
MAC: Final = re.compile(
    # Not inside a run of hex groups; after a field's name and a colon (`Mac:00:1a:...`), yes.
    r"(?:(?<![0-9A-Za-z_:.\-])|(?<=[A-Za-z]{3}:))"
    r"(?:[0-9A-Fa-f]{2}([:\-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}"
    r"|(?=[0-9.]{0,13}[A-Fa-f])[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})"
    r"(?![0-9A-Za-z_:]|[.\-][0-9A-Za-z])",
    re.ASCII,
)
# HTTP Basic credentials: base64 of `user:password` (RFC 7617); the handler decodes to confirm.
# Also a few words on, after `=` or `:` (`basic auth header=dXNlcjpwYXNz`).
BASIC: Final = re.compile(
    r"(?<![A-Za-z0-9])[Bb](?:asic|ASIC)(?:(?:[ \t]+[A-Za-z\-]{1,20}){1,3}[ \t]*[=:][ \t]*|[ \t]+)"
    r"(?P<credentials>[A-Za-z0-9+/]{4,}={0,2})(?![A-Za-z0-9+/=])",
    re.ASCII,
)
# `--password VALUE` (also `--db-password`), quoted or one shell word, or `+`/`%20`-joined in a
# URL-encoded command line. Not `--no-password` (a switch: the word after it is no password), not
# `-p` (a port as often as a password), and not a next flag (`--password --verbose`).
# `--password=VALUE` is a `password` key (keys.py).
_NOT_A_FLAG: Final = r"[^\s\"'\\\-]"
_ANY_FIRST: Final = r"[^\s\"'\\]"


def _shell_word(suffix: str = "", first: str = _NOT_A_FLAG) -> str:
    """A shell word as a flag's value: quoted (the quotes stay) or bare, starting with `first`
    (by default not a `-`: that is the next flag); its groups end in `suffix`."""
    return (
        rf"(?:'(?P<single{suffix}>[^'\r\n]+)'|\"(?P<double{suffix}>[^\"\r\n]+)\""
        rf"|(?P<word{suffix}>{first}[^\s\"'\\]*))"
    )


CLI_PASSWORD: Final = re.compile(
    r"(?<![A-Za-z0-9_\-])--(?!no-)(?:[a-z0-9]+-)*password"
    rf"(?:[ \t]+{_shell_word()}"
    r"|(?:\+|%20)(?P<encoded>[^\s&+\-][^\s&+\"]*))",
    re.ASCII,
)

# Keys that services issue, by the prefix and length each service documents (the rule sets of
# secret scanners such as gitleaks name the same shapes). The prefix marks the secret, so no check
# is needed; a word that only starts like one (`ghp_docs`, `sk-video`) is too short to match.
# Stripe's `pk_` keys are publishable (they ship in web pages) and stay.
SERVICE_KEY: Final = re.compile(
    r"(?<![A-Za-z0-9_\-])(?:"
    r"(?P<github_token>gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59,})"
    r"|(?P<slack_token>xox[abeoprs]-(?:[0-9]+-){1,3}[A-Za-z0-9]{8,}|xapp-[0-9]+-[A-Z0-9]+-[0-9]+-[a-z0-9]{16,})"
    r"|(?P<stripe_key>[rs]k_(?:live|test)_[A-Za-z0-9]{16,247})"
    r"|(?P<google_api_key>AIza[A-Za-z0-9_\-]{35})"
    # Project, service-account and admin keys embed `T3BlbkFJ` ("OpenAI" in base64); legacy
    # keys are 48 letters and digits.
    r"|(?P<openai_key>sk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_\-]{20,}T3BlbkFJ[A-Za-z0-9_\-]{20,}"
    r"|sk-[A-Za-z0-9]{48})"
    r")(?![A-Za-z0-9_\-])",
    re.ASCII,
)


# Clients that take a password in a short flag, only after the client's name: elsewhere `-p` is a
# port (`ssh -p 2222`), parents (`mkdir -p`) or a compiler flag. mysql's `-pSECRET` (`-p SECRET`
# asks for the password and names a database, but is written by mistake often enough to redact;
# a number after it is a port), mongo's `-p`, `sshpass -p`, `redis-cli -a`, the LDAP tools' `-w`,
# sqlcmd's `-P`, and the password of curl's `-u user:password`.
CLIENT_PASSWORD: Final = re.compile(
    r"(?<![A-Za-z0-9_\-])(?:"
    r"(?:mysql(?:dump|admin|import|check)?|mariadb(?:-dump|-admin)?)(?=[ \t])[^|;&\r\n]*?[ \t]-p(?P<attached>[^\s'\"\-][^\s'\"]*)"
    # `-p` of mysql and mongo may stand alone (then it asks): a next word that is a flag is none.
    r"|(?:mysql(?:dump|admin|import|check)?|mariadb(?:-dump|-admin)?|mongo(?:sh|dump|restore|import|export)?)"
    rf"(?=[ \t])[^|;&\r\n]*?[ \t]-p[ \t]+(?![0-9]+(?![^\s\"'\\])){_shell_word()}"
    # These flags always take the next word, even one that starts with `-`.
    r"|(?:sshpass[ \t]+-p|redis-cli(?=[ \t])[^|;&\r\n]*?[ \t]-a"
    r"|ldap(?:search|modify|add|delete|passwd|compare)(?=[ \t])[^|;&\r\n]*?[ \t]-w"
    rf"|sqlcmd(?=[ \t])[^|;&\r\n]*?[ \t]-P)[ \t]+{_shell_word('_arg', first=_ANY_FIRST)}"
    r"|curl(?=[ \t])[^|;&\r\n]*?[ \t](?:-u|--user)[ \t]+['\"]?[^\s:'\"]+:(?P<userinfo>[^\s'\"]+)"
    r")",
    re.ASCII,
)

_PEM_KIND: Final = r"[A-Z0-9 ]*PRIVATE KEY[A-Z0-9 ]*-----"
# What a PEM body line holds: base64, or an RFC 1421 header (`Proc-Type: 4,ENCRYPTED`).
_PEM_BODY: Final = r"(?:[A-Za-z0-9+/=]+|(?:Proc-Type|DEK-Info):[^\r\n]*)"
PEM_BEGIN: Final = re.compile("-----BEGIN" + _PEM_KIND)
PEM_END: Final = re.compile("-----END" + _PEM_KIND)
PEM_BODY_LINE: Final = re.compile(rf"[ \t]*{_PEM_BODY}?[ \t]*\r?\n?")
# A private key up to its END marker; without one (a key cut off), the rest of the BEGIN line and
# the body lines after it. Keys are under 16 KiB (RSA-8192 is ~6.5 KiB); the bound keeps a text
# full of unmatched BEGIN markers from costing quadratic time.
PRIVATE_KEY: Final = re.compile(
    rf"-----BEGIN{_PEM_KIND}(?:(?s:.{{0,16384}}?)-----END{_PEM_KIND}"
    rf"|[^\r\n]*(?:(?:\r?\n[ \t]*)+{_PEM_BODY}[ \t]*(?=\r?\n|\Z))*)"
)
