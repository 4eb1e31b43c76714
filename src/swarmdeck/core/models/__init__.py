"""Tables and column types shared by the whole product."""

from swarmdeck.core.models._base import Base
from swarmdeck.core.models._kv import KeyValue
from swarmdeck.core.models._types import Money, UTCDateTime, utcnow, uuid7

__all__ = ["Base", "KeyValue", "Money", "UTCDateTime", "utcnow", "uuid7"]
