"""The fast path for YAML written one JSON record a line (benchmarks/generate.py's layout): it reads exactly
what the event reader reads, and leaves every file it cannot read the same way to the event reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from survgraph.loaders import records

SAME = {
    "scalars, lists and a nested mapping": (
        'claims:\n  - {"type": "A", "n": 1.5, "m": -0, "b": true, "z": null, "l": ["a", "b"],'
        ' "d": {"amount": 5, "currency": "USD"}}\n'
    ),
    "text beyond ASCII": 'claims:\n  - {"a": "\u00fc \u65e5\u672c"}\n',
    "several sections, one repeated, one empty": (
        'claims:\n  - {"a": 1}\nentities:\n  - {"id": "vendor:x"}\nclaims:\n'
    ),
    "a huge integer": 'claims:\n  - {"a": 12345678901234567890}\n',
    "blank lines, YAML punctuation inside quotes": 'claims:\n\n  - {"a": "q: r, s # t &u *v !w"}\n',
}
LEFT = {
    "an exponent (text in YAML 1.1)": 'claims:\n  - {"a": 1e5}\n',
    "an exponent with a dot": 'claims:\n  - {"a": 1.0e+5}\n',
    "NaN": 'claims:\n  - {"a": NaN}\n',
    "a field given twice": 'claims:\n  - {"a": 1, "a": 2}\n',
    "a backslash escape": 'claims:\n  - {"a": "x\\ny"}\n',
    "an unknown section": 'bogus:\n  - {"a": 1}\n',
    "a comment": 'claims:\n  - {"a": 1} # c\n',
    "deep nesting": 'claims:\n  - {"a": [[[[[[1]]]]]]}\n',
    "a character YAML refuses": 'claims:\n  - {"a": "\x7f"}\n',
    "a CR line break": 'claims:\n  - {"a": "x"}\r\n',
    "a block record": "claims:\n  - type: A\n",
    "no section": '  - {"a": 1}\n',
}


def _read(path: Path, monkeypatch: pytest.MonkeyPatch, *, flat: bool) -> tuple[list[object], list[str]]:
    with monkeypatch.context() as m:
        if not flat:
            m.setattr(records, "_read_flat", lambda name, text: None)
        got, problems = records.read_yaml(path)
    return [(r.section, r.data, r.line, r.line_of("a")) for r in got], [str(p) for p in problems]


@pytest.mark.parametrize("text", list(SAME.values()), ids=list(SAME))
def test_fast_path_reads_what_the_event_reader_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    assert records._read_flat(str(path), text) is not None
    assert _read(path, monkeypatch, flat=True) == _read(path, monkeypatch, flat=False)


@pytest.mark.parametrize("text", list(LEFT.values()), ids=list(LEFT))
def test_fast_path_leaves_other_files_to_the_event_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    path = tmp_path / "r.yaml"
    path.write_bytes(text.encode("utf-8"))
    assert records._read_flat(str(path), path.read_bytes().decode("utf-8")) is None
    assert _read(path, monkeypatch, flat=True) == _read(path, monkeypatch, flat=False)
