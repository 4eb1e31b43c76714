"""Alembic environment: always run with a connection handed in by `swarmdeck.migrations`."""

from alembic import context

# Every module that declares tables, so the metadata (and autogenerate) sees them all.
import swarmdeck.core.audit._model
import swarmdeck.core.auth._tables
import swarmdeck.costs._tables
import swarmdeck.costs.alerts._model
import swarmdeck.swarms._tables  # noqa: F401
from swarmdeck.core.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `swarmdeck migrate`, not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
