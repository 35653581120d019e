"""One finding of the live audit: a deployed setting compared with the repository's intent."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal


@dataclass(frozen=True)
class LiveCheck:
    """`expected` and `found` are short sentences a reader can compare; neither ever holds a
    secret (key material, tokens): only names, flags, numbers and policy paths or statement ids.

    `control` is the id in policies/controls.yaml whose intent the check compares with.
    """

    id: str
    title: str
    target: str  # vault:<path> or s3://<bucket>
    status: Literal["pass", "fail"]
    expected: str
    found: str
    control: str

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def verdict(ok: bool) -> Literal["pass", "fail"]:
    return "pass" if ok else "fail"
