"""`rookery admin add-rule` and `rookery admin set-document`: what admins write from the command
line lands where GET /api/v1/instance/rules and the document endpoints read it."""

from __future__ import annotations

import asyncio
import datetime as dt
import pathlib

import pytest

from rookery.workloads.bootstrap import build
from rookery.workloads.commands import admin
from rookery.workloads.domain.instance import TERMS_OF_SERVICE
from rookery.workloads.settings import Settings


def test_rules_and_documents_from_the_command_line(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    assert admin(["add-rule", "Be kind", "--hint", "Always.", "--data-dir", str(data)]) == 0
    assert "added rule" in capsys.readouterr().out
    terms = tmp_path / "terms.txt"
    terms.write_text("Be nice.\n")
    assert admin(["set-document", "terms_of_service", "--file", str(terms), "--effective-date", "2026-02-01",
                  "--data-dir", str(data)]) == 0  # fmt: skip
    assert admin(["add-rule", "   ", "--data-dir", str(data)]) == 2
    assert "text can't be blank" in capsys.readouterr().err
    assert admin(["set-document", "privacy_policy", "--file", str(tmp_path / "missing.txt"),
                  "--data-dir", str(data)]) == 2  # fmt: skip

    async def read() -> tuple[list[str], object]:
        container = build(Settings(data_dir=data), ("accounts",))
        assert container.accounts is not None and container.accounts.instance is not None
        await container.start()
        try:
            rules = [r.text for r in await container.accounts.instance.rules()]
            return rules, await container.accounts.instance.document(TERMS_OF_SERVICE)
        finally:
            await container.close()

    rules, document = asyncio.run(read())
    assert rules == ["Be kind"]
    assert document is not None and document.text == "Be nice."  # type: ignore[attr-defined]
    assert document.effective_date == dt.date(2026, 2, 1)  # type: ignore[attr-defined]
