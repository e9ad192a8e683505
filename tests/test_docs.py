"""The documentation site builds with warnings as errors, and the README links only to pages that exist."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_docs_build_without_warnings(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_docs.py"), "--site-dir", str(tmp_path)],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    api = (tmp_path / "api" / "index.html").read_text()
    # The reference comes from the docstrings, the native module's (through its stubs) included.
    assert "Trains a byte-level BPE tokenizer" in api and "train_superword" in api
    assert "PatternError" in api
    for page in ("guides/superword", "guides/rustbpe", "guarantees", "performance"):
        assert (tmp_path / page / "index.html").exists()


def test_readme_links_point_at_pages_that_exist():
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\((docs/[^)#]+)", readme)
    assert len(links) >= 10
    for link in links:
        assert (ROOT / link).exists(), link
