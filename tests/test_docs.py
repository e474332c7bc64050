"""The configuration samples a user copies from work as they are and name every key."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from monitor.config import Agency, Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]


def _keys(data: dict, prefix: str = "") -> set[str]:
    keys = set()
    for key, value in data.items():
        keys.add(prefix + key)
        if isinstance(value, dict):
            keys |= _keys(value, f"{prefix}{key}.")
    return keys


def _uncommented(text: str) -> str:
    """The sample with its commented-out keys (「# level = …」) switched on."""
    return re.sub(r"^# (\w+ = )", r"\1", text, flags=re.M)


def _expected_keys() -> set[str]:
    keys = {"agency"}
    for section, field in Settings.model_fields.items():
        if section in {"agency", "source", "base_dir"}:
            continue
        keys.add(section)
        keys |= {f"{section}.{name}" for name in field.annotation.model_fields}  # type: ignore[union-attr]
    return keys


def test_the_readme_sample_parses_and_names_every_key(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [sample] = re.findall(r"```toml\n(.*?)```", readme, flags=re.S)
    path = tmp_path / "monitor.toml"
    path.write_text(sample, encoding="utf-8")
    assert load_settings(path).agency[0].id == "weibin-office"
    data = tomllib.loads(_uncommented(sample))
    assert _keys({k: v for k, v in data.items() if k != "agency"}) | {"agency"} == _expected_keys()
    assert set(data["agency"][0]) == set(Agency.model_fields)


def test_the_deploy_sample_loads_and_names_every_key():
    path = ROOT / "deploy" / "monitor.sample.toml"
    settings = load_settings(path)
    assert [a.id for a in settings.agency] == ["weibin", "weibin-office"]
    assert settings.database.url == f"sqlite:///{ROOT / 'deploy' / 'data' / 'monitor.db'}"
    data = tomllib.loads(_uncommented(path.read_text(encoding="utf-8")))
    assert _keys({k: v for k, v in data.items() if k != "agency"}) | {"agency"} == _expected_keys()
    assert set().union(*(set(a) for a in data["agency"])) == set(Agency.model_fields)
