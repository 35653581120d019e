"""A self-contained HTML report of a validation result, for the KFP UI.

KFP shows HTML artifacts in a sandboxed iframe, often offline: the page loads nothing (no
script, stylesheet, font or image; the only CSS is in a `<style>` element) and its own
Content-Security-Policy forbids loading anything anyway. Every text is escaped. The page shows
what the result holds (check names, column names, counts, statistics) and therefore no value
from the data.
"""

from __future__ import annotations

from collections.abc import Collection
from html import escape

from secure_mlops.validation.result import ValidationResult

_CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1f2328; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 1.5em; }
.banner { padding: .6em .9em; border-radius: 4px; font-weight: 600; }
.banner.pass { background: #dafbe1; } .banner.fail { background: #ffebe9; }
table { border-collapse: collapse; margin-top: .5em; }
th, td { border: 1px solid #d0d7de; padding: .3em .6em; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.pass .status { color: #1a7f37; } .fail .status { color: #cf222e; font-weight: 600; }
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def render_html(result: ValidationResult, *, title: str) -> str:
    """The whole page: summary, every check, and the drift table when a reference was given."""
    drift = [c for c in result.checks if c.name == "drift"]
    profile = result.profile
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="banner {_state(result.success)}">{escape(result.summary())}</p>',
        f"<p>Contract {escape(profile.contract_name)} version {escape(profile.contract_version)}; "
        f"{profile.row_count} rows; {len(result.failures())} of {len(result.checks)} checks "
        "failed.</p>",
        "<h2>Checks</h2>",
        _table(["Status", "Check", "Column", "Detail"],
               [(c.success, [c.name, c.column or "(table)", c.detail])
                for c in result.checks if c.name != "drift"]),
    ]
    if drift:
        parts += [
            "<h2>Drift against the reference</h2>",
            _table(["Status", "Column", "Statistic", "Detail"],
                   [(c.success, [c.column or "(row count)", _number(c.statistic), c.detail])
                    for c in drift],
                   numeric={1}),
        ]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _table(headers: list[str], rows: list[tuple[bool, list[str]]], *,
           numeric: Collection[int] = ()) -> str:
    """Rows of (success, cells); a status cell comes first. `numeric`: indices into cells."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = []
    for success, cells in rows:
        tds = "".join(f'<td class="num">{escape(v)}</td>' if i in numeric else f"<td>{escape(v)}</td>"
                      for i, v in enumerate(cells))
        body.append(f'<tr class="{_state(success)}"><td class="status">'
                    f'{"pass" if success else "FAIL"}</td>{tds}</tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _state(success: bool) -> str:
    return "pass" if success else "fail"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"
