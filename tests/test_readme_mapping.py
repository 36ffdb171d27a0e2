"""The README's mapping file example is a mapping file that says what the README says."""

from __future__ import annotations

from pathlib import Path

from carerdesk.core import mapping
from carerdesk.export.mapped import shipped

README = Path(__file__).parents[1] / "README.md"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("### Another system's spreadsheet")
    return text[start : text.index("\n## ", start)]


def test_the_example_mapping_loads_as_described() -> None:
    section = _section()
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    loaded = mapping.loads(example, "README")
    targets = {column.source: column.target for column in loaded.columns}
    assert targets == {"Client Name": "full_name", "Sex": "gender", "NI Number": None}
    sex = loaded.columns[1]
    assert dict(sex.values) == {"F": "female"}  # "X" is not mapped yet
    assert dict(loaded.constants) == {"consent_store": "yes"}
    made = mapping.apply(loaded, {"Client Name": "FAIRBROTHER, Zoë", "Sex": "X", "NI Number": "QQ"})
    assert made == {
        "carers": {
            "first_name": "Zoë",
            "last_name": "FAIRBROTHER",
            "gender": "X",
            "consent_store": "yes",
        }
    }


def test_the_shipped_mappings_are_those_the_readme_names() -> None:
    section = _section()
    assert shipped() == ["civicrm", "salesforce"]
    for name in shipped():
        assert f"`--mapping {name}`" in section
