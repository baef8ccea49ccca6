"""The manifest of a run directory: the sha256 of every artefact, and the spec bundle.

`manifest.json` is written last, after the results, the reports, the scores and the copy of
the policy. It lists every file of the directory but itself with its sha256, and the spec bundle
the scores were made under (its version, digest and the sha256 of each of its files, so the
copy of the policy can be traced to the digest). It is written in one canonical form, so a
changed byte in the manifest itself is found too: `accredit verify` re-checks all of it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import accredit
from accredit.specs import SpecBundle

__all__ = [
    "MANIFEST_FILE",
    "MANIFEST_VERSION",
    "artefact_files",
    "canonical_manifest",
    "sha256_file",
    "write_manifest",
]

MANIFEST_FILE = "manifest.json"
MANIFEST_VERSION = 1
_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """Return the sha256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def artefact_files(directory: Path) -> list[str]:
    """Return every file under `directory` but the manifest, as sorted relative POSIX paths."""
    return sorted(
        p.relative_to(directory).as_posix()
        for p in directory.rglob("*")
        if p.is_file() and p.relative_to(directory).as_posix() != MANIFEST_FILE
    )


def canonical_manifest(document: Mapping[str, Any]) -> bytes:
    """Return the one byte form a manifest is written in."""
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=True) + "\n"
    return text.encode("ascii")


def write_manifest(directory: Path, specs: SpecBundle) -> Path:
    """Write `manifest.json` into `directory` for every file now in it; return its path."""
    document = {
        "manifest_version": MANIFEST_VERSION,
        "harness_version": accredit.__version__,
        "algorithm": "sha256",
        "spec_bundle": {
            "version": specs.version,
            "digest": specs.digest,
            "files": dict(sorted(specs.files.items())),
        },
        "artefacts": {name: sha256_file(directory / name) for name in artefact_files(directory)},
    }
    path = directory / MANIFEST_FILE
    path.write_bytes(canonical_manifest(document))
    return path
