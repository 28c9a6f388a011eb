"""Read the tensors of a TorchScript archive into numpy, without torch.

A TorchScript file (``torch.jit.save``) is a zip holding ``<root>/data.pkl``
(the module tree, pickled), ``<root>/data/<key>`` (each storage's raw
little-endian bytes) and ``<root>/code/`` (the modules' TorchScript source).
The pickle names torch classes (``torch._utils._rebuild_tensor_v2``,
``torch FloatStorage``, the modules' ``__torch__.*`` classes) and refers to
storages by *persistent id*; a restricted unpickler maps exactly those names
to numpy (anything else is refused, so a hostile archive cannot run code) and
each module to a plain dict of its attributes.

>>> import io, zipfile
>>> buffer = io.BytesIO()
>>> with zipfile.ZipFile(buffer, "w") as z:  # a hand-made one-tensor archive
...     z.writestr("m/data.pkl", _TINY_PICKLE)
...     z.writestr("m/data/0", np.arange(6, dtype="<f4").tobytes())
>>> tree = read_torchscript(buffer)
>>> tree["weight"].shape, tree["weight"][1].tolist()
((2, 3), [3.0, 4.0, 5.0])
"""

from __future__ import annotations

import collections
import pickle
import zipfile

import numpy as np

_STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}

_JIT_LISTS = ("build_intlist", "build_doublelist", "build_boollist", "build_tensorlist")


class _Module(dict):
    """A scripted module: its attributes (parameters, submodules, ints) as a dict."""

    def __setstate__(self, state):
        self.update(state)


class _StorageType:
    def __init__(self, name):
        self.dtype = np.dtype(_STORAGE_DTYPES[name]).newbyteorder("<")


def _rebuild_tensor(storage, offset, size, stride, *unused):
    """A strided view of ``storage`` (a flat numpy array) as torch would make it."""
    itemsize = storage.dtype.itemsize
    view = np.lib.stride_tricks.as_strided(
        storage[offset:], shape=tuple(size), strides=tuple(s * itemsize for s in stride)
    )
    return np.array(view, dtype=storage.dtype.newbyteorder("="))  # an owned, native copy


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, archive: zipfile.ZipFile, root: str):
        super().__init__(file)
        self._archive, self._root = archive, root
        self._storages: dict[str, np.ndarray] = {}

    def find_class(self, module, name):
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "torch.jit._pickle" and name in _JIT_LISTS:
            return list  # build_intlist([1, 3]) -> [1, 3]: typed lists, e.g. a conv's padding
        if module.startswith("__torch__"):
            return _Module
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a TorchScript file")

    def persistent_load(self, pid):
        kind, storage_type, key, _location, numel = pid
        if kind != "storage" or not isinstance(storage_type, _StorageType):
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")
        if key not in self._storages:
            data = self._archive.read(f"{self._root}/data/{key}")
            array = np.frombuffer(data, dtype=storage_type.dtype)
            if array.size < numel:
                raise pickle.UnpicklingError(f"storage {key}: {array.size} items, need {numel}")
            self._storages[key] = array
        return self._storages[key]


def read_torchscript(file) -> dict:
    """The module tree of a TorchScript archive: nested dicts of numpy arrays and scalars.

    Args:
      file: a path or a binary file object of a ``torch.jit.save`` archive.

    Returns:
      The top module as a dict: each submodule a dict under its attribute
      name, each parameter a float32 (or the storage's dtype) array in torch's
      layout (e.g. conv weights ``[out, in, kh, kw]``), each int attribute
      (``stride``, ``padding``) as stored.

    Raises:
      ValueError: ``file`` is not a TorchScript zip archive.
      pickle.UnpicklingError: the pickle names a class this reader refuses.
    """
    try:
        archive = zipfile.ZipFile(file)
    except zipfile.BadZipFile as e:
        raise ValueError(f"file {file!r} is not a TorchScript (zip) archive") from e
    with archive:
        names = [n for n in archive.namelist() if n.endswith("/data.pkl")]
        if len(names) != 1:
            raise ValueError(f"file {file!r} has {len(names)} data.pkl entries, expected 1")
        root = names[0][: -len("/data.pkl")]
        with archive.open(names[0]) as f:
            return _Unpickler(f, archive, root).load()


# For the module docstring's example: a module {"weight": tensor [2, 3] from storage "0"}.
_TINY_PICKLE = (
    b"\x80\x02c__torch__.m\nM\n)\x81}X\x06\x00\x00\x00weightctorch._utils\n_rebuild_tensor_v2\n"
    b"((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpu"
    b"K\x06tQK\x00K\x02K\x03\x86K\x03K\x01\x86\x89ccollections\nOrderedDict\n)RtRsb."
)
