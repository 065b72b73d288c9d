"""Platform core: database, event store, audit chain, tenancy."""
