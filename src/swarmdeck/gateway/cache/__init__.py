"""The response cache: exact keys on a normalised request, and a semantic cache on a local
sentence embedding model with a verifier between the nearest neighbour and the answer."""

from swarmdeck.gateway.cache._cache import CacheHit, CacheMode, ResponseCache
from swarmdeck.gateway.cache._embedder import MODEL_ID, Embedder, ModelUnavailable
from swarmdeck.gateway.cache._keys import SemanticPrompt, exact_key, semantic_prompt
from swarmdeck.gateway.cache._store import CacheStore, MemoryStore, StoreUnavailable
from swarmdeck.gateway.cache._verifier import agree, disagreement

__all__ = [
    "MODEL_ID",
    "CacheHit",
    "CacheMode",
    "CacheStore",
    "Embedder",
    "MemoryStore",
    "ModelUnavailable",
    "ResponseCache",
    "SemanticPrompt",
    "StoreUnavailable",
    "agree",
    "disagreement",
    "exact_key",
    "semantic_prompt",
]
