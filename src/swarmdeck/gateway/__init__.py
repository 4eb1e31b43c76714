"""The LLM gateway: OpenAI/Anthropic-compatible front doors, providers, routing, cache."""

from swarmdeck.gateway._calls import Answer, CacheMode, ChatCall, ClientFormat
from swarmdeck.gateway._ratelimit import RateLimiter
from swarmdeck.gateway._routing import Deployment, ModelRoute, Router
from swarmdeck.gateway._service import Gateway, ModelUnpriced
from swarmdeck.gateway._upstream import NoDeployment, UpstreamFailed

__all__ = [
    "Answer",
    "CacheMode",
    "ChatCall",
    "ClientFormat",
    "Deployment",
    "Gateway",
    "ModelRoute",
    "ModelUnpriced",
    "NoDeployment",
    "RateLimiter",
    "Router",
    "UpstreamFailed",
]
