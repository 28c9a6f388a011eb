"""Where feature-extractor weights live and how a name finds them: the package's shipped
weights (`weights_dir`) and the user's own, trained by ``python -m
genjax.evaluation.train_classifier`` into the user cache (``$GENJAX_CACHE/extractors/<name>/``,
default cache ``~/.cache/genjax``) or into any folder. `find_user_extractor` resolves a
name, a path or the data source an extractor was trained on (its provenance, recorded
in the JSON beside the weights); `resolve_extractor_flag` checks a command line's
``--extractor`` before any work; `write_record` and `data_fingerprint` write what they
read. `genjax.evaluation.classifier` loads what they find (and re-exports these names).
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import os
import pathlib
import re

import numpy as np

TRAIN_COMMAND = "python -m genjax.evaluation.train_classifier --dataset={dataset}"


def weights_dir():
    """Where the package keeps its shipped weights (a `Traversable`, maybe inside a zip)."""
    return importlib.resources.files("genjax.evaluation").joinpath("weights")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- the user's own extractors: a cache folder per name, or any folder by path ----------

CACHE_ENV = "GENJAX_CACHE"
ARRAY_SOURCES = ("npz:", "npy:", "csv:")


def cache_root() -> pathlib.Path:
    """genjax's user cache: ``$GENJAX_CACHE``, else ``~/.cache/genjax`` (never the
    package's folder, which is read-only under a normal install)."""
    return pathlib.Path(os.environ.get(CACHE_ENV) or "~/.cache/genjax").expanduser()


def extractors_dir() -> pathlib.Path:
    """Where `train_classifier` keeps trained extractors: ``cache_root()/extractors``,
    one folder ``<name>/`` holding ``<name>.npz`` and ``<name>.json`` per extractor."""
    return cache_root() / "extractors"


def normalize_source(source: str) -> str:
    """A data source with its file made absolute (``npz:~/d.npz`` -> ``npz:/home/u/d.npz``),
    so that a record written in one folder matches a lookup made from another.

    >>> normalize_source("npz:/data/../data/d.npz"), normalize_source("mnist")
    ('npz:/data/d.npz', 'mnist')
    """
    if source.startswith(ARRAY_SOURCES):
        kind, _, path = source.partition(":")
        return f"{kind}:{os.path.abspath(os.path.expanduser(path))}"
    return source


def extractor_name(source: str) -> str:
    """A file-system-safe default name for an extractor trained on ``source``.

    >>> extractor_name("fashion_mnist"), extractor_name("npz:/data/my digits.npz")
    ('fashion_mnist', 'my_digits')
    """
    if source.startswith(ARRAY_SOURCES):
        source = pathlib.Path(source.partition(":")[2]).stem
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", source).strip("._")
    return name or "extractor"


def _is_path(value: str) -> bool:
    """A path, as opposed to a name: has a folder separator, starts with ``~`` or ``.``,
    or ends in ``.npz``/``.json`` (a folder in the working directory is ``./name``)."""
    return (
        os.sep in value
        or "/" in value
        or value.startswith(("~", "."))
        or value.endswith((".npz", ".json"))
    )


def _records(directory: pathlib.Path) -> list[str]:
    """Names ``x`` with both ``x.npz`` and ``x.json`` in ``directory``."""
    if not directory.is_dir():
        return []
    return sorted(p.stem for p in directory.glob("*.npz") if p.with_suffix(".json").is_file())


def cached_extractors() -> list[str]:
    """Names of the extractors in the user cache (`extractors_dir`)."""
    root = extractors_dir()
    return (
        [p.name for p in sorted(root.iterdir()) if p.name in _records(p)] if root.is_dir() else []
    )


def find_user_extractor(name_or_path: str) -> tuple[pathlib.Path, str] | None:
    """``(directory, stem)`` of the user's weights ``name_or_path`` names, or None for a
    name that is not the user's (then the package's weights are looked up).

    - a path: a ``.npz`` or ``.json`` file (its pair beside it), or a folder holding one
      ``<x>.npz`` and ``<x>.json`` pair (as ``train_classifier --out=DIR`` writes);
    - a data source ``npz:PATH`` (``npy:``, ``csv:``): the newest cached extractor whose
      record says it was trained on that file (what ``--extractor=auto`` asks for);
    - a name: ``extractors_dir()/<name>/``, unless the package ships weights of that name.

    Raises:
      FileNotFoundError: a path with no weights there, or a data source no cached
        extractor was trained on (the message gives the command that trains one).
    """
    if name_or_path.startswith(ARRAY_SOURCES):
        source, found = normalize_source(name_or_path), []
        for name in cached_extractors():
            try:
                info = json.loads((extractors_dir() / name / f"{name}.json").read_text())
            except (OSError, ValueError):  # a half-written record is not a match
                continue
            if isinstance(info, dict) and info.get("data_source") == source:
                found.append((info.get("date", ""), name))
        if not found:
            raise FileNotFoundError(
                f"no feature extractor trained on {source} in {extractors_dir()} (there: "
                f"{cached_extractors()}). Train one with:\n  "
                f"{TRAIN_COMMAND.format(dataset=source)}"
            )
        name = max(found)[1]
        return extractors_dir() / name, name
    if _is_path(name_or_path):
        path = pathlib.Path(name_or_path).expanduser().absolute()
        if path.suffix in (".npz", ".json") and path.with_suffix(".npz").is_file():
            return path.parent, path.stem
        pairs = _records(path)
        if len(pairs) == 1:
            return path, pairs[0]
        what = f"{len(pairs)} weights ({pairs}); name the .npz file" if pairs else "no weights"
        raise FileNotFoundError(
            f"feature extractor {name_or_path!r}: {what} at {path} (expected a <name>.npz with "
            f"its <name>.json, as {TRAIN_COMMAND.format(dataset='...')} --out=DIR writes)"
        )
    if weights_dir().joinpath(f"{name_or_path}.npz").is_file():
        return None
    if name_or_path in _records(extractors_dir() / name_or_path):
        return extractors_dir() / name_or_path, name_or_path
    return None


def resolve_extractor_flag(value: str | None) -> str | None:
    """The ``--extractor`` flag of ``experiments.evaluate``/``compare``, checked before any
    work: ``None``/``""``/``"none"`` -> None (skip sample quality), ``"auto"`` and
    ``"inception"`` as they are, a path -> its absolute form, a name -> itself once
    found among the shipped or cached extractors.

    Raises:
      FileNotFoundError: one line naming what is available and how to train one, or
        for ``"inception"`` without fetched weights, the command that fetches them.

    >>> resolve_extractor_flag("none"), resolve_extractor_flag("fashion_mnist")
    (None, 'fashion_mnist')
    """
    if value is None or value.strip() in ("", "none"):
        return None
    value = value.strip()
    if value == "inception":
        from genjax.evaluation.inception.weights import find_weights

        find_weights()  # asked for by name: missing weights are an error, not a skip
        return value
    if value == "auto":
        return value
    found = find_user_extractor(value)
    if found is not None:
        return str(found[0] / f"{found[1]}.npz") if _is_path(value) else value
    if weights_dir().joinpath(f"{value}.npz").is_file():
        return value
    raise FileNotFoundError(
        f"--extractor={value}: no such feature extractor (shipped: "
        f"{_records(pathlib.Path(str(weights_dir())))}, in {extractors_dir()}: "
        f"{cached_extractors()}); give a path, or train one with "
        f"{TRAIN_COMMAND.format(dataset='SOURCE')} --name={value}"
    )


# --- writing a record: the weights and their provenance -------------------------------


def write_record(data: bytes, info: dict, out_dir: str, name: str) -> tuple[str, str]:
    """Writes the weights ``data`` as ``<name>.npz`` and ``info`` (plus the npz's name,
    size and sha256) as ``<name>.json`` into ``out_dir``: the pair `find_user_extractor`
    finds. Returns their paths.

    >>> import tempfile
    >>> out = tempfile.mkdtemp()
    >>> npz, record = write_record(b"weights", {"name": "digits"}, out, "digits")
    >>> info = json.loads(pathlib.Path(record).read_text())
    >>> info["weights_bytes"], info["weights_sha256"] == sha256_hex(b"weights")
    (7, True)
    >>> find_user_extractor(out) == (pathlib.Path(out), "digits")
    True
    """
    os.makedirs(out_dir, exist_ok=True)
    weights_path = os.path.join(out_dir, f"{name}.npz")
    json_path = os.path.join(out_dir, f"{name}.json")
    with open(weights_path, "wb") as f:
        f.write(data)
    info = dict(
        info,
        weights_file=os.path.basename(weights_path),
        weights_bytes=len(data),
        weights_sha256=sha256_hex(data),
    )
    with open(json_path, "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")
    return weights_path, json_path


def data_fingerprint(source: str, ds) -> dict:
    """``data_source`` (absolute for files), ``data_path`` and ``data_sha256``: of the
    file for ``npz:``/``npy:``/``csv:`` sources, else of the loaded arrays (train,
    train labels, test, test labels, in that order, as float32/int32 bytes)."""
    source = normalize_source(source)
    if source.startswith(ARRAY_SOURCES):
        path = source.partition(":")[2]
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        return {"data_source": source, "data_path": path, "data_sha256": digest.hexdigest(),
                "data_sha256_of": "file"}  # fmt: skip
    digest = hashlib.sha256()
    for x in (ds.train, ds.train_labels, ds.test, ds.test_labels):
        digest.update(np.ascontiguousarray(x).tobytes())
    of = "arrays: train, train labels, test, test labels as loaded"
    return {"data_source": source, "data_path": None, "data_sha256": digest.hexdigest(),
            "data_sha256_of": of}  # fmt: skip
